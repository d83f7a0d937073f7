"""profiles/slurm for real: a one-node SLURM on this machine (scripts/slurm/start.sh) runs the data stage of a
tiny config through `--executor slurm`, and the results must be the local run's, hash for hash and byte for
byte. Needs root (the daemons); the script installs Debian's SLURM and munge when they are missing."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from workflow_copy import PROJECT_ROOT, TINY_CONFIG, VENV_BIN, make_copy  # noqa: E402

pytestmark = [pytest.mark.timeout(900)]
SCRIPTS = PROJECT_ROOT / "scripts" / "slurm"


def digests(root: Path) -> dict[str, str]:
    """Every file of the content-addressed stage directories -> sha256 (manifests compared separately)."""
    out = {}
    for path in sorted((root / "results").glob("*/*/*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and path.name != "manifest.json" and not rel.startswith("results/logs/"):
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def manifests(root: Path) -> dict[str, dict]:
    out = {}
    for path in sorted((root / "results").glob("*/*/manifest.json")):
        m = json.loads(path.read_text())
        out[path.relative_to(root).as_posix()] = {k: m[k] for k in ("name", "hash", "spec", "outputs")}
    return out


@pytest.fixture
def slurm_cluster(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("starting SLURM's daemons needs root (CI runs as root)")
    # Not under tmp_path: pytest makes that private, and munged runs as its own user.
    state = Path(tempfile.mkdtemp(prefix="mtcodegen-slurm-test-", dir="/tmp"))
    os.chmod(state, 0o755)
    env = dict(os.environ, MTCODEGEN_SLURMCTLD_PORT="16917", MTCODEGEN_SLURMD_PORT="16918")
    started = subprocess.run([str(SCRIPTS / "start.sh"), str(state)], env=env, capture_output=True, text=True, timeout=600)
    try:
        assert started.returncode == 0, f"scripts/slurm/start.sh failed:\n{started.stderr[-3000:]}"
        yield state
    finally:
        stopped = subprocess.run([str(SCRIPTS / "stop.sh"), str(state)], capture_output=True, text=True, timeout=120)
        assert stopped.returncode == 0, f"scripts/slurm/stop.sh failed:\n{stopped.stderr[-3000:]}"
        for pidfile in ("slurmctld.pid", "slurmd.pid", "munge/munged.pid"):
            assert not (state / pidfile).exists(), f"{pidfile} left behind: a daemon may still run"
        assert not Path("/etc/slurm/slurm.conf").is_symlink() or os.readlink("/etc/slurm/slurm.conf") != str(
            state / "slurm.conf"
        )
        shutil.rmtree(state, ignore_errors=True)


@pytest.mark.slow
def test_the_data_stage_through_slurm_matches_a_local_run(tmp_path, shared_data, slurm_cluster):
    local = make_copy(tmp_path / "local", shared_data)
    cluster = make_copy(tmp_path / "cluster", shared_data)
    config = {"local": local.write_config("tiny.yaml", TINY_CONFIG), "cluster": cluster.write_config("tiny.yaml", TINY_CONFIG)}
    targets = local.data_targets(config["local"])
    assert targets == cluster.data_targets(config["cluster"]), "the two copies must plan the same hashes"

    local.snakemake("--configfile", str(config["local"]), targets=targets)

    cmd = [
        str(VENV_BIN / "snakemake"), "--workflow-profile", "profiles/slurm", "--configfile", str(config["cluster"]),
        # A test cluster: no accounts, and results are polled quickly.
        "--slurm-no-account", "--slurm-init-seconds-before-status-checks", "2", "--latency-wait", "5",
        "--slurm-keep-successful-logs",
        "--", *targets,
    ]
    env = dict(cluster.env, SLURM_CONF=str(slurm_cluster / "slurm.conf"))
    run = subprocess.run(cmd, cwd=cluster.root, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, f"the SLURM run failed:\n{run.stdout[-3000:]}\n{run.stderr[-5000:]}"
    assert "has been submitted with SLURM jobid" in run.stdout + run.stderr, "no job went through sbatch"
    slurm_logs = list((cluster.root / "results" / "logs" / "slurm").rglob("*.log"))
    assert slurm_logs and all("Finished" in log.read_text() or "done" in log.read_text() for log in slurm_logs), [
        log.read_text()[-2000:] for log in slurm_logs
    ]

    assert digests(cluster.root) == digests(local.root) != {}
    # Same specs, hashes and output digests; only host and times may differ.
    assert manifests(cluster.root) == manifests(local.root)


class _Resources(dict):
    def __getattr__(self, name):
        return self[name]


def _profile_job(rule: str):
    """A stand-in job with the resources and threads profiles/slurm gives ``rule``."""
    from types import SimpleNamespace

    import yaml

    profile = yaml.safe_load((PROJECT_ROOT / "profiles" / "slurm" / "config.yaml").read_text())
    resources = _Resources(profile["default-resources"]) | _Resources(profile["set-resources"].get(rule, {}))
    return SimpleNamespace(resources=_Resources(resources), threads=profile.get("set-threads", {}).get(rule, 1))


@pytest.mark.parametrize(
    ("rule", "gpus", "cpus"),
    [("generate", "--gpus=h100:1", "--cpus-per-gpu=8"), ("finetune", "--gres=gpu:h100:8", "--cpus-per-task=64"),
     ("execute", "", "--cpus-per-task=16"), ("prepare_data", "", "--cpus-per-task=1")],
)
def test_the_profile_asks_slurm_for_what_each_stage_needs(rule, gpus, cpus):
    """The sbatch options the plugin derives from profiles/slurm (its own functions, no cluster needed)."""
    from snakemake_executor_plugin_slurm.utils import set_gres_string
    from snakemake_executor_plugin_slurm_jobstep import get_cpu_setting

    job = _profile_job(rule)
    assert set_gres_string(job).strip() == gpus
    assert get_cpu_setting(job, bool(gpus)) == cpus
