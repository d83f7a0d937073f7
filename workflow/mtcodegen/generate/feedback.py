"""Execution feedback: turn a public-test Verdict into the next user message, from the cell's template.

Placeholders a feedback template (``prompts/feedback/<type>.txt``) can use:
  {outcome}       pass/fail and nothing more: "Your code does not pass all of the public tests." (binary feedback),
                  or "No code was found in your answer." when the response had no program
  {verdict}       the verdict code (WA, RE, TLE, ...)      {verdict_name}  its words ("wrong answer")
  {passed} {total} {failed_count}                         counts over the public tests
  {failed_tests}  every failed test: input, expected, the program's output or error (each capped)
  {passed_tests}  every passed test: input and expected output (capped)
  {failed_test}   the first failed test alone (the one the LDB trace follows)
  {trace}         the LDB-style trace of that test: local variable values per line/block/function (capped)
The caps keep a feedback turn within a small model's context whatever the program printed. Which feedback types
exist, and the trace each asks the judge for, is data: feedback_types.py.
"""

from __future__ import annotations

import textwrap
from typing import Any

from .. import typed_json

FEEDBACK_PLACEHOLDERS = frozenset(
    {"outcome", "verdict", "verdict_name", "passed", "total", "failed_count", "failed_tests", "passed_tests", "failed_test",
     "trace"}
)
VERDICT_NAMES = {
    "AC": "accepted", "WA": "wrong answer", "TLE": "time limit exceeded", "MLE": "memory limit exceeded",
    "OLE": "output limit exceeded", "RE": "runtime error", "CE": "compilation error", "IE": "internal error",
}
# The detail of the verdict the loop (loop.NO_CODE) and the execute stage give an attempt without code: it never
# ran, so it is no "compilation error" and the feedback says what happened instead.
NO_CODE_DETAIL = "no code"
NO_CODE_TEXT = "No code was found in your answer."
FAILED_TEXT = "Your code does not pass all of the public tests."
FIELD_CHARS = 400  # one test's input / expected / got, each
TESTS_SHOWN = 5  # tests listed per section; the rest are counted
# LDB's own caps (LLMDebugger, programming/generators/py_generate.py): 10 blocks, 30 lines, first half and last half.
TRACE_SHOWN = {"block": 10, "line": 30, "function": 20}
TRACE_CHARS = 3000
TRACE_EVENT_CHARS = 400  # one block: its code and its variables
TRACE_LINE_CHARS = 120  # one line of code in a block


def _cap(text: str, limit: int = FIELD_CHARS) -> str:
    text = text.rstrip("\n")
    return text if len(text) <= limit else text[:limit] + f"... [{len(text) - limit} more characters]"


def format_call(problem: dict[str, Any], test: dict[str, Any]) -> str:
    args = typed_json.decode(test.get("args", []))
    kwargs = typed_json.decode(test.get("kwargs", {"__dict__": []}))
    parts = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
    return f"{problem.get('entry_point') or 'solution'}({', '.join(parts)})"


def describe_test(problem: dict[str, Any], index: int, result: dict[str, Any] | None) -> str:
    """One public test as the model sees it; ``result`` is the Verdict's entry for it (None: passed)."""
    tests = problem["public_tests"]
    test = tests[index] if 0 <= index < len(tests) else {}
    lines = [f"Test {index + 1}:"]
    if problem["kind"] == "call":
        lines.append(f"Call: {_cap(format_call(problem, test))}")
        lines.append(f"Expected: {_cap(repr(typed_json.decode(test.get('expected'))))}")
    else:
        lines.append(f"Input:\n{_cap(test.get('input', ''))}")
        lines.append(f"Expected output:\n{_cap(test.get('output', ''))}")
    if result is not None:
        verdict = result.get("verdict", "")
        got = result.get("got") if problem["kind"] == "call" else result.get("stdout")
        if got not in (None, "") and verdict == "WA":
            label = "Your result" if problem["kind"] == "call" else "Your output"
            lines.append(f"{label}:\n{_cap(str(got))}")
        elif verdict == "WA":
            lines.append("Your output: (nothing)")
        if verdict != "WA":
            reason = result.get("detail") or VERDICT_NAMES.get(verdict, verdict)
            lines.append(f"Error: {_cap(str(reason))}")
            if result.get("stderr"):
                lines.append(f"Standard error:\n{_cap(str(result['stderr']))}")
    return "\n".join(lines)


def _values(values: dict[str, Any] | None) -> str:
    return ", ".join(f"{k} = {v}" for k, v in (values or {}).items())


