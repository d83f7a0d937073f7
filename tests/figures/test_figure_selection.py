"""Prompt pairs are chosen on the validation split and reported on test; each setting is one stated cell.

Every expectation is computed here from the hand-made tables (a plain loop over the rows), never by calling the
selection code.
"""

from __future__ import annotations

import itertools
import pandas as pd
import pytest

from mtcodegen.cli import main
from mtcodegen.figures.groups import setting

REASONING = ("none", "r1", "r2", "r3")
INSTRUCTION = ("none", "i1", "i2")
PAIRS = list(itertools.product(REASONING, INSTRUCTION))


def _grid(kit, model="m", valid=True):
    cells = []
    for r, i in PAIRS:
        if valid:
            cells.append(kit.label(model, "cc/valid", r, i))
        cells.append(kit.label(model, "cc/test", r, i))
        cells.append(kit.label(model, "cc/test", r, i, turns=3))
        cells.append(kit.label(model, "cc/test", r, i, turns=3, cot_retry=True))
    return cells


def _value(kit, rigged=("r3", "i2")):
    """Independent noise per cell and metric; the rigged pair is the best on test but poor on validation, so
    that a maximum over test and a choice on validation disagree."""
    def value(cell, metric, extra=None):
        v = 0.2 + 0.3 * kit.noise(cell["name"], metric, extra)
        if (cell["reasoning"], cell["instruction"]) == rigged:
            v = 0.05 if cell["dataset"].endswith("valid") else 0.9
        return v
    return value


def _validation_best(cells, value, metric="pass@1"):
    scores = {(c["reasoning"], c["instruction"]): value(c, metric) for c in cells
              if c["dataset"] == "cc/valid" and c["turns"] == 1 and (c["reasoning"], c["instruction"]) != ("none", "none")}
    top = max(scores.values())
    assert list(scores.values()).count(top) == 1  # noise: no tie to break here
    return next(pair for pair, score in scores.items() if score == top)


def _turn_table(tables_dir, out):
    assert main(["figure", "turn_table", "--metrics-dir", str(tables_dir), "--out-prefix", str(out / "tt")]) == 0
    return pd.read_csv(out / "tt.csv")


def test_multi_turn_cot_reports_the_pair_chosen_on_validation(kit, tmp_path):
    cells, value = _grid(kit), _value(kit)
    tables = kit.Tables(cells, value).write(tmp_path / "t")
    r, i = _validation_best(cells, value)
    assert (r, i) != ("r3", "i2")  # the test maximum is a different pair
    table = _turn_table(tables, tmp_path)
    for sett, retry in (("multi-turn CoT", False), ("CoT-retry", True)):
        row = table[(table["setting"] == sett) & (table["metric"] == "1@3")]
        expected = kit.label("m", "cc/test", r, i, turns=3, cot_retry=retry)
        assert row["name"].item() == expected["name"]
        assert row["value"].item() == pytest.approx(value(expected, "1@3"))
        assert "chosen on cc/valid" in row["prompt_choice"].item()
    plain = table[(table["setting"] == "multi-turn") & (table["metric"] == "10@100")]
    assert plain["name"].item() == kit.label("m", "cc/test", turns=3)["name"]


def test_without_validation_cells_the_choice_says_max_on_test(kit, tmp_path):
    cells, value = _grid(kit, valid=False), _value(kit)
    table = _turn_table(kit.Tables(cells, value).write(tmp_path / "t"), tmp_path)
    row = table[(table["setting"] == "multi-turn CoT") & (table["metric"] == "1@3")]
    assert "max on test" in row["prompt_choice"].item()
    assert row["name"].item() == kit.label("m", "cc/test", "r3", "i2", turns=3)["name"]


def test_cot_gain_bars_are_the_validation_pair_minus_no_prompt(kit, tmp_path, caught):
    from mtcodegen.figures.cli import FIGURES

    cells, value = _grid(kit), _value(kit)
    FIGURES["cot_gain"](kit.Tables(cells, value).write(tmp_path / "t"), tmp_path / "g")
    (fig,) = caught
    heights = [p.get_height() for p in fig.axes[0].patches]
    expected = []
    for k in (1, 10):
        r, i = _validation_best(cells, value, f"pass@{k}")
        expected.append(100 * (value(kit.label("m", "cc/test", r, i), f"pass@{k}")
                               - value(kit.label("m", "cc/test"), f"pass@{k}")))
    assert heights == pytest.approx(expected)


def test_a_tie_on_validation_goes_to_the_first_pair_by_name_whatever_the_row_order(kit):
    from mtcodegen.figures.selection import choose

    cells = [kit.label("m", "cc/valid", r, i) for r, i in PAIRS]
    tied = {("r2", "i1"), ("r1", "i2"), ("r3", "none")}
    rows = kit.Tables(cells, lambda c, m, e=None: 0.5 if (c["reasoning"], c["instruction"]) in tied else 0.1)
    frame = pd.DataFrame(rows.rows["pass_at_k"])
    for seed in range(5):
        shuffled = frame.sample(frac=1, random_state=seed)
        choice = choose(shuffled, "m", "cc/test")
        assert (choice.reasoning, choice.instruction) == sorted(tied)[0] == ("r1", "i2")
        assert choice.chosen_on == "cc/valid"


