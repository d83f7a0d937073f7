"""The RFT views (issue #17 item 7): pass n@k of base / base + CoT / RFT, the non-code share and the similarity
of consecutive attempts before and after RFT, one stated (base model, test dataset) per panel, and a run whose
RFT model was skipped (no RFT data) drawn with the reason instead of breaking.

The trajectories here are written by hand, so that every drawn value is known from a formula in this file:
single-turn cells whose public verdict is their private one have n@k = pass@k = 1 - C(N - c, k) / C(N, k);
the non-code share is counted from the responses' characters; the similarity of two programs from their
tokens. The metrics stage computes the tables in between, as in the workflow.
"""

from __future__ import annotations

import json
from math import comb

import numpy as np
import pytest

from mtcodegen.cli import main
from mtcodegen.jsonl import write_jsonl
from mtcodegen.skipped import write_skip

N = 4  # samples per problem
CORRECT = {  # cell -> correct samples of each of its two problems
    "base": (1, 2), "cot": (2, 3), "rft": (3, 4),
}
PROSE = {"base": "Here is my careful solution, step by step:", "cot": "Reasoning first, then code:", "rft": "Code:"}
CODE = "def f(x):\n    return x + 1\n"


def verdict(ok: bool) -> dict:
    return {"verdict": "AC" if ok else "WA", "passed": 1 if ok else 0, "total": 1, "time_s": 0.01, "cached": False,
            "detail": "", "tests": [], "trace": None}


def attempt(turn: int, code: str, prose: str, ok: bool) -> dict:
    return {"turn": turn, "response": f"{prose}\n```python\n{code}```\n", "code": code, "extraction": "fenced",
            "reasoning": [], "instruction": None, "public": verdict(ok), "private": verdict(ok),
            "prompt_tokens": 10, "completion_tokens": 10, "generation_s": 0.1, "judge_s": 0.1}


def record(cell: str, problem: int, sample: int, attempts: list[dict]) -> dict:
    ok = attempts[-1]["public"]["verdict"] == "AC"
    return {"cell": "0" * 16, "cell_name": cell, "problem_id": f"cc/{problem}", "sample": sample, "seed": sample,
            "messages": [], "attempts": attempts, "finish": "public_pass" if ok else "max_turns",
            "final": {"public_pass": ok, "private_pass": ok}}


def label(name: str, model: str, dataset: str = "cc/test", reasoning: str = "none", turns: int = 1,
          finetuned: bool = False) -> dict:
    return {"name": name, "model": model, "dataset": dataset, "reasoning": reasoning, "instruction": "none",
            "feedback": "failed_tests", "turns": turns, "cot_retry": False, "finetuned": finetuned,
            "block": "rft:r" if finetuned else "b", "limit": None, "samples": None}


SINGLE = {"base": label("m.cc-test.r=none.i=none.fb=failed_tests.t=1", "m"),
          "cot": label("m.cc-test.r=r1.i=none.fb=failed_tests.t=1", "m", reasoning="r1"),
          "rft": label("rft_m.cc-test.r=none.i=none.fb=failed_tests.t=1", "rft_m", finetuned=True)}


def single_turn_cell(path, key: str):
    rows = [record(SINGLE[key]["name"], p, s, [attempt(1, CODE, PROSE[key], s < CORRECT[key][p])])
            for p in range(2) for s in range(N)]
    write_jsonl(path, rows)
    return path


def run_metrics(tmp_path, labels, paths, pairs=((1, 2), (2, 4))) -> str:
    config = {"pass_at_k": [1], "n_at_k": [list(p) for p in pairs], "bootstrap_resamples": 20, "seed": 0}
    out = tmp_path / "tables"
    assert main(["metrics", "--cells-json", json.dumps(labels), "--inputs", *map(str, paths),
                 "--config", json.dumps(config), "--out-dir", str(out)]) == 0
    return out


def pass_at_k_by_hand(correct: tuple[int, ...], k: int) -> float:
    return float(np.mean([1 - comb(N - c, k) / comb(N, k) for c in correct]))


def non_code_by_hand(prose: str) -> float:
    response = f"{prose}\n```python\n{CODE}```\n"
    return len("".join(prose.split())) / len("".join(response.split()))


