"""Call-style tests as data: read assert statements with `ast`, never run them in this process.

``assert f(1, 2) == 3`` becomes ``{"args": [1, 2], "kwargs": {}, "expected": 3}`` by ``ast.literal_eval`` of
the argument and expected nodes. Recognized assert forms (``f`` is the entry point or ``candidate``):

  f(...) == <literal>      <literal> == f(...)      f(...) is None|True|False
  f(...)   (expected True)        not f(...)   (expected False)
  abs(f(...) - <literal>) < <tol>   (also math.fabs, <=)   ->  expected <literal>, "tolerance": tol

Anything else (loops, helper variables, non-literal arguments or expectations) raises :class:`NotStatic`;
the caller then records the calls by running the check against the reference solution (reference.py).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any


class NotStatic(Exception):
    """The check cannot be read as literal data; the message says which statement."""


class Unparsable(NotStatic):
    """The test code is not valid Python at all: no reference run can help."""


@dataclass
class StaticCall:
    args: list
    kwargs: dict
    expected: Any
    tolerance: float | None = None


def _literal(node: ast.AST) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise NotStatic(f"not a literal: {ast.unparse(node)[:80]}") from None


def _is_call_of(node: ast.AST, names: set[str]) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names


def _call_arguments(call: ast.Call) -> tuple[list, dict]:
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        raise NotStatic(f"starred arguments: {ast.unparse(call)[:80]}")
    return [_literal(a) for a in call.args], {k.arg: _literal(k.value) for k in call.keywords}


def _abs_difference(node: ast.AST, names: set[str]) -> tuple[ast.Call, ast.AST] | None:
    """abs(f(...) - y) or math.fabs(f(...) - y) -> (the call, y)."""
    if not (isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords):
        return None
    func = node.func
    is_abs = (isinstance(func, ast.Name) and func.id in ("abs", "fabs")) or (
        isinstance(func, ast.Attribute) and func.attr == "fabs")
    inner = node.args[0]
    if is_abs and isinstance(inner, ast.BinOp) and isinstance(inner.op, ast.Sub):
        if _is_call_of(inner.left, names):
            return inner.left, inner.right
        if _is_call_of(inner.right, names):
            return inner.right, inner.left
    return None


def parse_assert(test: ast.AST, names: set[str]) -> StaticCall:
    """One assert's test expression -> StaticCall, or NotStatic."""
    if _is_call_of(test, names):
        return StaticCall(*_call_arguments(test), expected=True)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and _is_call_of(test.operand, names):
        return StaticCall(*_call_arguments(test.operand), expected=False)
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        left, op, right = test.left, test.ops[0], test.comparators[0]
        if isinstance(op, ast.Eq):
            if _is_call_of(left, names) and not _is_call_of(right, names):
                return StaticCall(*_call_arguments(left), expected=_literal(right))
            if _is_call_of(right, names) and not _is_call_of(left, names):
                return StaticCall(*_call_arguments(right), expected=_literal(left))
        if isinstance(op, ast.Is) and _is_call_of(left, names) and isinstance(right, ast.Constant):
            return StaticCall(*_call_arguments(left), expected=right.value)
        if isinstance(op, (ast.Lt, ast.LtE)):
            found = _abs_difference(left, names)
            if found is not None:
                tolerance = _literal(right)
                if isinstance(tolerance, (int, float)) and not isinstance(tolerance, bool) and tolerance > 0:
                    call, expected = found
                    return StaticCall(*_call_arguments(call), expected=_literal(expected), tolerance=float(tolerance))
    raise NotStatic(f"unrecognized assert: {ast.unparse(test)[:100]}")


def _ignorable(stmt: ast.stmt) -> bool:
    """Statements that carry no test: imports, docstrings, `assert True`, METADATA = {...}, `pass`."""
    if isinstance(stmt, (ast.Import, ast.ImportFrom, ast.Pass)):
        return True
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
        return True
    if isinstance(stmt, ast.Assert) and isinstance(stmt.test, ast.Constant) and stmt.test.value is True:
        return True
    if isinstance(stmt, ast.Assign) and all(isinstance(t, ast.Name) and t.id.isupper() for t in stmt.targets):
        return True
    return False


def parse_statements(body: list[ast.stmt], names: set[str]) -> list[StaticCall]:
    tests = []
    for stmt in body:
        if _ignorable(stmt):
            continue
        if not isinstance(stmt, ast.Assert):
            raise NotStatic(f"line {stmt.lineno}: not an assert: {ast.unparse(stmt)[:80]}")
        tests.append(parse_assert(stmt.test, names))
    return tests


def parse_source(source: str) -> ast.Module:
    try:
        return ast.parse(source)
    except SyntaxError as err:
        raise Unparsable(f"test code does not parse: {err.msg} (line {err.lineno})") from None


def parse_check_function(test_source: str, function: str = "check", param: str | None = None) -> list[StaticCall]:
    """HumanEval style: ``def check(candidate): assert candidate(...) == ...``."""
    module = parse_source(test_source)
    for stmt in module.body:
        if isinstance(stmt, ast.FunctionDef) and stmt.name == function:
            name = param or (stmt.args.args[0].arg if stmt.args.args else "candidate")
            return parse_statements(stmt.body, {name})
    raise NotStatic(f"no function {function!r} in the test code")


def parse_assert_lines(asserts: list[str], entry_point: str) -> list[StaticCall]:
    """MBPP style: each string is one ``assert f(...) == ...`` statement."""
    tests = []
    for line in asserts:
        tests.extend(parse_statements(parse_source(line).body, {entry_point}))
    return tests


def called_functions(asserts: list[str]) -> list[str]:
    """Names of the functions the asserts call, in order of first appearance (to find the entry point)."""
    names: list[str] = []
    for line in asserts:
        try:
            module = ast.parse(line)
        except SyntaxError:
            continue
        for node in ast.walk(module):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id not in names:
                names.append(node.func.id)
    return names


def defined_functions(code: str) -> list[str]:
    try:
        module = ast.parse(code)
    except SyntaxError:
        return []
    return [n.name for n in module.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def check_tolerance(test_source: str) -> float | None:
    """The largest absolute float tolerance a check uses anywhere, for calls recorded by running it:
    ``abs(...) < tol``, ``math.isclose(..., abs_tol=tol)``, ``atol = tol`` (EvalPlus)."""
    try:
        module = ast.parse(test_source)
    except SyntaxError:
        return None
    found: list[float] = []

    def number(node):
        try:
            value = ast.literal_eval(node)
        except Exception:  # noqa: BLE001 - anything not a literal number is simply not a tolerance
            return None
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0 else None

    for node in ast.walk(module):
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.Lt, ast.LtE)):
            left = node.left
            if isinstance(left, ast.Call) and (
                (isinstance(left.func, ast.Name) and left.func.id in ("abs", "fabs"))
                or (isinstance(left.func, ast.Attribute) and left.func.attr == "fabs")
            ):
                found.append(number(node.comparators[0]))
        elif isinstance(node, ast.keyword) and node.arg in ("abs_tol", "atol"):
            found.append(number(node.value))
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "atol" for t in node.targets):
            found.append(number(node.value))
    found = [f for f in found if f]
    return max(found) if found else None
