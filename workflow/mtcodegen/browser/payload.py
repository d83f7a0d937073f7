"""The data the page shows, computed once in Python: per trajectory its messages labelled by kind, its attempts
with their verdicts, and between consecutive attempts the code diff (difflib line opcodes) and the similarity
score of the metrics stage (``metrics.analyses.code_similarity``, the very function behind the similarity
figures). Nothing here is HTML: the page puts every string into the document as text (docs/browser.md).
"""

from __future__ import annotations

import difflib
from typing import Any

from .. import typed_json
from ..metrics.analyses import code_similarity
from .outcomes import outcome

EXCERPT_CHARS = 2000  # per test input / expected value shown (CodeContests inputs reach megabytes)
# The verdict-summary fields the page shows; memory and wall time per test are left out to keep files small.
TEST_FIELDS = ("index", "verdict", "time_s", "got", "stdout", "stderr", "detail")


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n… ({len(text) - limit:,} more characters)"


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units: JavaScript's string indices (astral characters count twice)."""
    return len(text.encode("utf-16-le")) // 2


def describe_test(problem: dict[str, Any], test: dict[str, Any]) -> dict[str, str]:
    """A test's input and expected output as readable text: stdio verbatim, call tests as a call expression."""
    if problem.get("kind") == "call":
        args = typed_json.decode(test.get("args", []))
        kwargs = typed_json.decode(test.get("kwargs", {"__dict__": []}))
        parts = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
        call = f"{problem.get('entry_point') or 'f'}({', '.join(parts)})"
        return {"input": excerpt(call), "expected": excerpt(repr(typed_json.decode(test.get("expected"))))}
    return {"input": excerpt(str(test.get("input", ""))), "expected": excerpt(str(test.get("output", "")))}


def _summary(verdict: Any) -> dict[str, Any] | None:
    if not isinstance(verdict, dict):
        return None
    out = {k: verdict.get(k) for k in ("verdict", "passed", "total", "time_s", "detail")}
    out["tests"] = [{k: t.get(k) for k in TEST_FIELDS if k in t} for t in verdict.get("tests") or []]
    if verdict.get("trace"):
        out["trace"] = verdict["trace"]
    return out


def _code_ref(response: str | None, code: str | None) -> Any:
    """The code, or [start, end] (UTF-16 offsets) of where it lies verbatim in the response: the usual fenced
    case, and a third of a paper-size cell's bytes saved."""
    if code is None:
        return None
    at = response.find(code) if response else -1
    if at < 0:
        return code
    start = utf16_len(response[:at])
    return [start, start + utf16_len(code)]


def lines(code: str) -> list[str]:
    """Lines split exactly as the page splits them (app.js splitLines): on "\n" only, a final newline ending
    the last line. str.splitlines would also split on \r, \f, U+2028..., and the indices would disagree."""
    parts = code.split("\n")
    if parts and parts[-1] == "":
        parts.pop()
    return parts


def diff_ops(before: str, after: str) -> list[list[Any]]:
    """difflib's line opcodes [tag, i1, i2, j1, j2]: a few numbers per pair, from which the page rebuilds a
    full-context diff of the two programs it already holds."""
    a, b = lines(before), lines(after)
    return [list(op) for op in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()]


def similarity(before: str, after: str) -> float:
    """The similarity figures' score. An unchanged program (frequent: a model often resubmits its code) scores
    exactly 1.0 in code_similarity (difflib's ratio of two equal sequences), so it skips the tokenizing."""
    return 1.0 if before == after else code_similarity(before, after)


def _label_messages(messages: list[dict[str, Any]], attempts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each message's kind (system, problem, reasoning prompt/answer, instruction, code, feedback) and the
    attempt it belongs to. Assistant messages are matched to attempts in order: a turn with a reasoning
    prompt has two calls, reasoning then code (docs/contracts.md §3)."""
    calls: list[tuple[int, str]] = []  # (attempt index, "reasoning" | "code") per assistant message, in order
    for i, attempt in enumerate(attempts):
        if attempt.get("reasoning_response") is not None:
            calls.append((i, "reasoning"))
        calls.append((i, "code"))
    out, call, user_seen, last_kind = [], 0, 0, None
    for message in messages:
        role, content = message.get("role"), str(message.get("content", ""))
        entry = {"role": role, "text": content, "attempt": None}
        if role == "system":
            entry["kind"] = "system"
        elif role == "assistant":
            attempt, kind = calls[call] if call < len(calls) else (None, "answer")
            call += 1
            entry["kind"], entry["attempt"] = ("reasoning answer" if kind == "reasoning" else kind), attempt
        else:
            user_seen += 1
            upcoming = calls[call] if call < len(calls) else None
            if last_kind == "reasoning answer":
                entry["kind"] = "instruction"
            elif last_kind == "code":
                entry["kind"] = "feedback"
            else:
                entry["kind"] = "problem" if user_seen == 1 else "user"
            if upcoming and upcoming[1] == "reasoning":
                entry["kind"] += " + reasoning prompt"
            if upcoming:
                entry["attempt"] = upcoming[0]
        last_kind = entry["kind"] if role == "assistant" else last_kind
        out.append(entry)
    return out


def trajectory_payload(record: dict[str, Any], where: str) -> dict[str, Any]:
    """One trajectory as the page reads it (strings are interned into the problem file's table later)."""
    attempts_in = record.get("attempts") or []
    attempts = []
    for attempt in attempts_in:
        response = attempt.get("response")
        attempts.append({
            "turn": attempt.get("turn"), "extraction": attempt.get("extraction"),
            "code": _code_ref(response, attempt.get("code")),
            "reasoning": attempt.get("reasoning") or [], "instruction": attempt.get("instruction"),
            "public": _summary(attempt.get("public")), "private": _summary(attempt.get("private")),
            **{k: attempt.get(k) for k in ("prompt_tokens", "completion_tokens", "generation_s", "judge_s",
                                           "finish_reason")},
            **({"response_truncated": True} if attempt.get("response_truncated") else {}),
        })
    diffs = []
    for i, (before, after) in enumerate(zip(attempts_in, attempts_in[1:])):
        if before.get("code") is None or after.get("code") is None:
            continue
        diffs.append({"from": i, "to": i + 1, "similarity": similarity(before["code"], after["code"]),
                      "ops": diff_ops(before["code"], after["code"])})
    return {
        "sample": record.get("sample"), "seed": record.get("seed"), "finish": record.get("finish"),
        "final": record.get("final"), "outcome": outcome(record, where),
        "messages": _label_messages(record.get("messages") or [], attempts_in),
        "attempts": attempts, "diffs": diffs,
    }


def problem_header(problem: dict[str, Any], private_indices: set[int]) -> dict[str, Any]:
    """The problem as the trajectory view shows it: statement, public tests, and the private tests that some
    trajectory failed (only their excerpts: the full private sets are large and never shown to the model)."""
    private = problem.get("private_tests") or []
    return {
        **{k: problem.get(k) for k in ("id", "statement", "kind", "entry_point", "starter_code", "difficulty",
                                        "rating", "tags", "checker", "time_limit_s", "memory_limit_mb")},
        "public_tests": [describe_test(problem, t) for t in problem.get("public_tests") or []],
        "private_tests": {str(i): describe_test(problem, private[i]) for i in sorted(private_indices)
                          if 0 <= i < len(private)},
        "private_total": len(private),
    }
