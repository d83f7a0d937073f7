"""Every HumanEval reference solution is AC on its private tests, and a wrong variant of each is not."""

from __future__ import annotations

import pytest

from .humaneval_cases import humaneval_problems, requests

pytestmark = [pytest.mark.nsjail, pytest.mark.slow]


@pytest.fixture(scope="module")
def problems():
    return humaneval_problems()


def test_all_references_ac_and_all_variants_not(judge, problems):
    assert len(problems) == 164
    references, variants = requests(problems)
    verdicts = judge.run(references + variants)
    ref_verdicts, variant_verdicts = verdicts[:164], verdicts[164:]
    not_ac = {p["id"]: (v["verdict"], v["detail"]) for p, v in zip(problems, ref_verdicts) if v["verdict"] != "AC"}
    assert not_ac == {}
    passing_variants = [p["id"] for p, v in zip(problems, variant_verdicts) if v["verdict"] == "AC"]
    assert passing_variants == []
    assert {v["verdict"] for v in variant_verdicts} <= {"WA", "RE"}
