"""Stages read what the plan decided from a file written at plan time, not by rebuilding the plan (issue 15).

The index rule is the case here: it used to rebuild the plan from the config files, so that `--config`
overrides (not in any file) gave another plan and the rule refused to run. Now it reads the rows the
workflow's own plan wrote (results/plan/<index hash>.json) and checks them against the index hash.
"""

from __future__ import annotations

import csv
import json

import pytest

pytestmark = pytest.mark.timeout(600)


def test_the_index_rule_indexes_the_plan_it_ran_config_overrides_included(workflow_copy, tiny_config):
    root = workflow_copy.root
    workflow_copy.snakemake("--configfile", str(tiny_config), "--config", "results_dir=elsewhere", targets=["index"])
    (index,) = (root / "elsewhere" / "index").glob("*.tsv")
    with open(index, newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    # Hashes do not depend on results_dir; every node of the plan is listed once, at its path under the override.
    plan = workflow_copy.plan(tiny_config)
    assert sorted(r["hash"] for r in rows) == sorted(h for nodes in plan["nodes"].values() for h in nodes.values())
    assert all(r["path"] == f"elsewhere/{r['stage']}/{r['hash']}" for r in rows)
    assert (root / "elsewhere" / "index.tsv").read_text() == index.read_text()
    # The rows file the rule read is content-addressed by the index hash (the index file's name).
    rows_file = root / "elsewhere" / "plan" / f"{index.stem}.json"
    assert json.loads(rows_file.read_text()) == rows


def test_the_index_command_refuses_rows_of_another_plan(tmp_path):
    from mtcodegen.cli import main

    rows = tmp_path / "rows.json"
    rows.write_text(json.dumps([{"stage": "problems", "hash": "0" * 16, "name": "d/test", "path": "results/x"}]))
    assert main(["index", "--rows", str(rows), "--expect-hash", "f" * 16, "--out", str(tmp_path / "i.tsv")]) == 2
    assert not (tmp_path / "i.tsv").exists()
    rows.write_text(json.dumps([{"stage": "problems"}]))
    assert main(["index", "--rows", str(rows), "--out", str(tmp_path / "i.tsv")]) == 2
