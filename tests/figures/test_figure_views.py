"""Difficulty axes in the benchmark's order, the paper's missing views, the paper config's budgets, captions."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml
from matplotlib.container import BarContainer

TACO = ["EASY", "MEDIUM", "MEDIUM_HARD", "HARD", "VERY_HARD"]
LETTERS = ["A", "B", "C", "D", "E"]


def test_difficulty_labels_sort_by_the_benchmarks_scale():
    from mtcodegen.figures.groups import difficulty_order

    rng = random.Random(0)
    for expected in (TACO, LETTERS + ["unknown"], ["A1", "A2", "B", "C1"], ["800-1199", "1200-1599", "2000-2399"],
                     ["introductory", "interview", "competition"]):
        for _ in range(5):
            shuffled = expected[:]
            rng.shuffle(shuffled)
            assert difficulty_order(shuffled) == expected
    assert sorted(TACO) != TACO and sorted(["800-1199", "1200-1599"]) != ["800-1199", "1200-1599"]


def test_difficulty_figure_draws_each_dataset_in_its_own_order(kit, tmp_path, caught):
    """TACO and CodeContests with as many cells each (the old tie that gave CodeContests the whole axis)."""
    from mtcodegen.figures.cli import FIGURES

    cells = []
    for dataset in ("cc/test", "taco/test"):
        cells += [kit.label("m", dataset), kit.label("m", dataset, "r1", "none")]
    cells.append(kit.label("m", "cc/valid", "r1", "none"))
    # Levels listed in reverse, so that neither the row order nor the alphabet gives the expected axis.
    levels = {"cc/test": LETTERS[::-1] + ["unknown"], "taco/test": TACO[::-1], "cc/valid": LETTERS}
    value = (lambda c, m, level=None: 0.1 + 0.1 * kit.noise(c["name"], level))
    FIGURES["difficulty_cot"](kit.Tables(cells, value, levels=levels).write(tmp_path / "t"), tmp_path / "d")
    (fig,) = caught
    for dataset, expected in (("cc/test", LETTERS + ["unknown"]), ("taco/test", TACO)):
        ax = kit.panel(fig, f"m, {dataset}")
        assert [t.get_text() for t in ax.get_xticklabels()] == expected
        # The no-prompt bars, in that order, are the no-prompt cell's values of each level.
        bars = ax.patches[: len(expected)]
        plain = kit.label("m", dataset)
        assert [b.get_height() for b in bars] == pytest.approx([100 * value(plain, "pass@1", g) for g in expected])


def test_difficulty_before_and_after_rft(kit, tmp_path, caught):
    from mtcodegen.figures.cli import FIGURES

    cells = [kit.label("llama", "taco/test"), kit.label("rft_llama", "taco/test", finetuned=True),
             kit.label("other", "taco/test")]
    value = (lambda c, m, level=None: (0.5 if c["finetuned"] else 0.2) / (1 + TACO.index(level)) if level else 0.3)
    FIGURES["difficulty_rft"](kit.Tables(cells, value, levels={"taco/test": TACO[::-1]}).write(tmp_path / "t"),
                              tmp_path / "r")
    (fig,) = caught
    ax = kit.panel(fig, "llama, taco/test")
    assert [t.get_text() for t in ax.get_xticklabels()] == TACO
    heights = [b.get_height() for b in ax.patches]
    assert heights == pytest.approx([100 * 0.2 / (1 + i) for i in range(5)] + [100 * 0.5 / (1 + i) for i in range(5)])


def test_turns_sweep_draws_n_at_k_against_max_turns(kit, tmp_path, caught):
    from mtcodegen.figures.cli import FIGURES

    cells = [kit.label(turns=t) for t in range(1, 6)] + [kit.label("m", "cc/test", "r1", "none", turns=2),
                                                        kit.label(turns=3, feedback="binary")]
    value = (lambda c, m, e=None: 0.1 * c["turns"] + (0.3 if c["reasoning"] != "none" or c["feedback"] == "binary"
                                                      else 0) + kit.noise(m) / 100)
    FIGURES["turns_sweep"](kit.Tables(cells, value, samples=40).write(tmp_path / "t"), tmp_path / "s")
    (fig,) = caught
    ax = kit.panel(fig, "m, cc/test")
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert list(lines["1@3"].get_xdata()) == [1, 2, 3, 4, 5]
    assert list(lines["1@3"].get_ydata()) == pytest.approx([100 * value(kit.label(turns=t), "1@3") for t in range(1, 6)])
    # 10@100 needs 100 attempts: 40 samples reach it from 3 turns on.
    assert list(lines["10@100"].get_xdata()) == [3, 4, 5]


def test_feedback_types_side_by_side_from_coarse_to_fine(kit, tmp_path, caught):
    from mtcodegen.figures.cli import FIGURES

    order = ["binary", "failed_tests", "failed_and_passed_tests", "ldb_block"]
    cells = [kit.label(turns=3, feedback=f) for f in reversed(order)] + [kit.label()]
    value = (lambda c, m, e=None: 0.1 + 0.05 * order.index(c["feedback"]) if c["turns"] > 1 else 0.1)
    FIGURES["feedback_types"](kit.Tables(cells, value).write(tmp_path / "t"), tmp_path / "f")
    (fig,) = caught
    ax = kit.panel(fig, "1@3, no prompt")
    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert [c.get_label() for c in bars] == order
    assert [c.patches[0].get_height() for c in bars] == pytest.approx([100 * (0.1 + 0.05 * i) for i in range(4)])


def test_cot_retry_against_plain_multi_turn(kit, tmp_path, caught):
    from mtcodegen.figures.cli import FIGURES

    cells = [kit.label(), kit.label("m", "cc/test", "r1", "none"), kit.label("m", "cc/valid", "r1", "none"),
             kit.label(turns=3), kit.label(turns=3, cot_retry=True), kit.label("m", "cc/test", "r1", "none", turns=3),
             kit.label("m", "cc/test", "r1", "none", turns=3, cot_retry=True)]
    value = (lambda c, m, e=None: 0.2 + 0.1 * c["cot_retry"] + 0.05 * (c["reasoning"] != "none"))
    FIGURES["cot_retry_vs_multi"](kit.Tables(cells, value).write(tmp_path / "t"), tmp_path / "c")
    (fig,) = caught
    lines = {line.get_label(): line for line in kit.panel(fig, "m, cc/test").get_lines()}
    expected = {"multi-turn, no prompt": 0.2, "CoT-retry, no prompt": 0.3, "multi-turn CoT (chosen pair)": 0.25,
                "CoT-retry (chosen pair)": 0.35}
    for label, v in expected.items():
        assert list(lines[label].get_ydata()) == pytest.approx([100 * v, 100 * v])


def test_paper_config_has_10_at_100_and_a_max_turns_sweep(project_root):
    raw = yaml.safe_load((project_root / "configs" / "paper.yaml").read_text())
    assert [10, 100] in raw["metrics"]["n_at_k"]
    assert 100 <= raw["sampling"]["samples"]  # 10@100 fits even single-turn cells
    turns = set()
    for block in raw["grid"]:
        if ("llama3.1_70b" in block["models"] and "code_contests/test" in block["datasets"]
                and "none" in block["reasoning"] and "none" in block["instruction"] and not block.get("cot_retry")
                and "failed_tests" in block["feedback"]):
            turns |= set(block["turns"])
    assert turns == {1, 2, 3, 4, 5}


INTERVAL_FIGURES = ("pass_vs_turns", "turn_table", "instruction_types", "difficulty_cot", "difficulty_rft",
                    "n_at_k_curves", "turns_sweep", "feedback_types", "cot_retry_vs_multi")


def test_every_figure_has_a_caption_that_names_its_interval():
    from mtcodegen.figures.registry import figures

    assert {"turns_sweep", "feedback_types", "cot_retry_vs_multi", "difficulty_rft"} <= set(figures())
    for name, figure in figures().items():
        caption = figure.caption.read_text()
        assert figure.caption.name == f"{name}.rst" and figure.caption.parent == Path(figure.module.__file__).parent
        assert "95% bootstrap" not in caption  # the old, ambiguous wording
        # docs/metrics.md "The interval": problems are resampled, the samples within a problem are not
        assert "within a problem its samples" not in caption, name
        if name in INTERVAL_FIGURES:
            assert "problem-bootstrap" in caption, name
        if name in ("turn_table", "pass_vs_turns", "n_at_k_curves", "difficulty_cot", "feedback_types",
                    "cot_retry_vs_multi", "cot_gain"):
            assert "validation" in caption and "max" in caption, name
