"""The metrics, figure and report rules run under Snakemake on the default config's plan, with synthetic
judged trajectories standing in for the generate/execute stages (only the rules of this area may run)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mtcodegen.config import load_config
from mtcodegen.jsonl import write_jsonl
from mtcodegen.plan import build_plan

from mtcodegen.figures.registry import figures

# Every figure of the metrics tables has its rule (figures.smk); rft_loss needs a finetune (test_rft_loss.py).
FIGURE_RULES = tuple(n for n, f in figures().items() if set(f.reads) <= {"metrics", "reference"})


def _snakemake(project_root, workdir, *args):
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    allowed = ["metrics", "reference_table", *(f"figure_{n}" for n in FIGURE_RULES)]
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(project_root / "Snakefile"), "-d", str(workdir),
           "--configfile", str(project_root / "config.yaml"), "--cores", "1", *args, "--allowed-rules", *allowed]
    return subprocess.run(cmd, cwd=project_root, env=env, capture_output=True, text=True, timeout=600)


def _plan_changed(project_root, plan) -> bool:
    return build_plan(load_config(project_root / "config.yaml"), root=project_root).metrics.hash != plan.metrics.hash


@pytest.mark.slow
def test_rules_build_every_figure_and_the_report(project_root, tmp_path, synth):
    plan = build_plan(load_config(project_root / "config.yaml"), root=project_root)
    for i, cell in enumerate(plan.cells):
        synth.write_cell(tmp_path / plan.path(cell.execute, "trajectories.jsonl.gz"), cell.label, problems=4,
                         samples=2, seed=i)
        problems = plan.node("execute", cell.execute.hash).inputs["problems"]
        node = plan.nodes.get("problems", {}).get(problems) or plan.node("partition", problems)
        target = tmp_path / plan.path(node, "problems.jsonl.gz")
        if not target.exists():
            write_jsonl(target, [{"id": f"cc/{p}", "difficulty": "A"} for p in range(4)])
    targets = [f"figures/{n}.png" for n in FIGURE_RULES] + ["figures/turn_table.md"]
    result = _snakemake(project_root, tmp_path, *targets)
    if result.returncode != 0 and _plan_changed(project_root, plan):
        pytest.skip("the project's code changed while this test ran (hashes moved): rerun it")
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = tmp_path / plan.path(plan.metrics)
    assert {p.name for p in metrics.glob("*.csv")} >= {"pass_at_k.csv", "n_at_k.csv", "ledger.csv"}
    assert (metrics / "manifest.json").exists()
    (reference,) = (tmp_path / "results" / "reference").glob("*/reference.csv")  # content-addressed copy
    assert reference.read_text().startswith("metric,model,dataset,setting,value,citation")
    for name in FIGURE_RULES:
        assert (tmp_path / "figures" / f"{name}.pdf").stat().st_size > 0
    report = tmp_path / "report.html"
    result = _snakemake(project_root, tmp_path, "--report", str(report), *targets)
    if result.returncode != 0 and _plan_changed(project_root, plan):
        pytest.skip("the project's code changed while this test ran (hashes moved): rerun it")
    assert result.returncode == 0, result.stderr[-3000:]
    html = report.read_text(errors="replace")
    assert "pass_vs_turns.png" in html and "n_at_k.csv" in html
