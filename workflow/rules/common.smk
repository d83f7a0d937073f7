# Shared by every stage: config validation, the content-addressed plan, and the get_* input helpers.
import json
import os
import shlex
import shutil
import sys
from argparse import Namespace

from snakemake.utils import validate

sys.path.insert(0, str(Path(workflow.basedir) / "workflow"))


# The rules call `mtcodegen`, installed beside the interpreter that runs Snakemake (.venv/bin). Where no
# `mtcodegen` is on PATH, put that folder on the jobs' PATH, so that `.venv/bin/snakemake ...` works without
# activating the venv (README, "Running parts"). A PATH that already provides one is left as it is (an
# activated env, a test's stand-in command). Under --software-deployment-method conda, each job's activated
# env still comes first, and on a cluster the job's own Snakemake re-reads this file with the same interpreter.
envvars:
    "PATH",


if shutil.which("mtcodegen") is None:
    os.environ["PATH"] = os.pathsep.join(
        [str(Path(sys.executable).parent), os.environ["PATH"]]
    )

from mtcodegen.config import ConfigError, load_config
from mtcodegen.plan import build_plan
from mtcodegen.node_files import node_record
from mtcodegen.provenance import write_plan_file

# Our own check first: its messages name the config key; then Snakemake's, which records the defaults.
try:
    load_config(config, root=workflow.basedir)
except ConfigError as err:
    raise ValueError(f"invalid config:\n{err}") from None
validate(config, schema="../schemas/config.schema.yaml")

PLAN = build_plan(config, root=workflow.basedir)
RESULTS = config["results_dir"]
HASH = "[0-9a-f]{16}"
# The index of this plan is content-addressed too (a new plan writes a new file, results/index.tsv is a copy
# of the latest), so that it stays right under rerun-triggers that ignore params (profiles/default).
INDEX_FILE = f"{RESULTS}/index/{PLAN.index_hash()}.tsv"


# Everything a job reads from the project (dataset files, prompts, a local model, the download cache) comes
# from here, the workflow's own directory, never from the working directory or the package's location: under
# `snakemake -d elsewhere` results go to `elsewhere`, and the project's files are still found
# (tests/workflow/test_workdir.py). The config's relative paths are relative to this directory.
PROJECT_DIR = os.path.abspath(workflow.basedir)
PROMPTS_DIR = os.path.join(PROJECT_DIR, "prompts")
MODEL_CACHE_DIR = os.path.join(PROJECT_DIR, ".cache", "pypi-models")


def project_file(path):
    """A project file (relative to the workflow's directory) as a job's input: relative to the working
    directory when below it (so that the input sets Snakemake recorded in the project itself stay the same),
    absolute otherwise (`-d elsewhere`)."""
    full = os.path.join(PROJECT_DIR, path)
    here = os.path.abspath(os.curdir)
    return os.path.relpath(full, here) if full.startswith(here + os.sep) else full


def get_project_inputs(stage):
    """Input function: the plain project files a node reads (dataset files, prompt texts; their digests are
    already part of its hash), so that editing one reruns exactly the nodes that read it.
    """
    return lambda wildcards: sorted(
        project_file(f) for f in PLAN.node(stage, wildcards.hash).files
    )


def get_node_file(stage):
    """Params function: the job's node (name, spec, job params) written to results/plan/<digest>.json at
    plan time; the command reads that file instead of rebuilding the plan from the config files.
    """
    return lambda wildcards: write_plan_file(
        RESULTS, node_record(PLAN.node(stage, wildcards.hash))
    )


def node(stage):
    """Input function: the plan node of the job's hash."""
    return lambda wildcards: PLAN.node(stage, wildcards.hash)


def node_param(stage, *keys):
    """Input function: one value of the job's node params (nested keys)."""

    def get(wildcards):
        value = PLAN.node(stage, wildcards.hash).params
        for key in keys:
            value = value[key]
        return value

    return get


def node_spec_json(stage):
    """The node's full specification, recorded in its manifest."""
    return lambda wildcards: json.dumps(
        PLAN.node(stage, wildcards.hash).spec, sort_keys=True
    )


# upstream hash -> the nodes that read it (for get_supersedes)
READERS = {}
for _nodes in PLAN.nodes.values():
    for _reader in _nodes.values():
        for _upstream in _reader.inputs.values():
            READERS.setdefault(_upstream, []).append(_reader)


def get_supersedes(stage):
    """Params function: `--supersedes DIR` for each node that reads the job's node. A job that recomputes its
    node moves its readers' older results aside first (provenance.supersede), so that after a crash a rerun
    finishes the interrupted work instead of answering from a result of the previous output.
    """

    def get(wildcards):
        PLAN.node(stage, wildcards.hash)  # a hash of this stage, or a clear error
        return " ".join(
            f"--supersedes {shlex.quote(PLAN.path(reader))}"
            for reader in READERS.get(wildcards.hash, ())
        )

    return get


def node_name(stage):
    return lambda wildcards: PLAN.node(stage, wildcards.hash).name


def input_path(stage, role, upstream_stage, *parts):
    """Input function: the file ``parts`` of the upstream node that the job's node reads as ``role``."""

    def get(wildcards):
        upstream = PLAN.node(
            upstream_stage, PLAN.node(stage, wildcards.hash).inputs[role]
        )
        return PLAN.path(upstream, *parts)

    return get