@pytest.fixture
def single_turn_tables(tmp_path):
    paths = [single_turn_cell(tmp_path / f"{key}.jsonl.gz", key) for key in SINGLE]
    return run_metrics(tmp_path, list(SINGLE.values()), paths)


def test_n_at_k_curves_are_base_cot_and_rft_of_one_stated_model_and_dataset(single_turn_tables, tmp_path, caught,
                                                                               kit):
    assert main(["figure", "n_at_k_curves", "--metrics-dir", str(single_turn_tables),
                 "--out-prefix", str(tmp_path / "n")]) == 0
    (fig,) = caught
    ax = kit.panel(fig, "m, cc/test")  # the base model and the dataset, stated
    assert "single turn" in ax.get_title() and "RFT: rft_m" in ax.get_title()
    lines = {line.get_label(): line for line in ax.get_lines()}
    for curve, key in (("base", "base"), ("base + CoT (chosen pair)", "cot"), ("RFT", "rft")):
        assert list(lines[curve].get_xdata()) == [2, 4]
        expected = [100 * pass_at_k_by_hand(CORRECT[key], k) for k in (2, 4)]
        assert list(lines[curve].get_ydata()) == pytest.approx(expected, abs=1e-9), curve
    # 2@4 submits two of all four samples: a problem with any correct sample is solved.
    assert list(lines["base"].get_ydata())[1] == pytest.approx(100.0)
    assert list(lines["base"].get_ydata())[0] == pytest.approx(100 * ((1 - 3 / 6) + (1 - 1 / 6)) / 2)


def test_non_code_share_before_and_after_rft(single_turn_tables, tmp_path, caught, kit):
    assert main(["figure", "non_code_rft", "--metrics-dir", str(single_turn_tables),
                 "--out-prefix", str(tmp_path / "c")]) == 0
    (fig,) = caught
    ax = kit.panel(fig, "m, cc/test")
    bars = {c.get_label(): [p.get_height() for p in c.patches] for c in ax.containers if hasattr(c, "patches")}
    assert bars["base"] == pytest.approx([100 * non_code_by_hand(PROSE["base"])])
    assert bars["RFT"] == pytest.approx([100 * non_code_by_hand(PROSE["rft"])])
    assert bars["base"][0] > bars["RFT"][0]  # the test's responses: the RFT model writes less prose
    assert [t.get_text() for t in ax.get_xticklabels()] == ["single turn"]


def two_turn_cell(path, name: str, second_code: str, correct_at_two: int):
    rows = []
    for p in range(2):
        for s in range(2):
            ok = s < correct_at_two
            rows.append(record(name, p, s, [attempt(1, CODE, "x", False), attempt(2, second_code, "y", ok)]))
    write_jsonl(path, rows)
    return path


def test_similarity_before_and_after_rft_at_the_rft_models_turns(tmp_path, caught, kit):
    base = label("m.cc-test.r=none.i=none.fb=failed_tests.t=2", "m", turns=2)
    tuned = label("rft_m.cc-test.r=none.i=none.fb=failed_tests.t=2", "rft_m", turns=2, finetuned=True)
    # The base model resubmits its code (similarity 1); the RFT model appends "+ 1": its 12 tokens
    # (def f ( x ) : return x + 1 + 1) hold the 10 of the first program in order, ratio 2 * 10 / 22.
    edited = CODE.replace("x + 1", "x + 1 + 1")
    paths = [two_turn_cell(tmp_path / "b.jsonl.gz", base["name"], CODE, 1),
             two_turn_cell(tmp_path / "r.jsonl.gz", tuned["name"], edited, 2)]
    tables = run_metrics(tmp_path, [base, tuned], paths, pairs=((1, 2),))
    assert main(["figure", "similarity_rft", "--metrics-dir", str(tables), "--out-prefix", str(tmp_path / "s")]) == 0
    (fig,) = caught
    ax = kit.panel(fig, "m, cc/test")
    assert "2 turns, fb=failed_tests" in ax.get_title()
    steps = {p.get_label(): p.get_data() for p in ax.patches}
    bins = np.linspace(0, 1, 21)
    for label_, value in (("base (n=4)", 1.0), ("RFT (n=4)", 2 * 10 / 22)):
        values, edges = steps[label_].values, steps[label_].edges
        assert list(edges) == pytest.approx(list(bins))
        expected = np.zeros(20)
        expected[min(int(value * 20), 19)] = 20.0  # all four pairs in one bin of width 0.05: density 1 / 0.05
        assert list(values) == pytest.approx(list(expected)), label_


