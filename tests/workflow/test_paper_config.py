"""configs/paper.yaml: the paper's grid, planned without the hub, and a dry run of all of it."""

from __future__ import annotations

import re
import socket
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from workflow_copy import PROJECT_ROOT, make_copy, parse_job_stats  # noqa: E402

from mtcodegen.config import load_config  # noqa: E402
from mtcodegen.plan import build_plan  # noqa: E402

PAPER = PROJECT_ROOT / "configs" / "paper.yaml"
REASONING = {"self_reflection", "explain_io_pairs", "problem_tag", "problem_difficulty", "nl_solution",
             "multiple_solutions", "helper_docstrings", "intermediate_variables"}
INSTRUCTION = {"helper_functions", "check_constraints", "comment_each_line", "docstring_per_function",
               "weak_then_better", "step_by_step"}


@pytest.fixture(scope="module")
def paper_plan():
    """Built with every socket refused: planning must not touch the hub (or anything else on the network)."""
    original = socket.socket.connect

    def refuse(self, *args, **kwargs):
        raise AssertionError(f"planning tried to open a network connection to {args}")

    socket.socket.connect = refuse
    try:
        return build_plan(load_config(PAPER))
    finally:
        socket.socket.connect = original


def test_the_grid_is_the_papers(paper_plan):
    raw = yaml.safe_load(PAPER.read_text())
    main_blocks = [b for b in raw["grid"] if b["name"] in ("single_turn", "multi_turn", "cot_retry")]
    for block in main_blocks:
        assert set(block["reasoning"]) == REASONING | {"none"}, block["name"]
        assert set(block["instruction"]) == INSTRUCTION | {"none"}, block["name"]
        assert set(block["datasets"]) == {"code_contests/test", "taco/test"}
        assert len(block["models"]) == 4
    feedback = {f for b in raw["grid"] for f in b["feedback"]}
    assert len(feedback) == 4 and {1, 3} <= {t for b in raw["grid"] for t in b["turns"]}
    assert any(b.get("cot_retry") for b in raw["grid"])
    assert raw["sampling"]["samples"] == 200 and raw["rft"]["enabled"]
    assert {m["source"]["hub"]["id"] for m in raw["models"].values()} == {
        "meta-llama/Meta-Llama-3-8B-Instruct", "meta-llama/Meta-Llama-3-70B-Instruct",
        "meta-llama/Llama-3.1-8B-Instruct", "meta-llama/Llama-3.1-70B-Instruct",
    }
    assert all(re.fullmatch(r"[0-9a-f]{40}", m["source"]["hub"]["revision"]) for m in raw["models"].values())
    assert {d["hub"]["id"] for d in raw["datasets"].values()} == {"deepmind/code_contests", "BAAI/TACO"}
    ft = raw["finetune"]["rft_llama3.1_70b"]
    assert (ft["method"], ft["learning_rate"], ft["max_seq_length"]) == ("full", 2.0e-6, 8192)

    # 4 models x 2 datasets x 9 x 7 prompts x (1 + 4 feedback + CoT-retry) + validation + RFT cells.
    main = 4 * 2 * 9 * 7 * (1 + 4 + 1)
    assert len([c for c in paper_plan.cells if c.label["block"] in ("single_turn", "multi_turn", "cot_retry")]) == main
    assert len(paper_plan.nodes["generate"]) + len(paper_plan.nodes["execute"]) >= 5000


def test_every_prompt_of_the_grid_has_its_file():
    for name in REASONING:
        assert (PROJECT_ROOT / "prompts" / "reasoning" / f"{name}.txt").is_file(), name
    for name in INSTRUCTION:
        assert (PROJECT_ROOT / "prompts" / "instruction" / f"{name}.txt").is_file(), name


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_paper_dry_run_plans_every_job_without_the_hub(tmp_path, shared_data, paper_plan):
    copy = make_copy(tmp_path, shared_data)
    copy.extra_env = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    out = copy.snakemake("-n", "--quiet", "all", "--configfile", "configs/paper.yaml", timeout=900).stdout
    jobs = parse_job_stats(out)
    assert sum(jobs.values()) >= 5000, jobs
    assert jobs["generate"] == jobs["execute"] == len(paper_plan.nodes["generate"])
    assert jobs["prepare_data"] == len(paper_plan.nodes["problems"])