def test_cot_retry_without_prompts_is_not_multi_turn_cot(kit, tmp_path):
    frame = pd.DataFrame([kit.label(turns=3, cot_retry=True), kit.label("m", "cc/test", "r1", "none", turns=3),
                          kit.label(turns=3), kit.label("m", "cc/test", "r1", "i1", turns=3, cot_retry=True)])
    assert setting(frame).tolist() == ["CoT-retry, no prompt", "multi-turn CoT", "multi-turn", "CoT-retry"]
    # In the turn table, a no-prompt retry cell far better than everything else must not be "multi-turn CoT".
    cells = [kit.label("m", "cc/valid", "r1", "none"), kit.label("m", "cc/test", "r1", "none"), kit.label(),
             kit.label(turns=3), kit.label("m", "cc/test", "r1", "none", turns=3), kit.label(turns=3, cot_retry=True)]
    value = (lambda c, m, e=None: 0.99 if c["cot_retry"] else 0.3 + 0.1 * (c["reasoning"] != "none"))
    table = _turn_table(kit.Tables(cells, value).write(tmp_path / "t"), tmp_path)
    cot = table[(table["setting"] == "multi-turn CoT") & (table["metric"] == "1@3")]
    assert cot["name"].item() == kit.label("m", "cc/test", "r1", "none", turns=3)["name"]
    assert cot["value"].item() == pytest.approx(0.4)
    assert "CoT-retry" not in set(table["setting"])  # no retry cell with prompts in this run


def test_n_at_k_curves_draw_one_stated_model_and_dataset_per_panel(kit, tmp_path, caught):
    from mtcodegen.figures.cli import FIGURES

    cells = []
    for model, dataset in itertools.product(("m1", "m2"), ("cc/test", "taco/test")):
        cells += [kit.label(model, dataset, turns=3), kit.label(model, dataset, "r1", "none", turns=3),
                  kit.label(model, dataset, "r1", "none"), kit.label(model, dataset)]
    cells += [kit.label("m1", "cc/valid", "r1", "none")]
    cells += [kit.label("rft_m1", d, turns=3, finetuned=True) for d in ("cc/test", "taco/test")]
    # m2 on TACO beats everything: a pooled "best cell per budget" would draw its values in every panel.
    value = lambda c, m, e=None: 0.95 if (c["model"], c["dataset"]) == ("m2", "taco/test") else \
        0.1 + 0.5 * kit.noise(c["name"], m)
    FIGURES["n_at_k_curves"](kit.Tables(cells, value).write(tmp_path / "t"), tmp_path / "n")
    (fig,) = caught
    for dataset in ("cc/test", "taco/test"):
        ax = kit.panel(fig, f"m1, {dataset}")
        lines = {line.get_label(): line for line in ax.get_lines()}
        for label, cell in (("base", kit.label("m1", dataset, turns=3)),
                            ("base + CoT (chosen pair)", kit.label("m1", dataset, "r1", "none", turns=3)),
                            ("RFT", kit.label("rft_m1", dataset, turns=3, finetuned=True))):
            # The line joins the budgets with k = 3n (1@3, 10@30); 10@100 is a separate marker.
            assert list(lines[label].get_xdata()) == [3, 30]
            assert list(lines[label].get_ydata()) == pytest.approx([100 * value(cell, "1@3"), 100 * value(cell, "10@30")])
    assert not [ax for ax in fig.axes if ax.get_title().startswith("m2")]  # no RFT of m2: not an n@k panel


def test_turn_table_has_the_rft_model_rows_at_10_at_100(kit, tmp_path):
    """The RFT headline: the RFT model's no-prompt cells, single and multi-turn, at 10@100."""
    cells = [kit.label(), kit.label(turns=3), kit.label("rft_m", finetuned=True),
             kit.label("rft_m", turns=3, finetuned=True), kit.label("rft_m", "cc/test", "r1", "none", turns=3,
                                                                     finetuned=True)]
    value = (lambda c, m, e=None: 0.2 + 0.1 * c["finetuned"] + 0.05 * (c["turns"] > 1) + 0.3 * (c["reasoning"] != "none"))
    table = _turn_table(kit.Tables(cells, value, samples=200).write(tmp_path / "t"), tmp_path)
    rft = table[(table["model_label"] == "rft_m (RFT)") & (table["metric"] == "10@100")]
    assert dict(zip(rft["setting"], rft["value"])) == pytest.approx({"single-turn": 0.3, "multi-turn": 0.35})
    assert set(rft["name"]) == {kit.label("rft_m", finetuned=True)["name"],
                                kit.label("rft_m", turns=3, finetuned=True)["name"]}
    markdown = (tmp_path / "tt.md").read_text()
    assert "| rft_m (RFT) | cc/test | multi-turn | 35.0 [" in markdown
