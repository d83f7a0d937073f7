"""EvalPlus release files (``HumanEvalPlus.jsonl.gz``, ``MbppPlus.jsonl.gz``; task_id, prompt, entry_point,
canonical_solution, base_input, plus_input, atol, contract, test | assertion) -> call problems.

The release files store inputs only. As evalplus does, every expected output is what ``prompt +
canonical_solution`` returns on that input; here it is computed in a separate, time- and memory-capped
Python process (reference.py), never in this one. MBPP+ inputs are stored as JSON, so tuples, sets and
complex numbers arrive as lists and strings; they are turned back into the types the functions take with
the same per-task rules evalplus applies when it reads the file (``MBPP_INPUT_TYPES``; checked against
evalplus's own reader in tests/data/test_evalplus_*.py).

Private tests: the base inputs first, then (``options: {tests: plus}``, the default) the plus inputs. Each
test carries ``"set": "base" | "plus"`` and the problem ``base_tests`` = the number of base tests, so that
with the judge stopping at the first failure, ``passed >= base_tests`` is the base verdict ("HumanEval",
"MBPP" as evalplus reports them) and an AC the plus verdict ("HumanEval+", "MBPP+") of one run.
``options: {tests: base}`` keeps only the base inputs.

Public tests: HumanEval+: the docstring examples (as for HumanEval, humaneval.py); MBPP+: the first base
input, the one the prompt's assert shows.

Comparison: the problem's ``checker`` is ``evalplus`` (the judge compares with ``==`` first, then, when the
task has an ``atol`` or the expected value is a float or a flat list of floats, same type and
``allclose(rtol=1e-7, atol)`` with atol at least 1e-6 for floats, as evalplus does). evalplus's special
oracles: the problem names its own in ``evalplus_oracle``; those the judge reproduces are on each test as
``oracle`` (JUDGE_ORACLES: set comparison, "any answer", "or 0", "not None", any root of find_zero's
polynomial); the other two (Mbpp/558, Mbpp/581) are compared as plain values, a known disagreement
(docs/sandbox.md).
"""

from __future__ import annotations

from typing import Any, Callable

from .. import typed_json
from . import humaneval, reference
from .records import RowContext, SkipRow, call_test, flag_row

# How long the reference may take on all of one problem's inputs (HumanEval+ has ~750 per problem, some
# large); far above what any canonical solution needs, only a guard against a hang.
REFERENCE_TIMEOUT_S = 600.0
TEST_SETS = ("base", "plus")
# An expected output bigger than this (typed_json characters) is left out, with the test, and reported: a few
# MBPP+ plus inputs (e.g. Mbpp/255's combinations) have results of hundreds of MB, more than a problems file,
# or a judged program within the sandbox's memory limit, should hold.
MAX_RESULT_CHARS = 1_000_000

# MBPP+ tasks whose results evalplus cannot store: the expected value is `result is not None`.
MBPP_NOT_NONE = ("check_str", "text_match_three", "text_starta_endb")
# evalplus's special oracles, by entry point (evalplus/eval/_special_oracle.py and eval/__init__.py).
SPECIAL_ORACLES = {
    "humaneval": {"find_zero": "any root: |poly(xs, x)| <= atol"},
    "mbpp": {
        "are_equivalent": "always passes (Mbpp/164)",
        "sum_div": "also accepts 0 (Mbpp/295)",
        "surface_Area": "also accepts another reading of the height (Mbpp/581)",
        "digit_distance_nums": "also accepts zero-padded digits (Mbpp/558)",
        **{name: "set(out) == set(expected)" for name in (
            "similar_elements", "find_char_long", "common_in_nested_lists", "extract_singly", "larg_nnum",
            "intersection_array", "find_dissimilar", "Diff")},
        **{name: "only checks that the output is not None" for name in MBPP_NOT_NONE},
    },
}


# The special oracles the judge's `evalplus` checker applies (sandbox/checkers.py), by entry point; the others
# of SPECIAL_ORACLES are compared as plain values (a known disagreement, docs/sandbox.md).
JUDGE_ORACLES = {
    "humaneval": {"find_zero": "poly_root"},
    "mbpp": {"are_equivalent": "any", "sum_div": "or_zero",
             **{name: "set" for name in (
                 "similar_elements", "find_char_long", "common_in_nested_lists", "extract_singly", "larg_nnum",
                 "intersection_array", "find_dissimilar", "Diff")},
             **{name: "not_none" for name in ("check_str", "text_match_three", "text_starta_endb")}},
}


