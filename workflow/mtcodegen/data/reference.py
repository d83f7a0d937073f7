"""Running trusted dataset code (reference solutions and the sources' own checks) outside this process.

Reference solutions are dataset code, not model output, but they are still run in a separate Python process
with a timeout and a memory cap, never in the pipeline's own process: a solution that loops, exits, or
changes global state must not take data preparation down with it.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from .. import typed_json

DEFAULT_TIMEOUT_S = 60.0
MEMORY_CAP_BYTES = 4 << 30
_PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])


class ReferenceFailure(RuntimeError):
    """The reference code failed (raised, timed out, returned something not storable)."""


class ReferenceTimeout(ReferenceFailure):
    """The reference code did not finish within the timeout (a reference that never ends)."""


def _limit_memory():  # runs in the child before exec
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP_BYTES, MEMORY_CAP_BYTES))


def _run(request: dict[str, Any], timeout_s: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="mtcodegen-ref-") as tmp:
        request_path, result_path = Path(tmp, "request.json"), Path(tmp, "result.json")
        request_path.write_text(json.dumps(request), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": _PACKAGE_PARENT, "PYTHONHASHSEED": "0"}
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "mtcodegen.data._reference_worker", str(request_path), str(result_path)],
                cwd=tmp, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE, timeout=timeout_s, preexec_fn=_limit_memory,
            )
        except subprocess.TimeoutExpired:
            raise ReferenceTimeout(f"timed out after {timeout_s:g} s") from None
        if not result_path.exists():
            tail = proc.stderr.decode(errors="replace").strip().splitlines()[-1:] or [f"exit status {proc.returncode}"]
            raise ReferenceFailure(f"the reference process died: {tail[0][:300]}")
        result = json.loads(result_path.read_text(encoding="utf-8"))
    if "error" in result:
        raise ReferenceFailure(result["error"])
    return result


def call_reference(code: str, entry_point: str, calls: list[tuple[list, dict]],
                   timeout_s: float | None = None) -> list[Any]:
    """Return the reference's result for each (args, kwargs). ``timeout_s``: default DEFAULT_TIMEOUT_S."""
    if not calls:
        return []
    timeout_s = DEFAULT_TIMEOUT_S if timeout_s is None else timeout_s
    request = {"code": code, "entry_point": entry_point,
               "calls": typed_json.encode([[list(a), dict(k)] for a, k in calls])}
    try:
        return typed_json.decode(_run(request, timeout_s)["results"])
    except TypeError as err:  # the worker could not encode a result
        raise ReferenceFailure(str(err)) from None


def record_check(code: str, entry_point: str, test_code: str, check_function: str | None = None,
                 timeout_s: float | None = None) -> list[tuple[list, dict, Any]]:
    """Run the source's own check against the reference and return every top-level call it made:
    (args, kwargs, the reference's result). The check's asserts must pass, so a broken row is caught here."""
    request = {"code": code, "entry_point": entry_point, "test_code": test_code, "check_function": check_function}
    timeout_s = DEFAULT_TIMEOUT_S if timeout_s is None else timeout_s
    return [tuple(c) for c in typed_json.decode(_run(request, timeout_s)["calls"])]
