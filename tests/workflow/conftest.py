"""Fixtures: a private copy of the workflow per test (workflow_copy.py) and a tiny config inside it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from workflow_copy import TINY_CONFIG, WorkflowCopy, make_copy  # noqa: E402


@pytest.fixture
def workflow_copy(tmp_path, shared_data) -> WorkflowCopy:
    return make_copy(tmp_path, shared_data)


@pytest.fixture
def tiny_config(workflow_copy) -> Path:
    return workflow_copy.write_config("tiny.yaml", TINY_CONFIG)
