"""A backend is added by one file (issue 15): in a copy of the project, a module in generate/backends/ that
declares BACKEND is all it takes for a config to name it, for its options to be checked, and for Snakemake to
run a cell with it through the generate stage. Nothing is registered anywhere else."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import textwrap

ECHO = textwrap.dedent('''
    """A test backend: every answer is the program of engine.answer."""
    from .registry import BackendInfo
    from .scripted import ScriptedBackend


    def _load(model_dir, options):
        program = options.get("answer", "print(0)")
        return ScriptedBackend(lambda conversation, params: f"```python\\n{program}\\n```")


    BACKEND = BackendInfo("echo", "answers engine.answer", {"answer": "the program every answer holds"}, _load,
                          needs_model_dir=False)
''')


def echo_config(engine: dict) -> dict:
    return {
        "datasets": {"cc": {"format": "sandboxfusion_code_contests", "files": {"test": "data/cc.jsonl"},
                            "splits": ["test"], "limit": 1}},
        "models": {"tiny": {"source": {"local": "models/tiny"}, "backend": "echo", "engine": engine}},
        "sampling": {"samples": 1},
        "grid": [{"name": "echo", "models": ["tiny"], "datasets": ["cc/test"], "turns": [2]}],
        "execution": {"sandbox": "unsafe_local"},  # the program is ours: trusted
        "metrics": {"pass_at_k": [1], "n_at_k": [[1, 2]], "bootstrap_resamples": 10},
    }


def check(workflow_copy, config_path):
    """The copy's own config check, in a fresh interpreter (the copy's package, with its new module)."""
    code = ("from mtcodegen.config import load_config, ConfigError\nimport sys\n"
            f"try:\n    load_config({str(config_path)!r}, root={str(workflow_copy.root)!r})\n"
            "except ConfigError as err:\n    print(err)\n    sys.exit(1)\n")
    return subprocess.run([sys.executable, "-c", code], cwd=workflow_copy.root, env=workflow_copy.env,
                          capture_output=True, text=True, timeout=120)


def test_a_backend_module_dropped_into_the_package_is_usable_by_a_config_and_runs_a_cell(workflow_copy):
    root = workflow_copy.root
    config = workflow_copy.write_config("echo.yaml", echo_config({"answer": "print(0)"}))
    before = check(workflow_copy, config)
    assert before.returncode == 1
    assert ("config key 'models.tiny.backend': unknown generation backend 'echo'; expected one of openai, scripted, "
            "transformers, vllm") in before.stdout

    (root / "workflow" / "mtcodegen" / "generate" / "backends" / "echo_backend.py").write_text(ECHO)
    assert check(workflow_copy, config).returncode == 0
    bad = workflow_copy.write_config("bad.yaml", echo_config({"answr": "print(0)"}))
    refused = check(workflow_copy, bad)
    assert "config key 'models.tiny.engine': engine option(s) answr are not known to the echo backend; known: answer" \
        in refused.stdout
    # Materializing a local model checks that it holds weights; the echo backend never reads them.
    (root / "models" / "tiny" / "model.safetensors").write_bytes(b"never loaded")
    (cell_hash,) = workflow_copy.plan(config)["nodes"]["generate"].values()
    target = f"results/generate/{cell_hash}/trajectories.jsonl.gz"
    workflow_copy.snakemake("--configfile", str(config), targets=[target])
    with gzip.open(root / target, "rt", encoding="utf-8") as handle:
        (record,) = [json.loads(line) for line in handle]
    assert [a["code"].strip() for a in record["attempts"]] == ["print(0)", "print(0)"]
