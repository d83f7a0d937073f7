"""A refactor moves no content hash (issue 15): the shipped configs plan to the same node hashes with this
checkout's package as with the package of BASELINE (the last commit that moved hashes on purpose), and with the
last commit of the defaults refactor as with the commit before it.

The earlier package and configs are taken out of git (``git archive``) into a temporary folder; its package
is imported from there in a fresh interpreter, so its hashes come from the old code, not from the code under
test. Both plans read the earlier commit's configs (a config edited since, e.g. to use a new option, is compared as it
was) and this checkout's prompts and data. What each stage's own code hashes to (``provenance.code_fingerprint``)
is replaced by the stage name in both: editing a stage's code is meant to move its hashes (docs/provenance.md),
everything else in a spec (params, inputs, files, names) must stay as it was.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# (before, after, what happened in between): `after` None is this checkout. The refactor that typed the
# execution settings and moved every default to the schema (db822d0, e275c08, 437a90c) moved nothing; 322f7a1 then
# moved the RFT nodes on purpose (its new rft_problems stage), so the running check starts after it. A later commit
# that moves hashes on purpose says so and moves BASELINE to itself.
REFACTOR = ("c36cdb1b4e5184f0b5b01650dc773218051e638d", "437a90c", "the defaults refactor")
BASELINE = "e651aeb"
PAIRS = [REFACTOR, (BASELINE, None, "this checkout")]
# paper.yaml's ldb_* cells moved on purpose in 250d8eb (their trace granularity became a hashed data file).
CONFIGS = ("config.yaml", "configs/rft_mbpp.yaml")

PLAN_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import mtcodegen.provenance as provenance
    provenance.code_fingerprint = lambda stage: stage  # stage code may change; nothing else may move
    from mtcodegen.config import load_config
    from mtcodegen.plan import build_plan
    root, config_dir, configs = sys.argv[1], sys.argv[2], sys.argv[3:]
    out = {}
    for config in configs:
        plan = build_plan(load_config(f"{config_dir}/{config}", root=root), root=root)
        out[config] = {f"{n.stage} {n.name}": h for nodes in plan.nodes.values() for h, n in nodes.items()}
        out[config]["index"] = len(plan.index_rows())
    json.dump(out, sys.stdout, sort_keys=True)
    """
)


def plan_hashes(package_parent: Path, config_dir: Path) -> dict:
    """config -> "stage name" -> hash, planned by the package found in ``package_parent``."""
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    proc = subprocess.run([sys.executable, "-c", PLAN_SCRIPT, str(ROOT), str(config_dir), *CONFIGS], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"planning with {package_parent} failed:\n{proc.stderr[-4000:]}"
    return json.loads(proc.stdout)


def extract(commit: str, base: Path) -> Path:
    """``base`` with ``commit``'s workflow/ (its package) and its CONFIGS, taken out of git."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs this checkout's git history")
    known = subprocess.run(["git", "cat-file", "-e", f"{commit}^{{commit}}"], cwd=ROOT, capture_output=True)
    if known.returncode != 0:
        pytest.skip(f"commit {commit} is not in this clone (a shallow clone?)")
    base.mkdir(parents=True)
    archive = base / "workflow.tar"
    subprocess.run(["git", "archive", "--format=tar", "-o", str(archive), commit, "workflow", *CONFIGS], cwd=ROOT,
                   check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(base, filter="data")
    return base


@pytest.fixture(scope="module")
def baseline_package(tmp_path_factory) -> Path:
    return extract(BASELINE, tmp_path_factory.mktemp("baseline") / "tree")


@pytest.mark.parametrize("before,after,what", PAIRS, ids=[p[2] for p in PAIRS])
def test_the_shipped_configs_plan_to_the_same_hashes(tmp_path, before, after, what):
    old = extract(before, tmp_path / "before")
    new = extract(after, tmp_path / "after") / "workflow" if after else ROOT / "workflow"
    hashes_before, hashes_after = plan_hashes(old / "workflow", old), plan_hashes(new, old)
    assert set(hashes_before) == set(CONFIGS)
    for config in CONFIGS:
        assert hashes_before[config]["index"] > 1
        moved = {k: (hashes_before[config].get(k), hashes_after[config].get(k))
                 for k in hashes_before[config].keys() | hashes_after[config].keys()
                 if hashes_before[config].get(k) != hashes_after[config].get(k)}
        assert not moved, (f"{config}: {len(moved)} nodes moved between {before[:7]} and {after or 'this checkout'}, "
                           f"e.g. {sorted(moved.items())[:3]} (a move on purpose moves BASELINE, saying why)")


def test_the_comparison_sees_a_moved_hash(baseline_package, tmp_path):
    """The check can fail: a package whose plan adds one key to every generate node's params is caught."""
    edited = tmp_path / "workflow"
    shutil.copytree(baseline_package / "workflow", edited)
    plan_py = edited / "mtcodegen" / "plan.py"
    text = plan_py.read_text()
    assert '"sampling": sampling,' in text
    plan_py.write_text(text.replace('"sampling": sampling,', '"sampling": {**sampling, "extra": 1},', 1))
    before = plan_hashes(baseline_package / "workflow", baseline_package)
    after = plan_hashes(edited, baseline_package)
    assert before["config.yaml"] != after["config.yaml"]
    assert before["config.yaml"]["index"] == after["config.yaml"]["index"]
