"""The package core: atomic JSONL I/O, and the plan's naming rules that every stage relies on."""

from __future__ import annotations

import copy
import gzip

import pytest

from mtcodegen.config import load_config
from mtcodegen.jsonl import read_jsonl, write_json, write_jsonl
from mtcodegen.plan import build_plan


def test_jsonl_round_trip_plain_and_gzip(tmp_path):
    records = [{"id": "a", "x": [1, 2.5, None]}, {"id": "b", "text": "é\n"}]
    for name in ("r.jsonl", "r.jsonl.gz"):
        path = tmp_path / name
        assert write_jsonl(path, records) == 2
        assert list(read_jsonl(path)) == records
    assert gzip.open(tmp_path / "r.jsonl.gz").read().count(b"\n") == 2


def test_gzip_output_is_byte_identical_across_writes(tmp_path):
    """mtime is not in the gzip header, so the same records hash the same (content addressing needs it)."""
    write_jsonl(tmp_path / "a.jsonl.gz", [{"k": 1}])
    write_jsonl(tmp_path / "b.jsonl.gz", [{"k": 1}])
    assert (tmp_path / "a.jsonl.gz").read_bytes() == (tmp_path / "b.jsonl.gz").read_bytes()


def test_broken_line_names_file_and_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"ok": 1}\n{not json\n')
    with pytest.raises(ValueError, match=r"bad.jsonl:2: not valid JSON"):
        list(read_jsonl(path))


def test_failed_write_leaves_no_file_behind(tmp_path):
    def records():
        yield {"a": 1}
        raise RuntimeError("generator died")

    with pytest.raises(RuntimeError):
        write_jsonl(tmp_path / "out.jsonl", records())
    assert list(tmp_path.iterdir()) == []


def test_write_json_replaces_atomically(tmp_path):
    write_json(tmp_path / "m.json", {"a": 1})
    write_json(tmp_path / "m.json", {"a": 2})
    assert (tmp_path / "m.json").read_text().strip().endswith("}")
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]


@pytest.fixture(scope="module")
def default_config(project_root):
    return load_config(project_root / "config.yaml", root=project_root)


def test_finished_files_get_the_umask_mode_not_mkstemps_0600(tmp_path):
    import os
    import stat

    from mtcodegen.jsonl import atomic_path

    umask = os.umask(0o022)
    os.umask(umask)
    write_jsonl(tmp_path / "a.jsonl.gz", [{"x": 1}])
    write_json(tmp_path / "b.json", {"x": 1})
    with atomic_path(tmp_path / "c.png") as tmp:
        tmp.write_bytes(b"figure")
    plain = tmp_path / "plain.txt"
    plain.write_text("as open() makes it")
    for name in ("a.jsonl.gz", "b.json", "c.png"):
        mode = stat.S_IMODE((tmp_path / name).stat().st_mode)
        assert mode == 0o666 & ~umask == stat.S_IMODE(plain.stat().st_mode), (name, oct(mode), oct(umask))
    from mtcodegen.jsonl import share_files

    nested = tmp_path / "checkpoint" / "sub" / "weights.bin"
    nested.parent.mkdir(parents=True)
    nested.write_bytes(b"w")
    nested.chmod(0o600)
    share_files(tmp_path / "checkpoint")
    assert stat.S_IMODE(nested.stat().st_mode) == 0o666 & ~umask


def test_every_grid_cell_has_its_own_hash(default_config, project_root):
    plan = build_plan(default_config, root=project_root)
    hashes = [c.generate.hash for c in plan.cells]
    assert len(hashes) == len(set(hashes)) > 0
    assert all(len(h) == 16 and int(h, 16) >= 0 for h in hashes)


def test_renaming_a_model_key_changes_names_not_hashes(default_config, project_root):
    """Names are labels: a renamed config key must reuse every result already computed."""
    renamed = copy.deepcopy(default_config)
    old = next(iter(renamed["models"]))
    renamed["models"]["renamed_model"] = renamed["models"].pop(old)
    for block in renamed["grid"]:
        block["models"] = ["renamed_model" if m == old else m for m in block["models"]]
    if renamed.get("rft", {}).get("enabled"):
        renamed["rft"]["generator"]["model"] = "renamed_model"
        for entry in renamed["finetune"].values():
            entry["base"] = "renamed_model"
    before = build_plan(default_config, root=project_root)
    after = build_plan(renamed, root=project_root)
    assert [c.generate.hash for c in before.cells] == [c.generate.hash for c in after.cells]
    assert [c.name for c in before.cells] != [c.name for c in after.cells]


def test_sampling_change_changes_generation_but_not_data(default_config, project_root):
    changed = copy.deepcopy(default_config)
    changed["sampling"]["temperature"] = 0.2
    before, after = build_plan(default_config, root=project_root), build_plan(changed, root=project_root)
    assert set(before.nodes["problems"]) == set(after.nodes["problems"])
    assert set(before.nodes["model"]) == set(after.nodes["model"])
    assert not set(before.nodes["generate"]) & set(after.nodes["generate"])
    # ...and everything downstream of generation moves with it.
    assert not set(before.nodes["execute"]) & set(after.nodes["execute"])
    assert before.metrics.hash != after.metrics.hash


def test_rft_data_params_satisfy_the_rft_data_command(default_config, project_root):
    """The plan's rft_data params are exactly what `mtcodegen rft-data` reads (a missing key failed the run)."""
    import argparse

    from mtcodegen.rft import cli as rft_cli

    plan = build_plan(default_config, root=project_root)
    params = plan.rft_data.params
    generator = params["generator"]
    assert generator["reasoning"] == plan.rft_cell.label["reasoning"]
    assert "model" not in generator and "name" not in generator
    # Reach the command's own validation with the plan's params; it fails later, on the missing input files.
    args = argparse.Namespace(params=__import__("json").dumps(params), trajectories="/nonexistent.jsonl.gz",
                              train_problems="/nonexistent.jsonl.gz", eval=[], prompts="prompts", out="/nonexistent")
    with pytest.raises(FileNotFoundError):
        rft_cli.run(args)
