"""A generator that solves nothing goes through the whole DAG: the RFT data is empty, the finetune records why
instead of training, the finetuned model's cells are valid and empty, and the run still ends with exit 0,
every figure and the report (issue: "a stage that legitimately has nothing to do does not sink the run")."""

from __future__ import annotations

import gzip
import json

import pytest

WRONG = "```python\ndef nothing_right(*args):\n    return None\n```"


def empty_rft_config(workflow_copy) -> dict:
    (workflow_copy.root / "script.json").write_text(json.dumps({"responses": [WRONG]}))
    # Materializing a local model checks that it holds weights; the scripted backend never reads them.
    (workflow_copy.root / "models" / "tiny" / "model.safetensors").write_bytes(b"never loaded")
    return {
        "datasets": {
            "mbpp": {"format": "sandboxfusion_mbpp", "files": {"test": "data/mbpp.jsonl"}, "splits": ["test"],
                     "limit": 6, "partition": {"from": "test", "parts": {"train": 3, "eval": 3}}},
        },
        # A "local" model that is never loaded: the scripted backend answers instead of a model.
        "models": {"tiny": {"source": {"local": "models/tiny"}, "backend": "scripted",
                            "engine": {"script": "script.json"}}},
        "sampling": {"samples": 1},
        "grid": [{"name": "base", "models": ["tiny"], "datasets": ["mbpp/eval"], "turns": [2]}],
        "execution": {"sandbox": "unsafe_local"},  # the scripted program above is ours: trusted
        "metrics": {"pass_at_k": [1], "n_at_k": [[1, 2]], "bootstrap_resamples": 50},
        "rft": {"enabled": True, "generator": {"model": "tiny", "dataset": "mbpp/train", "turns": 2}},
        "finetune": {"rft_tiny": {"base": "tiny", "max_steps": 1,
                                  "evaluate": {"datasets": ["mbpp/eval"], "turns": [2]}}},
    }


def read_gz_jsonl(path):
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


@pytest.mark.slow
def test_a_generator_that_solves_nothing_skips_the_finetune_and_the_run_ends_well(workflow_copy):
    config = workflow_copy.write_config("empty_rft.yaml", empty_rft_config(workflow_copy))
    workflow_copy.snakemake("--configfile", str(config), timeout=900)
    workflow_copy.snakemake("--configfile", str(config), "--report", "report.html", timeout=600)
    root = workflow_copy.root
    nodes = workflow_copy.plan(config)["nodes"]

    # The RFT data: valid and empty, with every generator trajectory accounted for as removed.
    (rft_hash,) = nodes["rft_data"].values()
    rft = root / "results" / "rft_data" / rft_hash
    assert (rft / "train.jsonl").read_text() == ""
    stats = json.loads((rft / "stats.json").read_text())
    assert stats["trajectories"] == 0 and stats["input_trajectories"] == 3

    # The finetune: no training, a model directory that says why, an empty loss curve.
    (ft_hash,) = nodes["finetune"].values()
    finetune = root / "results" / "finetune" / ft_hash
    skip = json.loads((finetune / "model" / "SKIPPED.json").read_text())
    assert skip["skipped"] is True and "RFT data is empty" in skip["reason"]
    # no weights (Snakemake's own marker of a directory output aside)
    assert sorted(p.name for p in (finetune / "model").iterdir() if not p.name.startswith(".")) == ["SKIPPED.json"]
    assert json.loads((finetune / "summary.json").read_text())["skipped"] is True
    assert len((finetune / "loss.csv").read_text().splitlines()) == 1  # the header only

    # The base model's cell ran (3 problems, 2 turns each, all wrong); the finetuned model's cell is empty.
    generated = {name: root / "results" / "generate" / h for name, h in nodes["generate"].items()}
    finetuned = [d for name, d in generated.items() if "rft_tiny" in name]
    base = [d for name, d in generated.items() if name.startswith("tiny.mbpp-eval")]
    assert len(finetuned) == 1 and len(base) == 1
    assert read_gz_jsonl(finetuned[0] / "trajectories.jsonl.gz") == []
    assert "RFT data is empty" in json.loads((finetuned[0] / "stats.json").read_text())["skipped"]["reason"]
    base_records = read_gz_jsonl(base[0] / "trajectories.jsonl.gz")
    assert len(base_records) == 3 and all(len(r["attempts"]) == 2 for r in base_records)

    # Every figure and the report exist; the loss figure and the report say why nothing was trained.
    assert (root / "figures" / "rft_loss.png").stat().st_size > 0
    figures = {p.stem for p in (root / "figures").glob("*.png")}
    assert {"pass_vs_turns", "n_at_k_curves"} <= figures
    report = (root / "report.html").read_text(encoding="utf-8", errors="replace")
    assert len(report) > 10_000
    (metrics_hash,) = nodes["metrics"].values()
    skipped = (root / "results" / "metrics" / metrics_hash / "skipped.csv").read_text().splitlines()
    assert len(skipped) == 2 and "rft_tiny" in skipped[1] and "RFT data is empty" in skipped[1]
    # The finetuned cell's trajectory browser page exists and carries the reason in its header data.
    pages = [p for p in (root / "results" / "browser").glob("*/data/index.js") if "rft_tiny" in p.read_text()]
    assert any("RFT data is empty" in p.read_text() for p in pages)
