"""A plan node as a file: what the workflow writes at plan time for a job, so that the job reads its own node
instead of rebuilding the plan from the config files (docs/provenance.md, "Plan files").

The file is content-addressed (``provenance.write_plan_file``: ``results/plan/<sha256>.json``) and holds the
node's name, its spec and the params it runs with; the reader recomputes the spec's hash and refuses a file that
is not the node the rule names.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .provenance import HASH_CHARS, Node, canonical_json, digest_bytes


@dataclass(frozen=True)
class NodeRecord:
    """A plan node as a job receives it: checked against the hash its rule names."""

    name: str
    spec: dict[str, Any]  # stage, params, inputs, files, code: what the hash is computed from
    job_params: dict[str, Any]  # the params plus the speed-only options

    @property
    def stage(self) -> str:
        return self.spec["stage"]

    @property
    def params(self) -> dict[str, Any]:
        return self.spec["params"]


def node_record(node: Node) -> dict[str, Any]:
    """What a job needs to know of its plan node, for :func:`write_plan_file`: its name and spec (the hashed
    params, inputs, files, code) and the params it runs with (the spec's plus the speed-only options)."""
    return {"name": node.name, "spec": node.spec, "job_params": node.job_params()}


def read_node_file(path: str | os.PathLike, stage: str, expect_hash: str, option: str = "--node-file") -> NodeRecord:
    """A :func:`node_record` file, checked: a ``stage`` node whose spec hashes to ``expect_hash``. A missing
    file, bad JSON, another stage or another hash raise errors that name ``option`` and what was wrong."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{option} file not found: {path}")
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as err:
        raise ValueError(f"{option} file {path} is not JSON ({err})") from None
    keys = {"name", "spec", "job_params"}
    if not isinstance(record, dict) or set(record) != keys or not isinstance(record["spec"], dict):
        raise ValueError(f"{option} file {path}: expected a JSON object with exactly {', '.join(sorted(keys))}")
    if record["spec"].get("stage") != stage:
        raise ValueError(f"{option} file {path} holds a {record['spec'].get('stage')!r} node, not a {stage!r} node")
    found = digest_bytes(canonical_json(record["spec"]).encode())[:HASH_CHARS]
    if found != expect_hash:
        raise ValueError(f"{option} file {path} holds node {found}, not {expect_hash}: the file was edited, or "
                         "it belongs to another plan")
    return NodeRecord(**record)
