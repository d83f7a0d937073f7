"""The RFT model is evaluated without CoT prompts on cells the base model also ran (plan.py refuses
otherwise), and the rft_data node carries the data options of the config."""

from __future__ import annotations

import copy

import pytest

from mtcodegen.config import load_config
from mtcodegen.plan import build_plan


@pytest.fixture(scope="module")
def paper(project_root):
    return load_config(project_root / "configs" / "paper.yaml", root=project_root)


def _finetuned_cells(plan, name):
    return [c for c in plan.cells if c.label["model"] == name]


def test_paper_rft_cells_have_base_counterparts_without_cot(paper, project_root):
    plan = build_plan(paper, project_root)
    name, entry = next(iter(paper["finetune"].items()))
    keys = ("dataset", "reasoning", "instruction", "feedback", "turns", "cot_retry", "limit", "samples")
    base = {tuple(c.label[k] for k in keys) for c in plan.cells if c.label["model"] == entry["base"]}
    rft = _finetuned_cells(plan, name)
    assert rft and all(tuple(c.label[k] for k in keys) in base for c in rft)
    assert any(c.label["reasoning"] == c.label["instruction"] == "none" for c in rft)
    params = plan.rft_data.params
    assert params["train_turn_classes"] == ["multi_turn"] and params["cross_test"] is True
    assert params["execution"]["sandbox"] == "nsjail"


def test_an_rft_cell_the_base_model_did_not_run_is_refused(paper, project_root):
    config = copy.deepcopy(paper)
    entry = next(iter(config["finetune"].values()))
    entry["evaluate"]["feedback"] = ["ldb_line"]  # the base model's grid has no ldb_line cell
    with pytest.raises(ValueError, match="no counterpart of the base model"):
        build_plan(config, project_root)


def test_rft_evaluation_only_with_cot_prompts_is_refused(paper, project_root):
    config = copy.deepcopy(paper)
    entry = next(iter(config["finetune"].values()))
    entry["evaluate"]["reasoning"] = ["explain_io_pairs"]
    entry["evaluate"]["instruction"] = ["step_by_step"]
    with pytest.raises(ValueError, match="without CoT prompts"):
        build_plan(config, project_root)
