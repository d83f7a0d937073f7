"""One grid cell from problems to trajectories, in resumable shards.

The cell's problems (sorted by id, unjudgeable ones skipped and counted, then the first ``limit``) are cut
into shards of a few problems. The unfinished shards are generated together with trajectories in flight
(scheduler.py: batching is the engine's, not the shard's); each shard is written atomically to
``<out dir>/shards/shard-NNNNN.jsonl.gz`` as soon as its last trajectory finishes, so a rerun after a crash or
``kill -9`` keeps every finished shard and redoes only the rest (at most the trajectories in flight are
lost). At the end the shards are merged, in order, into the cell's trajectories file, ``stats.json`` is
written beside it, and the shards are removed. ``runtime.json`` records what generated them (engine,
version, dtype, CPU/GPU model: the same seed samples differently on another one), one entry per run.

``shards/plan.json`` records what the shards were made from; shards made from anything else are never mixed
in (the rerun stops with an error naming the directory instead).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..jsonl import read_jsonl, write_json, write_jsonl
from ..provenance import canonical_json, digest_bytes, without_speed
from ..problem_order import problem_order
from .backends.base import Backend
from .loop import PublicJudge
from .scheduler import PROGRESS_S, run_cell
from .prompts import PromptLibrary

log = logging.getLogger("mtcodegen.generate")
DEFAULT_SHARD_PROBLEMS = 4


def select_problems(problems: list[dict[str, Any]], limit: int | None) -> tuple[list[dict[str, Any]], list[str]]:
    """(problems to generate for, ids of skipped unjudgeable ones): sorted by id, then the first ``limit``."""
    seen: set[str] = set()
    for p in problems:
        for key in ("id", "kind", "statement", "public_tests"):
            if key not in p:
                raise ValueError(f"problem {p.get('id', '<no id>')!r}: missing field {key!r} (docs/contracts.md §1)")
        if p["id"] in seen:
            raise ValueError(f"problem id {p['id']!r} appears twice in the problems file")
        seen.add(p["id"])
        if not p["public_tests"] and p.get("checker") != "unjudgeable":
            raise ValueError(f"problem {p['id']!r} has no public tests: execution feedback needs at least one")
    ordered = sorted(problems, key=lambda p: problem_order(p["id"]))
    skipped = [p["id"] for p in ordered if p.get("checker") == "unjudgeable"]
    kept = [p for p in ordered if p.get("checker") != "unjudgeable"]
    return (kept[:limit] if limit else kept), skipped


def _shard_ok(path: Path, problem_ids: list[str], samples: int) -> bool:
    try:
        records = list(read_jsonl(path))
    except (OSError, ValueError, EOFError) as err:  # written atomically, so only outside damage gets here
        log.warning("shard %s is unreadable (%s): generating it again", path.name, err)
        return False
    expected = [(pid, s) for pid in problem_ids for s in range(samples)]
    return [(r.get("problem_id"), r.get("sample")) for r in records] == expected


def runtime_record(backend: Backend) -> dict[str, Any]:
    """What generated this run's shards (docs/generation.md "What does not reproduce")."""
    import platform

    from .backends.vllm_backend import device_name

    record = {"backend": backend.name}
    try:
        record.update(backend.describe())
    except Exception as err:  # noqa: BLE001 - a record, never a reason to fail the cell
        record["describe_error"] = repr(err)
    record.setdefault("device", device_name(True))
    record.update(host_cpu=device_name(True), python=platform.python_version(),
                  started=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    try:
        import torch

        record["torch"] = torch.__version__
    except ImportError:
        pass
    return record


def cell_stats(records: list[dict[str, Any]], skipped: list[str], considered: int) -> dict[str, Any]:
    attempts = [a for r in records for a in r["attempts"]]
    return {
        "problems_in_file": considered,
        "problems_skipped_unjudgeable": len(skipped),
        "skipped_ids": skipped,
        "problems": len({r["problem_id"] for r in records}),
        "trajectories": len(records),
        "finish": dict(Counter(r["finish"] for r in records)),
        "public_pass": sum(r["finish"] == "public_pass" for r in records),
        "attempts": len(attempts),
        "extraction": dict(Counter(a["extraction"] for a in attempts)),
        "public_verdicts": dict(Counter(a["public"]["verdict"] for a in attempts)),
        "prompt_tokens": sum(a["prompt_tokens"] for a in attempts),
        "completion_tokens": sum(a["completion_tokens"] for a in attempts),
    }


def generate_cell(
    problems_path: str | Path,
    params: dict[str, Any],
    out: str | Path,
    *,
    backend_factory: Callable[[], Backend],
    judge_factory: Callable[[], PublicJudge],
    cell_hash: str = "",
    cell_name: str = "",
    shard_problems: int = DEFAULT_SHARD_PROBLEMS,
    prompts_root: str | Path | None = None,
    identity: dict[str, Any] | None = None,
    max_in_flight: int | None = None,
    judge_workers: int | None = None,
    progress_s: float = PROGRESS_S,
) -> dict[str, Any]:
    """Generate (or resume) one cell; returns its stats. ``identity`` is what else decides the shards' content
    (the model directory...), recorded in the shards' plan.json. ``max_in_flight``: trajectories live at once
    (default: twice what the engine batches, all of them when unknown); ``judge_workers``: public-test
    programs judged at once beside generation (default: the execution config's workers, else the CPU count)."""
    for key in ("cell", "sampling"):
        if key not in params:
            raise ValueError(f"generate params: missing key {key!r} (expected the generate node's params)")
    cell, sampling = params["cell"], params["sampling"]
    if shard_problems < 1:
        raise ValueError(f"--shard-problems must be at least 1, got {shard_problems}")
    problems_path, out = Path(problems_path), Path(out)
    if not problems_path.is_file():
        raise FileNotFoundError(f"problems file not found: {problems_path}")
    prompts = PromptLibrary(prompts_root).for_cell(cell)  # checks the feedback type's template against its data

    all_problems = list(read_jsonl(problems_path))
    problems, skipped = select_problems(all_problems, cell.get("limit"))
    samples = int(sampling.get("samples", 1))
    shards = [problems[i : i + shard_problems] for i in range(0, len(problems), shard_problems)]
    shard_dir = out.parent / "shards"
    run_plan = {
        # speed-only settings (workers, KV cache...) are not part of the node's hash: shards made under other
        # ones are the same run and are resumed (provenance.SPEED_KEYS)
        "params": digest_bytes(canonical_json(without_speed(params)).encode()),
        "identity": identity or {},
        "problems": [[p["id"] for p in s] for s in shards],
        "samples": samples,
    }
    plan_path = shard_dir / "plan.json"
    resuming = plan_path.exists()
    if resuming:
        previous = json.loads(plan_path.read_text(encoding="utf-8"))
        if previous != run_plan:
            raise ValueError(f"{shard_dir} holds shards of a different run (other params, problems, model or shard"
                             " size); move it away or choose another --out")
    else:
        write_json(plan_path, run_plan)

    backend: Backend | None = None
    judge: PublicJudge | None = None
    started = time.perf_counter()
    path = lambda index: shard_dir / f"shard-{index:05d}.jsonl.gz"  # noqa: E731
    todo = [(i, shard) for i, shard in enumerate(shards)
            if not (path(i).exists() and _shard_ok(path(i), [p["id"] for p in shard], samples))]
    reused, written = len(shards) - len(todo), []
    runtime_path = out.parent / "runtime.json"
    runtime = {"runs": []}
    if resuming and runtime_path.exists():  # the earlier runs whose shards are kept
        runtime = json.loads(runtime_path.read_text(encoding="utf-8"))

    def on_shard(index: int, records: list[dict[str, Any]]) -> None:
        write_jsonl(path(index), records)
        written.append(index)
        log.info("shard %d/%d written: %d trajectories (%d of %d shards to generate done)", index + 1, len(shards),
                 len(records), len(written), len(todo))

    try:
        if todo:  # nothing to load when every shard is already done
            backend, judge = backend_factory(), judge_factory()
            runtime["runs"].append(runtime_record(backend))
            write_json(runtime_path, runtime)
            workers = judge_workers or int((params.get("execution") or {}).get("workers") or 0) or os.cpu_count() or 1
            run_cell(todo, cell=cell, sampling=sampling, prompts=prompts, backend=backend, judge=judge,
                                on_shard=on_shard, cell_hash=cell_hash, cell_name=cell_name,
                                max_in_flight=max_in_flight, judge_workers=workers, progress_s=progress_s)
    finally:
        for resource in (backend, judge):
            close = getattr(resource, "close", None)
            if close:
                close()
    generated = len(written)

    records = [r for i in range(len(shards)) for r in read_jsonl(shard_dir / f"shard-{i:05d}.jsonl.gz")]
    write_jsonl(out, records)
    stats = cell_stats(records, skipped, len(all_problems)) | {
        "shards": len(shards), "shards_reused": reused, "shards_generated": generated,
        "generation_wall_s": round(time.perf_counter() - started, 3),
        "runtime": runtime["runs"],
    }
    write_json(out.parent / "stats.json", stats)
    shutil.rmtree(shard_dir)  # everything is in the merged file now
    log.info("cell %s: %d trajectories (%d public passes) from %d problems, %d unjudgeable skipped; "
             "%d shards reused, %d generated", cell_name or cell_hash, stats["trajectories"], stats["public_pass"],
             stats["problems"], len(skipped), reused, generated)
    return stats
