"""Content addressing: every intermediate lives under a path that is the hash of what determines it.

A node's *specification* holds the stage name, its parameters, the hashes of the nodes it reads, the digests
of the plain files it reads (source data, prompt texts) and a fingerprint of the project code of its stage.
The node's directory is ``results/<stage>/<hash>/`` with ``hash = sha256(canonical JSON of the spec)[:16]``.
Because upstream hashes are part of the spec, a change anywhere propagates down the chain (as in a Merkle
tree), and the same spec always lands on the same path: results are shared across configs and reused after a
revert, and nothing is ever overwritten in place.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import platform
import socket
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from . import __version__
from .jsonl import atomic_path, write_json
from .stages import STAGES

HASH_CHARS = 16
PACKAGE_DIR = Path(__file__).resolve().parent

# Which parts of the package decide each stage's output, from the one list of stages (stages.STAGES). Shared
# helpers are listed explicitly: editing the figure code must not invalidate trajectories that took GPU hours.
_COMMON_CODE = ("__init__.py", "typed_json.py", "jsonl.py", "options.py")
STAGE_CODE: dict[str, tuple[str, ...]] = {stage.name: stage.code for stage in STAGES}


# Settings that change only how fast a job runs, never what it produces (docs/provenance.md, "What is
# hashed"): they travel to the job as Node.options and never enter a hash, so that more judging workers or a
# bigger KV cache find the results already computed. Everything else in a section (time/memory limits,
# sandbox, dtype, max_model_len, seed, model, sampling...) is hashed; a key listed in neither place is hashed
# too (the safe default), and tests/workflow/test_hash_settings.py requires every known key to be classified.
SPEED_KEYS: dict[str, frozenset[str]] = {
    # judging processes: each program runs alone under its own limits whatever the pool size
    "execution": frozenset({"workers"}),
    # engine: threads, memory reserved for the KV cache, batching and parallelism, where a server listens,
    # how patiently a client waits; none chooses a token (batching and parallelism may reorder float sums on a
    # GPU, as a rerun on other hardware would: the seeds, not bitwise logits, are what the spec pins)
    "engine": frozenset({
        "cpu_threads", "kv_cache_gb", "max_num_seqs", "gpu_memory_utilization", "tensor_parallel_size",
        "enforce_eager", "enable_prefix_caching", "enable_chunked_prefill", "max_num_batched_tokens",
        "max_lora_rank", "batch_size", "share_engine",
        "base_url", "api_key_env", "max_concurrency", "timeout_s", "max_retries", "backoff_s",
    }),
}


def without_speed(params: dict[str, Any]) -> dict[str, Any]:
    """A job's params less its speed-only settings: what decides its output (e.g. to tell whether shards left
    by an interrupted run may be resumed under other worker or cache settings)."""
    out = dict(params)
    for section, keys in SPEED_KEYS.items():
        if isinstance(out.get(section), dict):
            out[section] = {k: v for k, v in out[section].items() if k not in keys}
    return out


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def digest_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_FILE_DIGESTS: dict[tuple[str, int, int], str] = {}  # (absolute path, size, mtime_ns) -> sha256


def digest_file(path: str | os.PathLike) -> str:
    """sha256 of a file's bytes, memoized on (path, size, mtime) so that building a large DAG stays cheap."""
    path = Path(path)
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise FileNotFoundError(f"file not found: {path}") from None
    # abspath, not resolve(): no syscall per component, and plans read the same few prompt files thousands of times.
    key = (os.path.abspath(path), stat.st_size, stat.st_mtime_ns)
    if key not in _FILE_DIGESTS:
        sha = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                sha.update(block)
        _FILE_DIGESTS[key] = sha.hexdigest()
    return _FILE_DIGESTS[key]


_CODE_FINGERPRINTS: dict[str, str] = {}


def code_fingerprint(stage: str) -> str:
    """Hash of the source files that implement ``stage`` (plus the shared helpers), by relative path."""
    if stage not in _CODE_FINGERPRINTS:
        parts = STAGE_CODE.get(stage)
        if parts is None:
            raise KeyError(f"no code is registered for stage {stage!r}: add it to mtcodegen.stages.STAGES")
        sha = hashlib.sha256()
        for rel in sorted(set(_COMMON_CODE + parts)):
            target = PACKAGE_DIR / rel
            files = sorted(target.rglob("*.py")) if target.is_dir() else [target]
            for file in files:
                if file.exists():
                    sha.update(str(file.relative_to(PACKAGE_DIR)).encode() + b"\0")
                    sha.update(file.read_bytes() + b"\0")
        _CODE_FINGERPRINTS[stage] = sha.hexdigest()[:HASH_CHARS]
    return _CODE_FINGERPRINTS[stage]


