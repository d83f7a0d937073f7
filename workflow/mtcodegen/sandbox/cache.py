"""Verdict cache: identical (program, tests, limits, checker) are judged once.

Keys are the sha256 of the canonical JSON of everything that decides a verdict, plus the runner's source
(a fix to the runner must not serve stale verdicts). An in-process LRU sits in front of an optional directory
of one JSON file per key (written atomically, shared between processes and runs).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from ..jsonl import write_json
from ..provenance import canonical_json

_RUNNER_DIGEST = hashlib.sha256(Path(__file__).with_name("runner.py").read_bytes()).hexdigest()


def request_key(request) -> str:
    spec = {
        "program": request.program,
        "kind": request.kind,
        "entry_point": request.entry_point,
        "tests": request.tests,
        "limits": request.limits.as_dict(),
        "checker": request.checker,
        "stop_on_first_failure": request.stop_on_first_failure,
        "trace": request.trace,
        "runner": _RUNNER_DIGEST,
    }
    return hashlib.sha256(canonical_json(spec).encode()).hexdigest()


class VerdictCache:
    def __init__(self, size: int = 4096, directory: str | os.PathLike | None = None):
        self.size = size
        self.directory = Path(directory) if directory else None
        self._entries: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                self.hits += 1
                return self._entries[key]
        if self.directory is not None:
            try:
                verdict = json.loads(self._path(key).read_text())
            except (FileNotFoundError, ValueError):
                verdict = None
            if verdict is not None:
                self._remember(key, verdict)
                with self._lock:
                    self.hits += 1
                return verdict
        with self._lock:
            self.misses += 1
        return None

    def put(self, key: str, verdict: dict[str, Any]) -> None:
        self._remember(key, verdict)
        if self.directory is not None:
            write_json(self._path(key), verdict)

    def _remember(self, key: str, verdict: dict[str, Any]) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._entries[key] = verdict
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
