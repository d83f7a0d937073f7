"""`mtcodegen generate`: one grid cell's multi-turn trajectories (docs/generation.md).

From Snakemake: ``--params`` is the generate node's params from the plan (cell, sampling, engine, execution).
By hand: the flags below build or override the same params, e.g.
``mtcodegen generate --problems P.jsonl.gz --model-dir DIR --out t.jsonl.gz --turns 3 --reasoning explain_io_pairs``.
"""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path
from typing import Any

from ..provenance import canonical_json, digest_bytes
from .stage import DEFAULT_SHARD_PROBLEMS, generate_cell
from ..options import json_option
from .backends.registry import backend_info, names as backend_names
from ..schema import load_schema, section_defaults


def default_params() -> dict[str, Any]:
    """A cell's params when none are given: every default is the config schema's (mtcodegen.schema), the
    grid's first value of each axis, one sample."""
    grid = load_schema()["$defs"]["grid_block"]["properties"]
    cell = {axis: grid[axis]["default"][0] for axis in ("reasoning", "instruction", "feedback", "turns")}
    return {
        "cell": {**cell, "cot_retry": grid["cot_retry"]["default"], "limit": None, "samples": None},
        "sampling": {"samples": 1, **section_defaults("sampling")},  # samples: required in a config
        "engine": {"backend": _default_backend()},
        # The loop runs every public test: the private judging's early stop is not a generate setting.
        "execution": {k: v for k, v in section_defaults("execution").items() if k != "stop_private_at_first_failure"},
    }


def _default_backend() -> str:
    return load_schema()["properties"]["models"]["additionalProperties"]["properties"]["backend"]["default"]


_CELL_FLAGS = ("reasoning", "instruction", "feedback", "turns", "cot_retry", "limit")
_SAMPLING_FLAGS = ("samples", "temperature", "top_p", "max_tokens", "seed")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--problems", required=True, help="problems file (docs/contracts.md §1)")
    parser.add_argument("--model-dir", help="checkpoint directory handed to the backend")
    parser.add_argument("--out", required=True, help="trajectories file to write (.jsonl.gz)")
    parser.add_argument("--params", help="the generate node's params as JSON (or @file.json)")
    parser.add_argument("--cell-hash", default="", help="generate node hash recorded in every trajectory")
    parser.add_argument("--cell-name", default="", help="readable cell name recorded in every trajectory")
    parser.add_argument("--shard-problems", type=int, default=DEFAULT_SHARD_PROBLEMS,
                        help="problems per resumable shard (the unit of resume, not of batching)")
    parser.add_argument("--max-in-flight", type=int, default=0,
                        help="trajectories generated at once (default 0: twice what the engine batches)")
    parser.add_argument("--prompts-dir", help="prompt directory (default: the project's prompts/)")
    parser.add_argument("--engine-dir", help="where the model's shared engine is registered (the workflow: "
                        "results/engines): a vllm cell whose engine.share_engine is not false leases the model's "
                        "one running engine there, starting it if none runs; without it the cell starts its own")
    cell = parser.add_argument_group("cell (override --params)")
    cell.add_argument("--reasoning", help="reasoning prompt name(s), 'a+b' to stack, 'none'")
    cell.add_argument("--instruction", help="instruction prompt name(s) or 'none'")
    cell.add_argument("--feedback", help="feedback type: prompts/feedback/<type>.txt with its <type>.yaml")
    cell.add_argument("--turns", type=int, help="maximum attempts")
    cell.add_argument("--cot-retry", action=argparse.BooleanOptionalAction, default=None,
                      help="turn 1 plain, CoT prompts after failures (prompts/cot_retry.yaml)")
    cell.add_argument("--limit", type=int, help="only the first N problems by id")
    sampling = parser.add_argument_group("sampling (override --params)")
    sampling.add_argument("--samples", type=int)
    sampling.add_argument("--temperature", type=float)
    sampling.add_argument("--top-p", type=float)
    sampling.add_argument("--max-tokens", type=int)
    sampling.add_argument("--seed", type=int)
    engine = parser.add_argument_group("engine (override --params)")
    engine.add_argument("--backend", choices=backend_names(), help="a generation backend (backends/registry.py)")
    engine.add_argument("--script", help="scripted backend: JSON file with a `responses` list")
    engine.add_argument("--sandbox", choices=["nsjail", "unsafe_local"], help="how public tests run")