@pytest.fixture
def skipped_tables(tmp_path):
    """The base model's cells scored, the RFT model's cell skipped: its trajectories file is empty and a skip
    record lies beside it, as the execute stage leaves them when the finetune trained nothing."""
    paths = [single_turn_cell(tmp_path / f"{key}.jsonl.gz", key) for key in ("base", "cot")]
    (tmp_path / "rft").mkdir()
    write_jsonl(tmp_path / "rft" / "trajectories.jsonl.gz", [])
    write_skip(tmp_path / "rft", stage="finetune", reason="the RFT data is empty: no trajectory passed every test")
    two = label("m.cc-test.r=none.i=none.fb=failed_tests.t=2", "m", turns=2)
    paths.append(two_turn_cell(tmp_path / "two.jsonl.gz", two["name"], CODE, 1))
    paths.append(tmp_path / "rft" / "trajectories.jsonl.gz")
    return run_metrics(tmp_path, [SINGLE["base"], SINGLE["cot"], two, SINGLE["rft"]], paths)


@pytest.mark.parametrize("name", ["n_at_k_curves", "non_code_rft", "similarity_rft"])
def test_a_skipped_rft_model_is_said_with_its_reason(name, skipped_tables, tmp_path, caught, kit):
    skipped = (skipped_tables / "skipped.csv").read_text()
    assert "rft_m.cc-test" in skipped  # the metrics stage left the cell out and said so
    assert main(["figure", name, "--metrics-dir", str(skipped_tables), "--out-prefix", str(tmp_path / name)]) == 0
    (fig,) = caught
    ax = kit.panel(fig, "m, cc/test")  # the base model's side is still drawn, stated
    title = ax.get_title().replace("\n", " ")
    assert "RFT model rft_m skipped: the RFT data is empty" in title
    labels = [h.get_label() for h in ax.get_lines() + list(ax.patches) + ax.containers]
    assert not any(str(x).startswith("RFT") for x in labels)


def test_panels_never_pool_models_or_datasets_and_follow_the_rft_models_setting(kit, tmp_path, caught):
    """Two base models, each with its RFT model, on two datasets. The RFT models ran 3 turns (and single turn);
    the base models ran 2 turns as often as 3 (two feedback types), so their own main setting would be 2 turns.
    One panel per (base, dataset), each at the RFT model's 3 turns, with that pair's cells only."""
    cells = []
    for model in ("a", "b"):
        for dataset in ("cc/test", "taco/test"):
            cells += [kit.label(model, dataset), kit.label(model, dataset, turns=2),
                      kit.label(model, dataset, feedback="binary", turns=2), kit.label(model, dataset, turns=3),
                      kit.label(model, dataset, "r1", "none"), kit.label(model, dataset, "r1", "none", turns=3)]
            cells += [kit.label(f"rft_{model}", dataset, turns=t, finetuned=True) for t in (1, 3)]
    value = (lambda c, m, e=None: 0.05 + 0.9 * kit.noise(c["name"], m))
    tables = kit.Tables(cells, value).write(tmp_path / "t")
    assert main(["figure", "n_at_k_curves", "--metrics-dir", str(tables), "--out-prefix", str(tmp_path / "n")]) == 0
    (fig,) = caught
    titles = sorted(ax.get_title().split("\n")[0] for ax in fig.axes if ax.get_title())
    assert titles == ["a, cc/test", "a, taco/test", "b, cc/test", "b, taco/test"]
    for model in ("a", "b"):
        for dataset in ("cc/test", "taco/test"):
            ax = kit.panel(fig, f"{model}, {dataset}")
            assert f"3 turns, fb=failed_tests; RFT: rft_{model}" in ax.get_title()
            lines = {line.get_label(): line for line in ax.get_lines()}
            for curve, cell in (("base", kit.label(model, dataset, turns=3)),
                                ("base + CoT (chosen pair)", kit.label(model, dataset, "r1", "none", turns=3)),
                                ("RFT", kit.label(f"rft_{model}", dataset, turns=3, finetuned=True))):
                assert list(lines[curve].get_ydata()) == pytest.approx([100 * value(cell, "1@3"),
                                                                         100 * value(cell, "10@30")])
