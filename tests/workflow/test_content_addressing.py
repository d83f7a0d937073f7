"""Consequences of content addressing, checked on a private copy of the workflow (conftest.WorkflowCopy).

Plans are computed by the copy's own package in a fresh interpreter, so edits to the copy's prompts, data
and code are what is hashed; the data stage runs for real (seconds), later stages are checked with
`snakemake -n` against stand-in outputs, since running a model here would take minutes.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mtcodegen.provenance import STAGE_CODE  # noqa: E402
from workflow_copy import TINY_CONFIG, parse_job_stats  # noqa: E402

pytestmark = pytest.mark.timeout(600)


def changed(before: dict, after: dict) -> dict[str, set[str]]:
    """stage -> names of the nodes whose hash differs (or that exist in only one plan)."""
    out = {}
    for stage in set(before["nodes"]) | set(after["nodes"]):
        b, a = before["nodes"].get(stage, {}), after["nodes"].get(stage, {})
        diff = {name for name in set(a) | set(b) if a.get(name) != b.get(name)}
        if diff:
            out[stage] = diff
    return out


def descendants(plan: dict, hashes: set[str]) -> set[str]:
    """Every node hash that reads, directly or not, one of ``hashes``."""
    readers: dict[str, set[str]] = {}
    for node, upstream in plan["edges"]:
        readers.setdefault(upstream, set()).add(node)
    seen, todo = set(hashes), list(hashes)
    while todo:
        for reader in readers.get(todo.pop(), ()):
            if reader not in seen:
                seen.add(reader)
                todo.append(reader)
    return seen


def by_hash(plan: dict) -> dict[str, tuple[str, str]]:
    return {h: (stage, name) for stage, nodes in plan["nodes"].items() for name, h in nodes.items()}


def file_identities(root: Path) -> dict[str, tuple[int, int, int]]:
    """path -> (inode, size, mtime_ns) of every file under the content-addressed stage directories (not the
    logs, the index or the plan files the workflow writes at plan time)."""
    out = {}
    for path in sorted((root / "results").rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not rel.startswith(("results/logs/", "results/index", "results/plan/")):
            st = path.stat()
            out[rel] = (st.st_ino, st.st_size, st.st_mtime_ns)
    return out


# --- prompts ------------------------------------------------------------------------------------------


def test_editing_a_prompt_changes_only_the_cells_that_read_it_and_reverting_restores_them(workflow_copy, tiny_config):
    before = workflow_copy.plan(tiny_config)
    prompt = workflow_copy.root / "prompts" / "instruction" / "step_by_step.txt"
    original = prompt.read_bytes()
    prompt.write_bytes(original + b"\nThink about edge cases.\n")
    edited = workflow_copy.plan(tiny_config)

    diff = changed(before, edited)
    cells = set(before["nodes"]["generate"])
    users = {name for name in cells if ".i=step_by_step." in name}
    assert users and users != cells, "the tiny grid must have cells with and without the prompt"
    assert diff["generate"] == users
    assert diff["execute"] == users
    assert diff["metrics"] == {"metrics"}  # it reads every cell
    assert set(diff) == {"generate", "execute", "metrics"}, diff

    prompt.write_bytes(original)  # the old bytes with a new mtime: the old hashes again
    assert workflow_copy.plan(tiny_config) == before


ONE_THREAD = ["--set-threads", "generate=1"]  # the stand-in needs no cores: run two at a time
FAKE_MTCODEGEN = """#!/bin/sh
# Stand-in for `mtcodegen ... generate ...`: writes the outputs Snakemake expects, instantly. Every other
# subcommand is the real one.
case " $* " in
  *" generate "*) exec {python} -c '
import json, os, sys
args = sys.argv[1:]
out = args[args.index("--out") + 1]
for name in json.load(open(os.environ["STAND_IN_OUTPUTS"])):
    open(os.path.join(os.path.dirname(out), name), "w").write("stand-in\\n")
' "$@" ;;
  *) exec {real} "$@" ;;