@dataclass(frozen=True)
class Node:
    """One content-addressed artifact of the DAG (a problems file, a model checkpoint, a grid cell...)."""

    stage: str
    name: str  # readable label; not part of the hash, so renaming a config key never recomputes anything
    params: dict[str, Any]
    inputs: dict[str, str] = field(default_factory=dict)  # role -> upstream node hash
    files: dict[str, str] = field(default_factory=dict)  # path -> sha256 of a plain input file
    # Settings that change only how fast the job runs (workers, threads, cache sizes, batch limits...), never
    # what it produces: handed to the job with its params (job_params) but never part of the spec or hash,
    # so that giving a job more workers or a bigger KV cache finds the results it already has (plan.SPEED_KEYS).
    options: dict[str, Any] = field(default_factory=dict, compare=False)

    # Computed once per node: a paper-scale DAG asks for each path many times (input functions, targets).
    # Nodes are never changed after construction, so the cached values cannot go stale.
    @cached_property
    def spec(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "params": self.params,
            "inputs": self.inputs,
            "files": {_portable(path): digest for path, digest in self.files.items()},
            "code": code_fingerprint(self.stage),
        }

    @cached_property
    def hash(self) -> str:
        return digest_bytes(canonical_json(self.spec).encode())[:HASH_CHARS]

    def job_params(self) -> dict[str, Any]:
        """What the job runs with: the hashed params with the speed-only options merged in (nested)."""
        return _merged(self.params, self.options)

    def directory(self, results: str = "results") -> str:
        return f"{results}/{self.stage}/{self.hash}"


def _merged(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        out[key] = _merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _portable(path: str) -> str:
    """File digests are keyed by their path relative to the project, so that clones elsewhere share hashes.

    The digest, not the path, carries the content: two paths to identical bytes differ only in this label.
    """
    return os.path.relpath(path) if os.path.isabs(path) else path


PLAN_FILES = "plan"


def write_plan_file(results: str | os.PathLike, data: Any) -> str:
    """``data`` as JSON at ``<results>/plan/<sha256 of it>.json``, written once (atomically), for a job to read
    what the plan decided instead of rebuilding the plan from the config files: content-addressed, so that
    concurrent plans never overwrite each other's and a job always reads the file its command names."""
    text = canonical_json(data)
    path = Path(results) / PLAN_FILES / f"{digest_bytes(text.encode())[:HASH_CHARS]}.json"
    if not path.exists():
        with atomic_path(path) as tmp:
            Path(tmp).write_text(text + "\n", encoding="utf-8")
    return str(path)


SUPERSEDED = "superseded"


def supersede(directory: str | os.PathLike) -> Path | None:
    """Move a result directory aside to ``<results>/superseded/<stage>/<hash>-<UTC time>/`` (nothing is deleted).

    A job that recomputes a node supersedes the results that were derived from the node's previous output
    (the execute verdicts of regenerated trajectories): Snakemake removes a job's own outputs when it starts,
    but not its readers', and after a crash it never reruns a removed upstream output while the reader's
    output is still there ("Nothing to be done"). Moved aside, the reader's output is missing, so any later
    run that needs it finishes the interrupted work first. ``mtcodegen gc`` lists the superseded copies.
    """
    directory = Path(directory)
    if not directory.is_dir():
        return None
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    target = directory.parent.parent / SUPERSEDED / directory.parent.name / f"{directory.name}-{stamp}"
    for n in itertools.count(1):
        if not target.exists():
            break
        target = target.with_name(f"{directory.name}-{stamp}-{n}")
    target.parent.mkdir(parents=True, exist_ok=True)
    directory.rename(target)
    return target


def write_manifest(path: str | os.PathLike, name: str, spec: dict[str, Any], started: float | None = None) -> None:
    """Record, next to an artifact, what produced it (the readable spec) and digests of what it produced."""
    path = Path(path)
    outputs = {}
    for file in sorted(path.parent.rglob("*")):
        if file.is_file() and file != path and not file.name.startswith("."):
            outputs[str(file.relative_to(path.parent))] = digest_file(file)
    write_json(
        path,
        {
            "name": name,
            "hash": digest_bytes(canonical_json(spec).encode())[:HASH_CHARS],
            "spec": spec,
            "outputs": outputs,
            "mtcodegen_version": __version__,
            "host": socket.gethostname(),
            "platform": platform.platform(),
            "started": started,
            "finished": time.time(),
            # What ran the model (engine, version, dtype, CPU/GPU), where a stage recorded it: the same seed
            # samples differently on another one (docs/generation.md).
            **({"runtime": json.loads((path.parent / "runtime.json").read_text(encoding="utf-8"))}
               if (path.parent / "runtime.json").is_file() else {}),
        },
    )
