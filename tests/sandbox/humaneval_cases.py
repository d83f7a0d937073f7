"""HumanEval as judge requests: the data stage's normalized problems (call tests built from each `check`), the
reference solutions, and a wrong variant of each (the reference with its return value perturbed)."""

from __future__ import annotations

from mtcodegen.sandbox import JudgeRequest, Limits

PERTURB = '''
_mtc_reference = {entry}


def _mtc_perturb(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, list):
        return value + [0]
    if isinstance(value, tuple):
        return value + (0,)
    return 0 if value is None else None


def {entry}(*args, **kwargs):
    return _mtc_perturb(_mtc_reference(*args, **kwargs))
'''


def humaneval_problems() -> list[dict]:
    from mtcodegen.data.prepare import prepare

    problems, _ = prepare({"dataset": "humaneval", "split": "test", "format": "humaneval", "source": {"package": True}})
    return problems


def wrong_variant(problem: dict) -> str:
    return problem["reference_solution"] + PERTURB.format(entry=problem["entry_point"])


def requests(problems: list[dict], limits: Limits = Limits(time_s=3.0, memory_mb=512)) -> tuple[list, list]:
    """(reference requests, wrong-variant requests), one per problem, on its private tests."""
    def make(program, problem):
        return JudgeRequest(program=program, kind="call", entry_point=problem["entry_point"],
                            tests=problem["private_tests"], limits=limits, checker=problem["checker"])

    return ([make(p["reference_solution"], p) for p in problems], [make(wrong_variant(p), p) for p in problems])