def build_params(args: argparse.Namespace) -> dict[str, Any]:
    params = default_params()
    if args.params:
        text = args.params
        if text.startswith("@"):
            path = Path(text[1:])
            if not path.is_file():
                raise FileNotFoundError(f"--params file not found: {path}")
            text = path.read_text(encoding="utf-8")
        given = json_option(text, "--params", what="a JSON object with cell, sampling, engine, execution")
        for key, value in given.items():
            params[key] = {**params.get(key, {}), **value} if isinstance(value, dict) else value
    for flag in _CELL_FLAGS:
        if getattr(args, flag) is not None:
            params["cell"][flag] = getattr(args, flag)
    for flag in _SAMPLING_FLAGS:
        if getattr(args, flag) is not None:
            params["sampling"][flag] = getattr(args, flag)
    if params["cell"].get("samples"):  # a block's own sample count wins (plan.py puts it in sampling too)
        params["sampling"]["samples"] = params["cell"]["samples"]
    if args.backend:
        params["engine"] = {"backend": args.backend}
    if args.script:
        params["engine"]["script"] = args.script
    if args.sandbox:
        params["execution"]["sandbox"] = args.sandbox
    for key, minimum in (("turns", 1),):
        if int(params["cell"][key]) < minimum:
            raise ValueError(f"cell {key} must be at least {minimum}, got {params['cell'][key]}")
    if int(params["sampling"]["samples"]) < 1:
        raise ValueError(f"sampling samples must be at least 1, got {params['sampling']['samples']}")
    return params


def shared_backend(model_dir: str, engine: dict[str, Any], engine_dir: str):
    """The cell's vllm engine as a lease on the model's shared server (backends/engine_server.py)."""
    from .backends.engine_options import adapter_base, check_engine
    from .backends.engine_server import acquire
    from .backends.served import ServedVLLMBackend

    _, options = check_engine(dict(engine))
    options.pop("share_engine", None)
    model = Path(model_dir)
    if not model.is_dir():
        raise FileNotFoundError(f"model directory not found: {model_dir}")
    base = adapter_base(model)
    lease = acquire(engine_dir, base or model, options, lora=model if base else None)
    try:
        return ServedVLLMBackend(lease, tokenizer_dir=base or model)
    except BaseException:
        lease.release()
        raise


def uses_shared_engine(engine: dict[str, Any], engine_dir: str | None) -> bool:
    """Whether a cell leases the model's shared engine: a vllm cell, given an engine directory, unless its model
    says ``share_engine: false`` (a speed setting: the records are the same either way)."""
    return bool(engine_dir) and engine.get("backend", "vllm") == "vllm" and engine.get("share_engine", True) is not False


def make_backend(model_dir: str | None, engine: dict[str, Any], engine_dir: str | None = None):
    if uses_shared_engine(engine, engine_dir):
        if not model_dir:
            raise ValueError("--model-dir is required for the 'vllm' backend")
        return shared_backend(model_dir, engine, engine_dir)
    engine = {k: v for k, v in engine.items() if k != "share_engine"}
    from .backends import load_backend

    info = backend_info(engine.get("backend", "vllm"))  # an unknown one is named with the discovered ones
    if info.needs_model_dir:
        if not model_dir:
            raise ValueError(f"--model-dir is required for the {info.name!r} backend")
        if not Path(model_dir).is_dir():
            raise FileNotFoundError(f"model directory not found: {model_dir}")
    return load_backend(model_dir, engine)


def write_skipped_cell(out: str, skip: dict[str, Any]) -> None:
    """A valid, empty cell for a model that was never made (its finetune had no data): the reason travels on."""
    from ..jsonl import write_json, write_jsonl

    write_jsonl(out, [])
    write_json(Path(out).parent / "stats.json", {"trajectories": 0, "problems": 0, "skipped": skip})
    logging.getLogger("mtcodegen.generate").warning("cell skipped: %s", skip["reason"])


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    params = build_params(args)
    from ..skipped import read_skip

    skip = read_skip(args.model_dir)
    if skip:
        write_skipped_cell(args.out, skip)
        return 0
    from .judging import SandboxPublicJudge

    identity = {"model_dir": os.path.abspath(args.model_dir) if args.model_dir else None,
                "problems": os.path.abspath(args.problems)}
    generate_cell(
        args.problems,
        params,
        args.out,
        backend_factory=lambda: make_backend(args.model_dir, params["engine"], args.engine_dir),
        judge_factory=lambda: SandboxPublicJudge(params["execution"]),
        cell_hash=args.cell_hash or digest_bytes(canonical_json(params).encode())[:16],
        cell_name=args.cell_name,
        shard_problems=args.shard_problems,
        prompts_root=args.prompts_dir,
        identity=identity,
        max_in_flight=args.max_in_flight or None,
    )
    return 0
