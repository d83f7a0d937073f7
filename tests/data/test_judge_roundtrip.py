"""The prepared data as the judge sees it: every reference solution is accepted by the sandbox judge.

This checks the data contract across stages (typed_json values, tolerances, entry points) with the real
judge (mtcodegen.sandbox, nsjail); it is skipped, saying why, where nsjail cannot run.
"""

from __future__ import annotations

import pytest

from .conftest import prepared

sandbox = pytest.importorskip("mtcodegen.sandbox")


def judge_references(problems, sandbox_unavailable):
    requests = [
        sandbox.JudgeRequest(
            program=p["reference_solution"], kind=p["kind"], entry_point=p["entry_point"],
            tests=p["public_tests"] + p["private_tests"],
            limits=sandbox.Limits(time_s=10.0, memory_mb=2048, output_kb=1024, processes=16),
            checker=p["checker"], stop_on_first_failure=True,
        )
        for p in problems
    ]
    try:
        with sandbox.Judge(mode="nsjail", workers=2) as judge:
            verdicts = judge.run(requests)
    except sandbox.SandboxUnavailable as why:
        sandbox_unavailable(why)
    return {p["id"]: (v["verdict"], v["detail"]) for p, v in zip(problems, verdicts) if v["verdict"] != "AC"}


@pytest.mark.nsjail
def test_humaneval_references_are_accepted_by_the_judge(humaneval, sandbox_unavailable):
    assert judge_references(humaneval[0], sandbox_unavailable) == {}


@pytest.mark.nsjail
def test_fixture_and_sample_references_are_accepted_by_the_judge(fixtures, shared_data, sandbox_unavailable):
    problems = []
    for fmt, path in [("mbpp", fixtures / "mbpp.jsonl"), ("taco", fixtures / "taco.jsonl"),
                      ("code_contests", fixtures / "code_contests.jsonl"),
                      ("humaneval_plus", fixtures / "humaneval_plus.jsonl"),
                      ("sandboxfusion_mbpp", shared_data / "mbpp_sample20.jsonl")]:
        found, _ = prepared(fmt, {"files": {"test": str(path)}}, dataset=fmt)
        problems += [p for p in found if p["reference_solution"] and p["checker"] != "unjudgeable"]
    assert len(problems) >= 29
    assert judge_references(problems, sandbox_unavailable) == {}
