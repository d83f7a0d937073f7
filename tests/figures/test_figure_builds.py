"""Every figure of the metrics tables builds from the synthetic tables, and from a minimal run where most
comparisons are absent (the figures come from the registry: a new one is tested here without being named)."""

from __future__ import annotations

import json

import matplotlib.image
import pandas as pd
import pytest

from mtcodegen.cli import main
from mtcodegen.figures.registry import figures
from mtcodegen.figures.style import COLUMN_WIDTH, PAGE_WIDTH, RC


# rft_loss reads the finetunes' loss curves, not the metrics tables (test_rft_loss.py).
TABLE_FIGURES = sorted(n for n, f in figures().items() if set(f.reads) <= {"metrics", "reference"})


def test_every_figure_but_the_loss_curves_reads_the_metrics_tables():
    assert set(figures()) - set(TABLE_FIGURES) == {"rft_loss"}
    assert len(TABLE_FIGURES) >= 15


def _draw(name, metrics_dir, out, extra=()):
    assert main(["figure", name, "--metrics-dir", str(metrics_dir), "--out-prefix", str(out / name), *extra]) == 0
    for ext in ("pdf", "png"):
        assert (out / f"{name}.{ext}").stat().st_size > 1000


@pytest.mark.parametrize("name", TABLE_FIGURES)
def test_figure_builds_at_column_or_page_width(name, metrics_dir, tmp_path):
    _draw(name, metrics_dir, tmp_path)
    height_px, width_px = matplotlib.image.imread(tmp_path / f"{name}.png").shape[:2]
    widths = [w * RC["savefig.dpi"] for w in (COLUMN_WIDTH, PAGE_WIDTH)]
    assert min(abs(width_px - w) for w in widths) <= 2, width_px
    assert height_px <= 4000


@pytest.fixture(scope="module")
def minimal_metrics(tmp_path_factory, synth):
    """One single-turn cell: no turns, no CoT, no RFT, no instruction comparison, no n@k budget."""
    root = tmp_path_factory.mktemp("minimal")
    lab = synth.label("only.r=none.i=none.t=1")
    path = synth.write_cell(root / "c.jsonl.gz", lab, problems=3, samples=2)
    config = json.dumps({"pass_at_k": [1], "n_at_k": [[1, 3]], "bootstrap_resamples": 20, "seed": 0})
    assert main(["metrics", "--cells-json", json.dumps([lab]), "--inputs", str(path), "--config", config,
                 "--out-dir", str(root / "tables")]) == 0
    return root / "tables"


@pytest.mark.parametrize("name", TABLE_FIGURES)
def test_figure_builds_with_a_not_in_this_run_panel(name, minimal_metrics, tmp_path):
    _draw(name, minimal_metrics, tmp_path)


def test_turn_table_writes_csv_and_markdown(metrics_dir, tmp_path):
    _draw("turn_table", metrics_dir, tmp_path)
    table = pd.read_csv(tmp_path / "turn_table.csv")
    assert set(table["setting"]) == {"single-turn", "multi-turn", "multi-turn CoT", "CoT-retry"}
    markdown = (tmp_path / "turn_table.md").read_text()
    assert "| multi-turn CoT |" in markdown and "not in this run" in markdown  # 10@100 exceeds the budget
    best = pd.read_csv(metrics_dir / "n_at_k.csv").query("metric == '1@3' and turns == 1 and finetuned == False")
    best = best[(best["reasoning"] == "none") & (best["instruction"] == "none")]["value"].max()
    row = table[(table["setting"] == "single-turn") & (table["model_label"] == "m")]
    assert row["value"].item() == pytest.approx(best)


def test_reference_rows_are_plotted_and_must_cite(metrics_dir, tmp_path, capsys):
    ref = tmp_path / "ref.csv"
    ref.write_text("metric,model,dataset,setting,value,citation\npass@1,m,cc,single-turn,30.0,Table X (test)\n")
    _draw("reproduced_vs_reported", metrics_dir, tmp_path, ["--reference", str(ref)])
    ref.write_text("metric,model,dataset,setting,value,citation\npass@1,m,cc,single-turn,30.0,\n")
    assert main(["figure", "reproduced_vs_reported", "--metrics-dir", str(metrics_dir), "--out-prefix",
                 str(tmp_path / "r"), "--reference", str(ref)]) == 2
    assert "needs a citation" in capsys.readouterr().err


def test_missing_tables_are_named(tmp_path, capsys):
    assert main(["figure", "cot_gain", "--metrics-dir", str(tmp_path), "--out-prefix", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "metrics table not found" in err and "pass_at_k.csv" in err


def test_reference_table_command_checks_and_strips_comments(tmp_path, capsys):
    ref = tmp_path / "ref.csv"
    ref.write_text("# a comment\nmetric,model,dataset,setting,value,citation\npass@1,m,cc,single-turn,30.0,Table 1\n")
    assert main(["reference-table", "--reference", str(ref), "--out", str(tmp_path / "o" / "r.csv")]) == 0
    assert (tmp_path / "o" / "r.csv").read_text().splitlines() == [
        "metric,model,dataset,setting,value,citation", "pass@1,m,cc,single-turn,30.0,Table 1"]
    ref.write_text("metric,value\npass@1,30\n")
    assert main(["reference-table", "--reference", str(ref), "--out", str(tmp_path / "r.csv")]) == 2
    assert "lacks column(s) model, dataset, setting, citation" in capsys.readouterr().err


def test_shipped_reference_table_is_valid(project_root, tmp_path):
    assert main(["reference-table", "--reference", str(project_root / "workflow/report/reference.csv"),
                 "--out", str(tmp_path / "r.csv")]) == 0