def _tuples(value: Any) -> Any:
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def _each_arg(convert: Callable[[Any], Any]) -> Callable[[list], list]:
    return lambda inp: [convert(a) for a in inp]


def _first_arg(convert: Callable[[Any], Any]) -> Callable[[list], list]:
    return lambda inp: [convert(inp[0]), *inp[1:]]


def _list_of_tuples(arg: list) -> list:
    return [tuple(x) for x in arg]


def _sets_or_empty_dict(arg: list) -> list:
    # evalplus writes an empty set as `{}`, which reads back as an empty dict; it keeps that dict.
    return [set(x) if isinstance(x, list) and x else {} for x in arg]


# MBPP+ task number -> how one stored input (a list of arguments) becomes the call's arguments.
MBPP_INPUT_TYPES: dict[int, Callable[[list], Any]] = {}
for _n in (2, 116, 132, 143, 222, 261, 273, 394, 399, 421, 424, 429, 470, 560, 579, 596, 616, 630, 726, 740,
           744, 809):
    MBPP_INPUT_TYPES[_n] = _each_arg(tuple)
for _n in (63, 64, 70, 94, 120, 237, 272, 299, 400, 409, 417, 438, 473, 614, 780):
    MBPP_INPUT_TYPES[_n] = _each_arg(_list_of_tuples)
for _n in (75, 413, 444, 753):
    MBPP_INPUT_TYPES[_n] = lambda inp: [_list_of_tuples(inp[0]), inp[1]]
for _n in (106, 750):
    MBPP_INPUT_TYPES[_n] = lambda inp: [inp[0], tuple(inp[1])]
MBPP_INPUT_TYPES[115] = lambda inp: [_sets_or_empty_dict(inp[0])]
MBPP_INPUT_TYPES[124] = lambda inp: [float(inp[0]), complex(inp[1])]
for _n in (250, 405, 446, 617, 720, 763, 808):
    MBPP_INPUT_TYPES[_n] = _first_arg(tuple)
for _n in (259, 401, 445):
    MBPP_INPUT_TYPES[_n] = _each_arg(lambda a: tuple(_list_of_tuples(a)))
MBPP_INPUT_TYPES[278] = lambda inp: [tuple(tuple(x) if isinstance(x, list) else x for x in inp[0])]
MBPP_INPUT_TYPES[307] = lambda inp: [tuple(inp[0]), inp[1], inp[2]]
MBPP_INPUT_TYPES[722] = lambda inp: [{k: tuple(v) for k, v in inp[0].items()}, *inp[1:]]
MBPP_INPUT_TYPES[252] = lambda inp: [complex(inp[0])]
for _n in (580, 615, 791):
    MBPP_INPUT_TYPES[_n] = lambda inp: list(_tuples(inp))


def benchmark_of(task_id: str) -> str:
    prefix = task_id.split("/", 1)[0]
    if prefix == "HumanEval":
        return "humaneval"
    if prefix == "Mbpp":
        return "mbpp"
    raise SkipRow("no id", f"task_id {task_id!r} is neither HumanEval/<n> nor Mbpp/<n>")


def call_inputs(task_id: str, inputs: Any, field: str) -> list[list]:
    """The stored argument lists of one input field, with MBPP+'s types restored."""
    if inputs is None or inputs == {}:  # Mbpp/793's plus_input is {}: evalplus iterates it as no inputs
        return []
    if not isinstance(inputs, list) or not all(isinstance(i, list) for i in inputs):
        raise SkipRow("bad tests", f"`{field}` is not a list of argument lists")
    if benchmark_of(task_id) != "mbpp":
        return inputs
    convert = MBPP_INPUT_TYPES.get(int(task_id.split("/")[1]))
    if convert is None:
        return inputs
    try:
        return [list(convert(i)) for i in inputs]
    except (TypeError, ValueError, IndexError, AttributeError) as err:
        raise SkipRow("bad tests", f"`{field}`: an input does not have the shape task {task_id} takes: {err}") from None


def is_floats(value: Any) -> bool:
    """evalplus's test for "compare approximately": a float, or a non-empty flat list/tuple of floats."""
    if isinstance(value, float):
        return True
    return isinstance(value, (list, tuple)) and bool(value) and all(isinstance(v, float) for v in value)


def test_tolerance(atol: float, expected: Any) -> float | None:
    """The absolute tolerance evalplus applies to one test: the task's atol, at least 1e-6 for floats."""
    if atol:
        return float(atol)
    return 1e-6 if is_floats(expected) else None


