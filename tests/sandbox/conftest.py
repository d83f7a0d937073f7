"""Fixtures of the sandbox tests: one nsjail Judge per session (skipped with the reason where nsjail can't run)."""

from __future__ import annotations

import pytest

from mtcodegen.sandbox import Judge, SandboxUnavailable


@pytest.fixture(scope="session")
def judge(sandbox_unavailable):
    try:
        instance = Judge(mode="nsjail", workers=2)
    except SandboxUnavailable as err:
        sandbox_unavailable(err)
    with instance:
        yield instance