esac
"""


def _install_stand_in_generation(workflow_copy, config: Path, plan: dict) -> list[str]:
    """Run every cell through Snakemake with a stand-in generator, so that Snakemake records its metadata
    (input checksums, params) exactly as after a real run. The model checkpoint directory is created by
    hand (no weights are needed by the stand-in)."""
    targets = [f"results/generate/{h}/trajectories.jsonl.gz" for h in sorted(plan["nodes"]["generate"].values())]
    for h in plan["nodes"]["model"].values():
        (workflow_copy.root / f"results/model/{h}/checkpoint").mkdir(parents=True, exist_ok=True)
    summary = workflow_copy.snakemake("-n", "--summary", "--configfile", str(config), targets=targets).stdout
    outputs = {os.path.dirname(f[0]): None for f in (line.split("\t") for line in summary.splitlines())
               if len(f) >= 5 and f[2] == "generate"}
    names = sorted({line.split("\t")[0].rsplit("/", 1)[1] for line in summary.splitlines()
                    if line.count("\t") >= 4 and line.split("\t")[2] == "generate"})
    assert len(outputs) == len(targets) and names, f"no generate outputs in the summary:\n{summary[-3000:]}"
    (workflow_copy.root / "stand_in_outputs.json").write_text(json.dumps(names))
    bin_dir = workflow_copy.root / "stand_in_bin"
    bin_dir.mkdir()
    fake = bin_dir / "mtcodegen"
    fake.write_text(FAKE_MTCODEGEN.format(python=sys.executable, real=Path(sys.executable).parent / "mtcodegen"))
    fake.chmod(0o755)
    workflow_copy.extra_env = {
        "PATH": f"{bin_dir}{os.pathsep}{workflow_copy.env['PATH']}",
        "STAND_IN_OUTPUTS": str(workflow_copy.root / "stand_in_outputs.json"),
    }
    workflow_copy.snakemake("--configfile", str(config), *ONE_THREAD, targets=targets)
    return targets


def test_snakemake_reruns_only_edited_cells_and_reuses_old_ones_after_a_revert(workflow_copy, tiny_config):
    plan = workflow_copy.plan(tiny_config)
    config = ["--configfile", str(tiny_config)]
    workflow_copy.snakemake(*config, targets=workflow_copy.data_targets(tiny_config))
    targets = _install_stand_in_generation(workflow_copy, tiny_config, plan)
    assert workflow_copy.planned_jobs(*config, targets=targets) == {}, "every cell exists: nothing to do"
    identities = file_identities(workflow_copy.root)

    prompt = workflow_copy.root / "prompts" / "reasoning" / "explain_io_pairs.txt"
    original = prompt.read_bytes()
    prompt.write_bytes(original + b"\nAlso explain the last pair twice.\n")
    edited = workflow_copy.plan(tiny_config)
    edited_targets = [f"results/generate/{h}/trajectories.jsonl.gz" for h in sorted(edited["nodes"]["generate"].values())]
    users = [n for n in plan["nodes"]["generate"] if ".r=explain_io_pairs." in n]
    assert workflow_copy.planned_jobs(*config, targets=edited_targets) == {"generate": len(users)}
    workflow_copy.snakemake(*config, *ONE_THREAD, targets=edited_targets)

    prompt.write_bytes(original)  # reverted: the old bytes, with a newer mtime than every old output
    assert workflow_copy.planned_jobs(*config, targets=targets) == {}, "a revert must reuse the old cells"
    workflow_copy.snakemake(*config, *ONE_THREAD, targets=targets)
    after = file_identities(workflow_copy.root)
    assert {p: after[p] for p in identities} == identities, "an old cell was rewritten"
    assert len(after) > len(identities)

    # Renaming the model changes names only (labels, in no hash): nothing to do. Snakemake's params trigger
    # would rerun every cell in place, as the name is a rule param: why the profiles set rerun-triggers.
    renamed = copy.deepcopy(TINY_CONFIG)
    renamed["models"] = {"renamed": renamed["models"]["tiny"]}
    renamed["grid"][0]["models"] = ["renamed"]
    path = workflow_copy.write_config("renamed.yaml", renamed)
    assert sorted(workflow_copy.plan(path)["nodes"]["generate"].values()) == sorted(plan["nodes"]["generate"].values())
    assert workflow_copy.planned_jobs("--configfile", str(path), targets=targets) == {}
    every_trigger = ["--rerun-triggers", "mtime", "params", "input", "software-env", "code"]
    dry = workflow_copy.snakemake("-n", *every_trigger, "--configfile", str(path), targets=targets).stdout
    assert parse_job_stats(dry).get("generate") == len(targets)


# --- sharing, no overwrites, manifests, garbage collection ----------------------------------------------------------------


def _narrow_config(workflow_copy) -> Path:
    """Another experiment: only CodeContests, fewer prompts, with cells in common with TINY_CONFIG."""
    other = copy.deepcopy(TINY_CONFIG)
    del other["datasets"]["mbpp"]
    other["grid"] = [
        {"name": "other", "models": ["tiny"], "datasets": ["cc/eval"], "reasoning": ["none"],
         "instruction": ["none", "step_by_step"], "feedback": ["failed_tests"], "turns": [1]}
    ]
    return workflow_copy.write_config("narrow.yaml", other)


def test_two_configs_share_the_nodes_they_have_in_common(workflow_copy, tiny_config):
    narrow = _narrow_config(workflow_copy)
    a, b = workflow_copy.plan(tiny_config), workflow_copy.plan(narrow)
    for stage in ("problems", "partition", "generate", "execute"):
        shared = set(a["nodes"][stage]) & set(b["nodes"][stage])
        assert shared, stage
        assert all(a["nodes"][stage][n] == b["nodes"][stage][n] for n in shared), stage
    assert set(b["nodes"]["generate"]) < set(a["nodes"]["generate"])
    assert a["nodes"]["metrics"] != b["nodes"]["metrics"]  # different cell sets

    workflow_copy.snakemake("--configfile", str(tiny_config), targets=workflow_copy.data_targets(tiny_config))
    # Everything the narrow config needs from the data stage was made by the first one.
    assert workflow_copy.planned_jobs("--configfile", str(narrow), targets=workflow_copy.data_targets(narrow)) == {}


def check_manifests(workflow_copy, config: Path) -> None:
    """Every node directory's manifest names it: its hash is the directory, its outputs' digests are right."""
    plan = workflow_copy.plan(config)
    names = by_hash(plan)
    manifests = sorted((workflow_copy.root / "results").glob("*/*/manifest.json"))
    assert len(manifests) == len(plan["nodes"]["problems"]) + len(plan["nodes"]["partition"])
    for path in manifests:
        manifest = json.loads(path.read_text())
        stage, h = path.parent.parent.name, path.parent.name
        assert manifest["hash"] == h and names[h] == (stage, manifest["name"])
        assert manifest["spec"]["stage"] == stage
        for rel, digest in manifest["outputs"].items():
            assert hashlib.sha256((path.parent / rel).read_bytes()).hexdigest() == digest, rel


def gc(workflow_copy, config: Path, *extra: str) -> str:
    cmd = [str(Path(sys.executable).parent / "mtcodegen"), "gc", "--config", str(config), *extra]
    proc = subprocess.run(cmd, cwd=workflow_copy.root, env=workflow_copy.env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_complete_node_directories_are_never_rewritten_and_gc_removes_only_orphans(workflow_copy, tiny_config):
    config = ["--configfile", str(tiny_config)]
    current = workflow_copy.data_targets(tiny_config)
    workflow_copy.snakemake(*config, targets=current)
    first = file_identities(workflow_copy.root)
    assert any(p.startswith("results/partition/") for p in first)
    check_manifests(workflow_copy, tiny_config)

    # Edit a source file: the edited dataset gets new directories; nothing existing is touched.
    data = workflow_copy.root / "data" / "mbpp.jsonl"
    original = data.read_bytes()
    lines = original.splitlines(keepends=True)
    data.write_bytes(b"".join(reversed(lines)))  # same rows, other order: other bytes, another hash
    edited_targets = workflow_copy.data_targets(tiny_config)
    assert workflow_copy.planned_jobs(*config, targets=edited_targets) == {"prepare_data": 1}
    workflow_copy.snakemake(*config, *ONE_THREAD, targets=edited_targets)
    second = file_identities(workflow_copy.root)
    assert {p: second[p] for p in first} == first
    assert len(second) > len(first)

    orphan = sorted({str(Path(t).parent) for t in set(edited_targets) - set(current)})
    assert len(orphan) == 1

    # Revert: the first directories are complete, nothing runs, nothing changes.
    data.write_bytes(original)
    assert workflow_copy.planned_jobs(*config, targets=current) == {}
    workflow_copy.snakemake(*config, targets=current)
    assert file_identities(workflow_copy.root) == second

    # The edited dataset's node is now referenced by no config: gc lists it, and removes only it.
    listed = gc(workflow_copy, tiny_config)
    assert orphan[0] in listed and "1 node directories" in listed
    assert (workflow_copy.root / orphan[0]).is_dir(), "listing must not remove anything"
    gc(workflow_copy, tiny_config, "--delete")
    assert not (workflow_copy.root / orphan[0]).exists()
    assert file_identities(workflow_copy.root) == first
    assert "0 node directories" in gc(workflow_copy, tiny_config)


def test_the_index_maps_every_name_to_its_hash(workflow_copy, tiny_config):
    workflow_copy.snakemake("--configfile", str(tiny_config), targets=["index"])
    plan = workflow_copy.plan(tiny_config)
    index_files = list((workflow_copy.root / "results" / "index").glob("*.tsv"))
    assert len(index_files) == 1
    rows = [line.split("\t") for line in index_files[0].read_text().splitlines()[1:]]
    assert {(s, n): h for s, h, n, _ in rows} == {(s, n): h for s, ns in plan["nodes"].items() for n, h in ns.items()}
    assert (workflow_copy.root / "results" / "index.tsv").read_text() == index_files[0].read_text()

    # A new plan gets a new index file (the old one stays: it describes results that still exist).
    prompt = workflow_copy.root / "prompts" / "instruction" / "step_by_step.txt"
    prompt.write_text(prompt.read_text() + "\nEdited.\n")
    index_target = _index_target(workflow_copy, tiny_config)
    workflow_copy.snakemake("--configfile", str(tiny_config), targets=[index_target])
    assert len(list((workflow_copy.root / "results" / "index").glob("*.tsv"))) == 2


def _index_target(workflow_copy, config: Path) -> str:
    out = workflow_copy.snakemake("-n", "--summary", "--configfile", str(config), targets=["index"]).stdout
    return next(line.split("\t")[0] for line in out.splitlines() if line.startswith("results/index/"))


# --- code fingerprints --------------------------------------------------------------------------------


def _code_parts(root: Path) -> list[str]:
    parts = sorted({p for parts in STAGE_CODE.values() for p in parts})
    return [p for p in parts if (root / "workflow" / "mtcodegen" / p).exists()]


def test_a_code_change_in_one_stage_changes_only_that_stage_and_its_downstream(workflow_copy, tiny_config):
    config = copy.deepcopy(TINY_CONFIG)
    config["rft"] = {"enabled": True, "generator": {"model": "tiny", "dataset": "cc/train"}}
    config["finetune"] = {"ft": {"base": "tiny", "evaluate": {"datasets": ["cc/eval"]}}}
    path = workflow_copy.write_config("rft.yaml", config)
    base = workflow_copy.plan(path)
    package = workflow_copy.root / "workflow" / "mtcodegen"
    parts = _code_parts(workflow_copy.root)
    assert "data" in parts and "generate" in parts

    for part in parts:
        target = package / part
        file = target if target.is_file() else sorted(target.rglob("*.py"))[0]
        original = file.read_bytes()
        file.write_bytes(original + b"\n# an edit\n")
        try:
            after = workflow_copy.plan(path)
        finally:
            file.write_bytes(original)
        stages = {s for s, ps in STAGE_CODE.items() if part in ps}
        direct = {h for s in stages for h in base["nodes"].get(s, {}).values()}
        expected = {by_hash(base)[h] for h in descendants(base, direct)}
        got = {(s, n) for s, names in changed(base, after).items() for n in names}
        assert got == expected, f"editing {file.relative_to(workflow_copy.root)}"
    assert workflow_copy.plan(path) == base  # every edit was undone


def test_code_outside_every_stage_changes_no_hash(workflow_copy, tiny_config):
    before = workflow_copy.plan(tiny_config)
    package = workflow_copy.root / "workflow" / "mtcodegen"
    for rel in ("commands/check_config.py", "cli.py", "config.py"):
        (package / rel).write_text((package / rel).read_text() + "\n# an edit\n")
    assert workflow_copy.plan(tiny_config) == before


def test_shared_helpers_change_every_hash(workflow_copy, tiny_config):
    before = workflow_copy.plan(tiny_config)
    helper = workflow_copy.root / "workflow" / "mtcodegen" / "typed_json.py"
    helper.write_text(helper.read_text() + "\n# an edit\n")
    after = workflow_copy.plan(tiny_config)
    assert all(set(changed(before, after).get(s, ())) == set(before["nodes"][s]) for s in before["nodes"])


def test_no_two_nodes_share_a_directory(project_root):
    from mtcodegen.config import load_config
    from mtcodegen.plan import build_plan

    plan = build_plan(load_config(project_root / "configs" / "paper.yaml"))
    directories = [plan.path(n) for nodes in plan.nodes.values() for n in nodes.values()]
    assert len(directories) == len(set(directories)) > 5000
    assert os.path.commonpath(directories) == plan.config["results_dir"]