def expected_outputs(code: str, entry_point: str, calls: list[tuple[list, dict]],
                     output_not_none: bool = False) -> tuple[list[Any], dict[str, str]]:
    """The reference's result for each call (in a separate capped process), and {index: why} for the results
    left out: bigger than MAX_RESULT_CHARS encoded, not storable, or out of memory. ``output_not_none``: the
    expected value is whether the result is not None (evalplus's ground truth for its NOT_NONE tasks)."""
    request = {"code": code, "entry_point": entry_point, "max_result_chars": MAX_RESULT_CHARS,
               "output_not_none": output_not_none,
               "calls": typed_json.encode([[list(a), dict(k)] for a, k in calls])}
    try:
        result = reference._run(request, REFERENCE_TIMEOUT_S)
    except reference.ReferenceFailure as err:
        raise SkipRow("reference solution fails", f"canonical_solution on the inputs: {err}") from None
    return [None if v is None else typed_json.decode(v) for v in result["results"]], result["omitted"]


def normalize(row: dict[str, Any], ctx: RowContext) -> dict[str, Any]:
    task_id, prompt, entry_point = row.get("task_id"), row.get("prompt"), row.get("entry_point")
    solution = row.get("canonical_solution")
    if not task_id or not isinstance(task_id, str):
        raise SkipRow("no id")
    benchmark = benchmark_of(task_id)
    if not isinstance(prompt, str) or not prompt.strip():
        raise SkipRow("empty statement", "no prompt")
    if not entry_point:
        raise SkipRow("no entry point")
    if not isinstance(solution, str) or not solution.strip():
        raise SkipRow("no reference solution", "evalplus computes every expected output from canonical_solution")
    wanted = ctx.options.get("tests", "plus")
    if wanted not in TEST_SETS:
        raise ValueError(f"options.tests: expected one of {list(TEST_SETS)}, got {wanted!r}")
    atol = row.get("atol") or 0
    if not isinstance(atol, (int, float)) or isinstance(atol, bool) or atol < 0:
        raise SkipRow("bad atol", f"atol is {atol!r}")
    sets = {"base": call_inputs(task_id, row.get("base_input"), "base_input")}
    if not sets["base"]:
        raise SkipRow("no tests", "base_input is empty")
    if wanted == "plus":
        sets["plus"] = call_inputs(task_id, row.get("plus_input") or [], "plus_input")
    code = prompt + solution
    docstring_calls = humaneval.docstring_examples(prompt, entry_point) if benchmark == "humaneval" else []
    calls = [(args, {}) for name in sets for args in sets[name]]
    calls += [(args, kwargs) for args, kwargs, _ in docstring_calls]
    values, omitted = expected_outputs(code, entry_point, calls,
                                       output_not_none=benchmark == "mbpp" and entry_point in MBPP_NOT_NONE)
    private, index, dropped = [], 0, {}
    for name in sets:
        for args in sets[name]:
            value = values[index]
            if str(index) in omitted:
                dropped[f"{name}:{index}"] = omitted[str(index)]
            else:
                private.append({**call_test(args, {}, value, test_tolerance(atol, value)), "set": name})
            index += 1
    if dropped:
        flag_row("tests left out", f"{len(dropped)} expected outputs too big to store, e.g. "
                 f"{next(iter(dropped.values()))}")
    base_kept = sum(t["set"] == "base" for t in private)
    if not base_kept:
        raise SkipRow("no tests", "every base expected output is too big to store")
    if docstring_calls:
        public = [call_test(args, kwargs, value, test_tolerance(atol, value))
                  for (args, kwargs, _), value in zip(docstring_calls, values[index:])]
    else:
        public = [{k: v for k, v in private[0].items() if k != "set"}]
    oracle = SPECIAL_ORACLES[benchmark].get(entry_point)
    judge_oracle = JUDGE_ORACLES[benchmark].get(entry_point)
    if judge_oracle:
        for test in private + public:
            test["oracle"] = judge_oracle
    return ctx.problem(
        source_id=task_id,
        statement=prompt,
        kind="call",
        entry_point=entry_point,
        # HumanEval+'s prompt is the signature and docstring to complete: it is the statement; shown once.
        starter_code="",
        public_tests=public,
        private_tests=private,
        reference_solution=code,
        checker="evalplus",
        row=row,
        benchmark=benchmark,
        base_tests=base_kept,
        plus_tests=len(private) - base_kept,
        **({"tests_left_out": dropped} if dropped else {}),
        atol=float(atol),
        contract=row.get("contract") or "",
        **({"evalplus_oracle": oracle} if oracle else {}),
    )
