"""Prompts are data for the plan too: a new prompt file named in the config adds exactly its new cells, and
editing a prompt file reruns exactly the cells that read it."""

from __future__ import annotations

import shutil

from mtcodegen.config import load_config
from mtcodegen.plan import build_plan


def _config(reasoning):
    return {
        "datasets": {"toy": {"format": "sandboxfusion_mbpp", "files": {"test": "data/toy.jsonl"}, "splits": ["test"]}},
        "models": {"m": {"source": {"local": "model"}}},
        "sampling": {"samples": 1},
        "grid": [{"name": "g", "models": ["m"], "datasets": ["toy/test"], "reasoning": reasoning,
                  "instruction": ["none", "step_by_step"], "feedback": ["failed_tests"], "turns": [1, 3]}],
        "execution": {}, "metrics": {},
    }


def _generate_hashes(root, reasoning):
    plan = build_plan(load_config(_config(reasoning), root=root), root=root)
    return {c.name: c.generate.hash for c in plan.cells}, {c.name: c.execute.hash for c in plan.cells}


def test_new_prompt_file_adds_exactly_its_cells_and_edits_rerun_exactly_their_users(tmp_path, project_root):
    shutil.copytree(project_root / "prompts", tmp_path / "prompts")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "toy.jsonl").write_text("{}\n")
    (tmp_path / "model").mkdir()
    before, before_exec = _generate_hashes(tmp_path, ["none", "explain_io_pairs"])
    assert len(before) == 8

    (tmp_path / "prompts" / "reasoning" / "my_new_prompt.txt").write_text("Think about the input size first.\n")
    after, after_exec = _generate_hashes(tmp_path, ["none", "explain_io_pairs", "my_new_prompt"])
    added = set(after) - set(before)
    assert len(added) == 4 and all(".r=my_new_prompt." in name for name in added)
    assert {n: after[n] for n in before} == before  # every existing cell keeps its hash: nothing reruns
    assert {n: after_exec[n] for n in before_exec} == before_exec

    (tmp_path / "prompts" / "instruction" / "step_by_step.txt").write_text("Reason step by step, then code.\n")
    edited, _ = _generate_hashes(tmp_path, ["none", "explain_io_pairs", "my_new_prompt"])
    changed = {n for n in after if edited[n] != after[n]}
    assert changed == {n for n in after if ".i=step_by_step." in n}

    (tmp_path / "prompts" / "feedback" / "binary.txt").write_text("Wrong.\n")  # no cell uses binary feedback
    assert _generate_hashes(tmp_path, ["none", "explain_io_pairs", "my_new_prompt"])[0] == edited
