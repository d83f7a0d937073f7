"""`kill -9` of the whole Snakemake run mid-generate, then a rerun (issue 14 item 3).

On a private workflow copy with the scripted backend (no model) and unsafe_local judging (our own trusted
programs): a complete run, a forced regeneration killed with SIGKILL while its shards are being written (the
older execute result of the cell is still there), then the rerun a user would type. Snakemake first refuses on
its stale lock (docs/provenance.md says to run `--unlock`), then must finish the interrupted generation and
judge it again, rather than answer "Nothing to be done" from the older execute result.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(600)

CONFIG = {
    "datasets": {"mbpp": {"format": "sandboxfusion_mbpp", "files": {"test": "data/mbpp.jsonl"}, "splits": ["test"],
                          "limit": 2}},
    "models": {"tiny": {"source": {"local": "models/tiny"}, "backend": "scripted", "engine": {"script": "script.json"}}},
    "sampling": {"samples": 1, "max_tokens": 32},
    "grid": [{"name": "g", "models": ["tiny"], "datasets": ["mbpp/test"], "turns": [1]}],
    "execution": {"sandbox": "unsafe_local"},
    "metrics": {},
}
ANSWER = "```python\ndef nothing():\n    return None\n```"


def _session_pids(sid: int) -> list[int]:
    """Every process of the session Snakemake leads: its jobs included, as `kill -9` of a whole run reaches."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                zombie = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
                if os.getsid(int(entry.name)) == sid and not zombie:
                    pids.append(int(entry.name))
            except (ProcessLookupError, PermissionError, FileNotFoundError):
                pass
    return pids


def test_a_rerun_after_kill_9_mid_generate_finishes_the_interrupted_work(workflow_copy):
    root = workflow_copy.root
    (root / "models" / "tiny" / "model.safetensors").write_bytes(b"stand-in weights: the scripted backend reads none")
    config = ["--configfile", str(workflow_copy.write_config("crash.yaml", CONFIG))]
    plan = workflow_copy.plan(root / "crash.yaml")
    (generate,) = plan["nodes"]["generate"].values()
    (execute,) = plan["nodes"]["execute"].values()
    target = f"results/execute/{execute}/trajectories.jsonl.gz"
    script = root / "script.json"
    script.write_text(json.dumps({"responses": [ANSWER], "delay_s": 0}))  # not hashed: only its path is

    workflow_copy.snakemake(*config, targets=[target])
    old_execute = (root / target).stat().st_mtime_ns
    trajectories = root / f"results/generate/{generate}/trajectories.jsonl.gz"
    assert trajectories.exists()

    # A forced regeneration, slow enough to be killed while its first shard is in flight.
    script.write_text(json.dumps({"responses": [ANSWER], "delay_s": 120}))
    cmd = [str(workflow_copy.env["PATH"].split(os.pathsep)[0] + "/snakemake"), "--cores", "2",
           "--workflow-profile", "profiles/default", *config, "--forcerun", "generate", "--", target]
    run = subprocess.Popen(cmd, cwd=root, env=workflow_copy.env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, start_new_session=True)
    shards = root / f"results/generate/{generate}/shards/plan.json"
    deadline = time.time() + 240
    while not shards.exists() and time.time() < deadline and run.poll() is None:
        time.sleep(0.5)
    assert shards.exists(), "the forced generate job never started"
    time.sleep(1)
    deadline = time.time() + 20
    while _session_pids(run.pid) and time.time() < deadline:  # again: a job may fork while we kill
        for pid in _session_pids(run.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        run.poll()
        time.sleep(0.2)
    run.wait(timeout=30)
    assert not _session_pids(run.pid), "a job outlived the kill"
    assert not trajectories.exists() and shards.exists(), "the generate folder should hold only shards/"

    script.write_text(json.dumps({"responses": [ANSWER], "delay_s": 0}))
    locked = workflow_copy.snakemake(*config, targets=[target], check=False)
    assert locked.returncode != 0 and "cannot be locked" in locked.stdout + locked.stderr
    workflow_copy.snakemake("--unlock", *config)

    # The rerun a user types after --unlock: the requested target must not be answered from the older result.
    planned = workflow_copy.planned_jobs(*config, targets=[target])
    assert planned.get("generate") == 1 and planned.get("execute") == 1, planned
    workflow_copy.snakemake(*config, targets=[target])
    assert trajectories.exists()
    assert (root / target).stat().st_mtime_ns > old_execute, "execute was not redone on the new trajectories"
    assert not (root / f"results/generate/{generate}/shards").exists()
    # The older execute result was moved aside when the forced generation started, not deleted.
    (kept,) = (root / "results" / "superseded" / "execute").glob(f"{execute}-*")
    assert (kept / "trajectories.jsonl.gz").exists() and (kept / "manifest.json").exists()
    assert workflow_copy.planned_jobs(*config, targets=[target]) == {}
    # gc lists the superseded copy (no plan uses it) and removes it with --delete, nothing else.
    gc = [str(Path(workflow_copy.env["PATH"].split(os.pathsep)[0]) / "mtcodegen"), "gc", "--config", "crash.yaml"]
    listed = subprocess.run(gc, cwd=root, env=workflow_copy.env, capture_output=True, text=True, timeout=120)
    assert f"superseded/execute/{kept.name}" in listed.stdout and "1 node directories" in listed.stdout, listed
    subprocess.run(gc + ["--delete"], cwd=root, env=workflow_copy.env, check=True, capture_output=True, timeout=120)
    assert not kept.exists() and (root / target).exists() and trajectories.exists()
