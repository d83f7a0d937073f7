"""A feedback type is added by files only (issue 15): in a copy of the project, a template and its data file in
prompts/feedback/ are all it takes for a config to name the type, for the plan to hash both files into the cell,
and for Snakemake to run the cell through the generate stage with the scripted backend. Nothing is registered.

The expected feedback message is the test's own template filled by hand from the scripted program's known
failure, not computed by the code under test.
"""

from __future__ import annotations

import gzip
import json

import pytest
import yaml

from mtcodegen.config import ConfigError, load_config
from mtcodegen.plan import build_plan

NAME = "counts_and_trace"
# Shows the counts and a block trace of the failed test: one of each kind of placeholder, and a trace.
TEMPLATE = "NEW FEEDBACK: {failed_count} of {total} failed.\nTRACE:\n{trace}\nTry again.\n"
DATA = {"trace": "block", "placeholders": ["failed_count", "total", "trace"]}
WRONG = "```python\nprint(0)\n```"  # the first code_contests sample problem adds two numbers: never 0


def add_feedback_type(root, name=NAME, template=TEMPLATE, data=DATA):
    folder = root / "prompts" / "feedback"
    (folder / f"{name}.txt").write_text(template)
    (folder / f"{name}.yaml").write_text(yaml.safe_dump(data))


def cell_config(workflow_copy, feedback=NAME) -> dict:
    (workflow_copy.root / "script.json").write_text(json.dumps({"responses": [WRONG]}))
    # Materializing a local model checks that it holds weights; the scripted backend never reads them.
    (workflow_copy.root / "models" / "tiny" / "model.safetensors").write_bytes(b"never loaded")
    return {
        "datasets": {"cc": {"format": "sandboxfusion_code_contests", "files": {"test": "data/cc.jsonl"},
                            "splits": ["test"], "limit": 1}},
        "models": {"tiny": {"source": {"local": "models/tiny"}, "backend": "scripted",
                            "engine": {"script": "script.json"}}},
        "sampling": {"samples": 1},
        "grid": [{"name": "new_feedback", "models": ["tiny"], "datasets": ["cc/test"], "feedback": [feedback],
                  "turns": [2]}],
        "execution": {"sandbox": "unsafe_local"},  # the scripted program above is ours: trusted
        "metrics": {"pass_at_k": [1], "n_at_k": [[1, 2]], "bootstrap_resamples": 10},
    }


def test_a_new_feedback_type_is_valid_and_hashed_once_its_two_files_exist(workflow_copy):
    root = workflow_copy.root
    config = cell_config(workflow_copy)
    with pytest.raises(ConfigError, match=f"unknown feedback type {NAME!r}; the feedback types .* are: binary, "):
        load_config(config, root=root)

    add_feedback_type(root)
    plan = build_plan(load_config(config, root=root), root=root)
    (cell,) = plan.cells
    files = set(cell.generate.files)
    assert {f"prompts/feedback/{NAME}.txt", f"prompts/feedback/{NAME}.yaml"} <= files
    assert not any("failed_tests" in f for f in files)  # the default type is not read by this cell

    # Its data file decides the cell: changing the trace granularity moves the cell's hash.
    before = cell.generate.hash
    add_feedback_type(root, data={**DATA, "trace": "line"})
    (moved,) = build_plan(load_config(config, root=root), root=root).cells
    assert moved.generate.hash != before

    # A data file that asks for no trace says nothing its template does not: it enters no hash (and the cells of
    # the shipped types without a trace kept their hashes when data files came in).
    add_feedback_type(root, template="{failed_count} of {total} failed.", data={"trace": "none",
                                                                         "placeholders": ["failed_count", "total"]})
    (plain,) = build_plan(load_config(config, root=root), root=root).cells
    assert f"prompts/feedback/{NAME}.yaml" not in plain.generate.files
    (root / "prompts" / "feedback" / f"{NAME}.yaml").write_text("# a comment\n" + yaml.safe_dump(
        {"trace": "none", "placeholders": ["failed_count", "total"]}))
    assert build_plan(load_config(config, root=root), root=root).cells[0].generate.hash == plain.generate.hash

    # An unknown name is refused naming the types found in this copy's prompts/, the new one among them.
    with pytest.raises(ConfigError) as caught:
        load_config(cell_config(workflow_copy, feedback="shouting"), root=root)
    message = str(caught.value)
    assert "config key 'grid.0.feedback.0': unknown feedback type 'shouting'" in message
    assert f"failed_tests, ldb_block, ldb_function, ldb_line, {NAME}" not in message  # sorted, not appended
    assert f"binary, {NAME}, failed_and_passed_tests" in message


@pytest.mark.parametrize("data,template,error", [
    ({"trace": "none", "placeholders": ["failed_count", "total", "trace"]}, TEMPLATE,
     "shows {trace} but asks for no trace"),
    ({"trace": "block", "placeholders": ["failed_count", "total"]}, TEMPLATE,
     "the template uses trace not listed"),
    ({"trace": "statement", "placeholders": ["failed_count", "total", "trace"]}, TEMPLATE,
     "trace 'statement' is not one of: none, line, block, function"),
    ({"trace": "none", "placeholders": ["failed_count", "totl"]}, "{failed_count} of {totl}",
     "unknown placeholder(s) totl"),
    ({"trace": "none"}, "Wrong.", "missing key(s) placeholders"),
])
def test_a_bad_feedback_data_file_is_refused_naming_the_file_and_the_problem(workflow_copy, data, template, error):
    add_feedback_type(workflow_copy.root, template=template, data=data)
    with pytest.raises(ConfigError) as caught:
        load_config(cell_config(workflow_copy), root=workflow_copy.root)
    assert f"{NAME}" in str(caught.value) and error in str(caught.value), str(caught.value)


def test_snakemake_runs_a_cell_of_the_new_feedback_type_through_the_generate_stage(workflow_copy):
    add_feedback_type(workflow_copy.root)
    config = workflow_copy.write_config("new_feedback.yaml", cell_config(workflow_copy))
    (cell_hash,) = workflow_copy.plan(config)["nodes"]["generate"].values()
    target = f"results/generate/{cell_hash}/trajectories.jsonl.gz"
    workflow_copy.snakemake("--configfile", str(config), targets=[target])

    with gzip.open(workflow_copy.root / target, "rt", encoding="utf-8") as handle:
        (record,) = [json.loads(line) for line in handle]
    assert len(record["attempts"]) == 2  # wrong twice: two turns
    feedback = [m["content"] for m in record["messages"] if m["role"] == "user"][1]
    # The test's template, with the counts of the public tests the program fails (it prints 0 and nothing else).
    (problems_hash,) = workflow_copy.plan(config)["nodes"]["problems"].values()
    with gzip.open(workflow_copy.root / f"results/problems/{problems_hash}/problems.jsonl.gz", "rt") as handle:
        problem = min((json.loads(line) for line in handle), key=lambda p: p["id"])
    public = problem["public_tests"]
    failed = sum(1 for t in public if t["output"].strip() != "0")
    assert failed > 0
    assert feedback.split("\n", 1)[0] == f"NEW FEEDBACK: {failed} of {len(public)} failed."
    assert feedback.split("\n")[1] == "TRACE:" and "\nTry again.\n" in feedback
    # The trace its data file asked for: the judge traced the failed test block by block, and the feedback shows it.
    assert record["attempts"][0]["public"]["trace"]["granularity"] == "block"
    assert "[BLOCK-0] line 1\nprint(0)" in feedback
