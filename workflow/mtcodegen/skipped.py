"""Stages that legitimately have nothing to do record why, instead of failing the run (docs/rft.md).

When the RFT data is empty (no trajectory of the generator cell passed every test), the finetune stage writes
a model directory that holds only ``SKIPPED.json`` with the reason; the generate stage, handed such a model,
writes a valid empty trajectories file whose stats carry the same reason; execute, metrics, figures and the
report then show those cells as skipped. The rest of the run goes on and ends with exit 0.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

MARKER = "SKIPPED.json"


def write_skip(directory: str | Path, *, stage: str, reason: str, **details: Any) -> dict[str, Any]:
    """Record in ``directory`` that ``stage`` did nothing, and why; return the record."""
    from .jsonl import write_json

    record = {"skipped": True, "stage": stage, "reason": reason, **details}
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    write_json(directory / MARKER, record)
    return record


def read_skip(directory: str | Path | None) -> dict[str, Any] | None:
    """The skip record of ``directory``, or None when the stage that made it did its work."""
    if not directory:
        return None
    path = Path(directory) / MARKER
    if not path.is_file():
        return None
    record = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(record, dict) or not record.get("skipped"):
        raise ValueError(f"{path}: not a skip record (expected a JSON object with skipped: true)")
    return record
