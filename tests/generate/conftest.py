from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # generate_fakes.py, for --import-mode=importlib

from mtcodegen.generate.prompts import PromptLibrary  # noqa: E402


@pytest.fixture(scope="session")
def library() -> PromptLibrary:
    return PromptLibrary()


def cell(**overrides) -> dict:
    base = {"reasoning": "none", "instruction": "none", "feedback": "failed_tests", "turns": 1,
            "cot_retry": False, "limit": None, "samples": None}
    return base | overrides


@pytest.fixture
def make_cell():
    return cell