def get_problems_file(ref):
    """Path of the problems file of a "dataset/split" reference (prepared or partitioned)."""
    return PLAN.path(PLAN.problems_by_ref[ref], "problems.jsonl.gz")


def get_upstream_problems(stage, role="problems"):
    """Input function: the problems file a node reads, whichever stage produced it."""

    def get(wildcards):
        hash_ = PLAN.node(stage, wildcards.hash).inputs[role]
        upstream = (
            PLAN.nodes.get("problems", {}).get(hash_)
            or PLAN.nodes.get("rft_problems", {}).get(hash_)
            or PLAN.node("partition", hash_)
        )
        return PLAN.path(upstream, "problems.jsonl.gz")

    return get


def get_final_outputs():
    """What a plain `snakemake` builds (the `all` target): every problems file and the results index, plus what later
    stages add to FINAL_OUTPUTS."""
    outputs = [get_problems_file(ref) for ref in sorted(PLAN.problems_by_ref)]
    return outputs + FINAL_OUTPUTS + [INDEX_FILE]


# Stage files append their end products here (trajectories, figures, the report).
FINAL_OUTPUTS = []


def get_model_dir(stage, role="model"):
    """Input function: the checkpoint directory of the model a node uses: a materialized base model
    (results/model/<h>/checkpoint) or a finetuned one (results/finetune/<h>/model)."""

    def get(wildcards):
        hash_ = PLAN.node(stage, wildcards.hash).inputs[role]
        if hash_ in PLAN.nodes.get("model", {}):
            return PLAN.path(PLAN.node("model", hash_), "checkpoint")
        return PLAN.path(PLAN.node("finetune", hash_), "model")

    return get


def get_generate_prompt_files(wildcards):
    """Input function: the prompt files a generate cell reads (already in its hash): editing one reruns
    exactly the cells that read it."""
    return get_project_inputs("generate")(wildcards)


def get_metrics_cell_files(kind):
    """Input function of the metrics rule: per cell of its node, in the node's order, the execute-stage
    trajectories (kind "trajectories") or the problems file the cell was judged on (kind "problems").
    """

    def get(wildcards):
        node = PLAN.node("metrics", wildcards.hash)
        executes = [
            PLAN.node("execute", node.inputs[role]) for role in sorted(node.inputs)
        ]
        if kind == "trajectories":
            return [PLAN.path(e, "trajectories.jsonl.gz") for e in executes]
        return [
            PLAN.path(
                PLAN.nodes.get("problems", {}).get(e.inputs["problems"])
                or PLAN.node("partition", e.inputs["problems"]),
                "problems.jsonl.gz",
            )
            for e in executes
        ]

    return get


def get_metrics_dir(wildcards=None):
    """The metrics tables directory of this config's evaluation cells (what every figure reads)."""
    return PLAN.path(PLAN.metrics)


def _rft_eval_files(wildcards, stage="rft_data"):
    """Evaluation split ("dataset/split") -> its problems file, for each split a node of ``stage`` (rft_data,
    rft_problems) decontaminates against."""
    inputs = PLAN.node(stage, wildcards.hash).inputs
    refs = [r.removeprefix("eval:") for r in sorted(inputs) if r.startswith("eval:")]
    return {ref: get_problems_file(ref) for ref in refs}


def get_rft_train_problems(wildcards):
    """Input function: the problems file the RFT generator cell ran on."""
    execute = PLAN.node(
        "execute", PLAN.node("rft_data", wildcards.hash).inputs["trajectories"]
    )
    return get_upstream_problems("execute")(Namespace(hash=execute.hash))


def get_rft_eval_problems(wildcards):
    """Input function: the problems files of the evaluation splits to decontaminate against."""
    return list(_rft_eval_files(wildcards).values())


def get_rft_eval_args(wildcards, stage="rft_data"):
    """Params function: the rft-data (or rft-problems) `--eval DATASET/SPLIT=PATH` options."""
    return " ".join(
        f"--eval {shlex.quote(f'{ref}={path}')}"
        for ref, path in _rft_eval_files(wildcards, stage).items()
    )


def get_rft_problems_eval_problems(wildcards):
    """Input function: the evaluation splits an rft_problems node decontaminates against."""
    return list(_rft_eval_files(wildcards, "rft_problems").values())


def get_finetune_loss_curves(wildcards=None):
    """Input function: finetune name -> its loss.csv, for the RFT loss figure."""
    return {
        name: PLAN.path(n, "loss.csv") for name, n in sorted(PLAN.finetunes.items())
    }


def get_browser_page(wildcards):
    """The trajectory browser page (cell, peers) of a browser hash (BROWSER_PAGES: browser.smk)."""
    try:
        return BROWSER_PAGES[wildcards.hash]
    except KeyError:
        raise KeyError(
            f"no trajectory browser page {wildcards.hash} in this config's plan"
        ) from None


def get_browser_input(kind):
    """Input function: the page's execute-stage trajectories, problems file or generate manifest."""

    def get(wildcards):
        page = get_browser_page(wildcards)
        if kind == "trajectories":
            return PLAN.path(page.execute, "trajectories.jsonl.gz")
        if kind == "manifest":
            return PLAN.path(page.generate, "manifest.json")
        return get_upstream_problems("execute")(Namespace(hash=page.execute.hash))

    return get
