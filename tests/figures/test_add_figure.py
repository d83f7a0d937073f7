"""A figure is added by files only (issue 15): in a copy of the project, one module and its caption dropped
into workflow/mtcodegen/figures/catalog/ are all it takes for `mtcodegen figure` to draw it, for the workflow
to have its rule (and `all` and `figures` to build it) and for the report to show it. Nothing is registered.

The copy is tests/workflow/workflow_copy.py's (shared with the feedback-type test). The new figure's expected
data are read here from the tables it draws from, not from the registry or the rules under test.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

NAME = "pass_at_1_per_cell"
MODULE = '''"""pass@1 of every cell, one bar each, and the same numbers as CSV (added by tests/figures/test_add_figure.py)."""

from __future__ import annotations

from pathlib import Path

from ..style import figure, read_table, save

CATEGORY = "9. Added by a test"
EXTRA_OUTPUTS = {"csv": True}


def draw(metrics_dir, out_prefix):
    table = read_table(metrics_dir, "pass_at_k")
    rows = table[table["metric"] == "pass@1"].sort_values("name")[["name", "value"]]
    out_prefix = Path(out_prefix)
    out_prefix.parent.mkdir(parents=True, exist_ok=True)
    rows.to_csv(out_prefix.with_name(out_prefix.name + ".csv"), index=False)
    fig, axes = figure()
    axes[0, 0].bar(range(len(rows)), 100 * rows["value"])
    axes[0, 0].set_title("added by files only")
    return save(fig, out_prefix)
'''
CAPTION = "pass@1 of every cell (a figure added by a test, to show that two files are all a figure needs).\n"


def _load_workflow_copy():
    path = Path(__file__).resolve().parents[1] / "workflow" / "workflow_copy.py"
    spec = importlib.util.spec_from_file_location("workflow_copy_for_figures", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def copy(tmp_path, shared_data):
    return _load_workflow_copy().make_copy(tmp_path, shared_data)


def add_figure(root: Path) -> None:
    catalog = root / "workflow" / "mtcodegen" / "figures" / "catalog"
    assert catalog.is_dir(), catalog
    (catalog / f"{NAME}.py").write_text(MODULE)
    (catalog / f"{NAME}.rst").write_text(CAPTION)


def _mtcodegen(copy, *args):
    return subprocess.run([sys.executable, "-m", "mtcodegen.cli", *args], cwd=copy.root, env=copy.env,
                          capture_output=True, text=True, timeout=300)


def test_the_dropped_module_is_a_figure_of_the_command_and_of_the_rules(copy, kit, tmp_path):
    assert NAME not in _mtcodegen(copy, "figure", "--help").stdout
    add_figure(copy.root)
    assert NAME in _mtcodegen(copy, "figure", "--help").stdout

    cells = [kit.label("m", "cc/test"), kit.label("m", "cc/test", "r1", "none"), kit.label("m2", "cc/test")]
    value = (lambda c, m, e=None: 0.1 + 0.5 * kit.noise(c["name"], m))
    tables = kit.Tables(cells, value).write(tmp_path / "tables")
    drawn = _mtcodegen(copy, "figure", NAME, "--metrics-dir", str(tables), "--out-prefix", str(tmp_path / "f" / NAME))
    assert drawn.returncode == 0, drawn.stderr
    for suffix in ("pdf", "png", "csv"):
        assert (tmp_path / "f" / f"{NAME}.{suffix}").stat().st_size > 0
    data = pd.read_csv(tmp_path / "f" / f"{NAME}.csv")
    expected = sorted((c["name"], value(c, "pass@1")) for c in cells)
    assert list(data["name"]) == [n for n, _ in expected]
    assert list(data["value"]) == pytest.approx([v for _, v in expected])

    # The default target and `figures` build it (its PDF, PNG and CSV), under a rule of its own.
    config = copy.write_config("tiny.yaml", _load_workflow_copy().TINY_CONFIG)
    for target in ([], ["figures"]):
        out = copy.snakemake("-n", "--forceall", "--configfile", str(config), targets=target).stdout
        assert f"figure_{NAME}" in out
        for suffix in ("pdf", "png", "csv"):
            assert f"figures/{NAME}.{suffix}" in out
    # The config's figures_dir is where every figure goes.
    elsewhere = copy.write_config("plots.yaml", {**_load_workflow_copy().TINY_CONFIG, "figures_dir": "plots"})
    out = copy.snakemake("-n", "--forceall", "--configfile", str(elsewhere), targets=["figures"]).stdout
    assert f"plots/{NAME}.csv" in out and "plots/pass_vs_turns.png" in out
    assert not re.search(r"(^|[\s,])figures/", out, flags=re.M)  # (logs stay under results/logs/figures/)


SORT_MATRIX = "```python\ndef sort_matrix(M):\n    return sorted(M, key=sum)\n```"


def scripted_config(copy) -> dict:
    # Solves MBPP 12 (sort_matrix) of the three first sample problems (11-13), fails the others: pass@1 1/3.
    (copy.root / "script.json").write_text(json.dumps({"responses": [SORT_MATRIX]}))
    (copy.root / "models" / "tiny" / "model.safetensors").write_bytes(b"never loaded")
    return {
        "datasets": {"mbpp": {"format": "sandboxfusion_mbpp", "files": {"test": "data/mbpp.jsonl"},
                              "splits": ["test"], "limit": 3}},
        "models": {"tiny": {"source": {"local": "models/tiny"}, "backend": "scripted",
                            "engine": {"script": "script.json"}}},
        "sampling": {"samples": 1},
        "grid": [{"name": "base", "models": ["tiny"], "datasets": ["mbpp/test"], "turns": [1, 2]}],
        "execution": {"sandbox": "unsafe_local"},  # the scripted program above is ours: trusted
        "metrics": {"pass_at_k": [1], "n_at_k": [[1, 2]], "bootstrap_resamples": 20},
    }


@pytest.mark.slow  # the data, generate (scripted), execute and metrics stages of 2 cells, then the figure
def test_the_workflow_builds_the_added_figure_and_the_report_shows_it(copy):
    add_figure(copy.root)
    config = copy.write_config("scripted.yaml", scripted_config(copy))
    targets = [f"figures/{NAME}.png", f"figures/{NAME}.csv"]
    copy.snakemake("--configfile", str(config), targets=targets, timeout=900)
    copy.snakemake("--configfile", str(config), "--report", "report.html", targets=targets, timeout=600)

    (metrics,) = (copy.root / "results" / "metrics").glob("*/pass_at_k.csv")
    table = pd.read_csv(metrics)
    expected = table[table["metric"] == "pass@1"].sort_values("name")
    assert list(expected["value"]) == pytest.approx([1 / 3, 1 / 3])  # the scripted program solves one of three
    data = pd.read_csv(copy.root / "figures" / f"{NAME}.csv")
    assert list(data["name"]) == list(expected["name"])
    assert list(data["value"]) == pytest.approx(list(expected["value"]))
    assert (copy.root / "figures" / f"{NAME}.png").stat().st_size > 1000

    report = (copy.root / "report.html").read_text(encoding="utf-8", errors="replace")
    assert f"{NAME}.png" in report and f"{NAME}.csv" in report
    assert "9. Added by a test" in report