def _render_event(event: dict[str, Any], number: int, granularity: str | None) -> str:
    """One trace event as LDB shows a block: its label, the code it ran, then a comment with the variables at
    its end (sandbox event shapes: docs/sandbox.md, "Traces")."""
    function = event.get("function")
    where = f" in {function}" if function and function != "<module>" else ""
    kind = event.get("event")
    if kind == "call":
        return _cap(f"[call {function}, line {event.get('line', '?')}] {_values(event.get('locals')) or '(no arguments)'}",
                    TRACE_EVENT_CHARS)
    if kind == "return":
        text = f"[{function} returns {event.get('value', '')}, line {event.get('line', '?')}]"
        if event.get("locals"):
            text += f"\n# {_values(event['locals'])}"
        return _cap(text, TRACE_EVENT_CHARS)
    if kind == "end":
        return _cap(f"[end of the program]\n# {_values(event.get('locals'))}", TRACE_EVENT_CHARS)
    lines = event.get("lines") or [event.get("line", "?")]
    span = f"line {lines[0]}" if len(lines) == 1 else f"lines {min(lines)}-{max(lines)}"
    rows = [f"[BLOCK-{number}] {span}{where}"]
    code = [line[:TRACE_LINE_CHARS] for line in event.get("code") or []]
    if code:
        rows.append(textwrap.dedent("\n".join(code)))
    values = _values(event.get("locals"))
    state = "still running when the trace stopped: " if event.get("unfinished") else ""
    rows.append(f"# {state}{values}" if values else f"# {state}(no variables)")
    if event.get("raised"):
        rows.append(f"# raised {event['raised']}")
    if "returns" in event:
        rows.append(f"# returns {event['returns']}")
    return _cap("\n".join(rows), TRACE_EVENT_CHARS)


def describe_trace(trace: dict[str, Any] | None) -> str:
    """The LDB trace of the failed test: at most TRACE_SHOWN[granularity] events (LDB keeps 10 blocks, 30 lines),
    the first half and the last half when there are more (the end of the run is where a wrong value shows),
    within TRACE_CHARS: fewer events are shown, still from both ends, rather than cutting the text."""
    if not trace or not trace.get("events"):
        return "(no trace is available for this test)"
    events = list(trace["events"])
    granularity = trace.get("granularity")
    unit = "events" if granularity == "function" else "blocks"
    for position, event in enumerate(events):
        event.setdefault("index", position) if isinstance(event, dict) else None
    total = max(int(trace.get("total") or 0), events[-1]["index"] + 1, len(events))
    shown = min(len(events), TRACE_SHOWN.get(granularity, TRACE_SHOWN["block"]))
    while True:
        head = (shown + 1) // 2
        chosen = events[:head] + events[len(events) - (shown - head):] if shown < len(events) else events
        rows, previous = [], -1
        for event in chosen:
            if event["index"] > previous + 1:
                rows.append(f"... ({event['index'] - previous - 1} {unit} not shown) ...")
            rows.append(_render_event(event, event["index"], granularity))
            previous = event["index"]
        if previous < total - 1:
            rows.append(f"... ({total - 1 - previous} more {unit} not shown) ...")
        if trace.get("stopped") == "time":
            rows.append("(the trace stops here: the program was still running when its time was nearly up)")
        text = "\n".join(rows)
        if len(text) <= TRACE_CHARS or shown <= 2:
            return _cap(text, TRACE_CHARS)
        shown -= 2


def _section(problem: dict[str, Any], entries: list[tuple[int, dict[str, Any] | None]]) -> str:
    shown = [describe_test(problem, i, r) for i, r in entries[:TESTS_SHOWN]]
    if len(entries) > TESTS_SHOWN:
        shown.append(f"(and {len(entries) - TESTS_SHOWN} more)")
    return "\n\n".join(shown) if shown else "(none)"


def feedback_values(problem: dict[str, Any], verdict: dict[str, Any]) -> dict[str, str]:
    """The placeholder values for one failed public Verdict."""
    total = int(verdict.get("total") or len(problem["public_tests"]))
    passed = int(verdict.get("passed") or 0)
    results = {t["index"]: t for t in verdict.get("tests") or [] if "index" in t}
    failed = [(i, r) for i, r in sorted(results.items()) if r.get("verdict") != "AC"]
    passed_list = [(i, None) for i, r in sorted(results.items()) if r.get("verdict") == "AC"]
    code = verdict.get("verdict", "WA")
    no_code = code == "CE" and verdict.get("detail") == NO_CODE_DETAIL and not failed
    if no_code:
        return {
            "outcome": NO_CODE_TEXT, "verdict": code, "verdict_name": "no code was found in your answer",
            "passed": "0", "total": str(total), "failed_count": str(total),
            "failed_tests": NO_CODE_TEXT + " Nothing was run.", "passed_tests": "(none)",
            "failed_test": NO_CODE_TEXT + " Nothing was run.", "trace": "(no trace: no code was found in your answer)",
        }
    if not failed:  # no per-test detail (no code, compile error): the whole program failed
        detail = verdict.get("detail") or VERDICT_NAMES.get(code, code)
        failed_text = f"The program did not run: {_cap(str(detail))}"
        first = failed_text
    else:
        failed_text = _section(problem, failed)
        trace = verdict.get("trace") or {}
        first_index = trace.get("test", failed[0][0])
        first = describe_test(problem, first_index, results.get(first_index, failed[0][1]))
    return {
        "outcome": FAILED_TEXT,
        "verdict": code,
        "verdict_name": VERDICT_NAMES.get(code, code),
        "passed": str(passed),
        "total": str(total),
        "failed_count": str(total - passed),
        "failed_tests": failed_text,
        "passed_tests": _section(problem, passed_list),
        "failed_test": first,
        "trace": describe_trace(verdict.get("trace")),
    }
