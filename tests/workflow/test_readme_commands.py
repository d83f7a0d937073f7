"""The README's "Running parts" commands work as written: from the project folder, with the virtualenv neither
activated nor on PATH, in a copy of the project that has no ../shared beside it (a user's clone never has).

The commands are read from README.md itself, so that the README and this test cannot drift apart. The SLURM
line runs as a dry run (no cluster here); every other line runs for real.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from workflow_copy import COPIED, copy_project  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parents[2]
VENV = Path(sys.executable).parent.parent


def readme_commands() -> list[str]:
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Running parts", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    return [line.split("   #")[0].split("  #")[0].strip() for line in block.splitlines() if line.strip()]


def project_copy(base: Path) -> Path:
    root = copy_project(base / "clone", (*COPIED, "data", "README.md"))
    (root / ".venv").symlink_to(VENV)
    assert not (base / "shared").exists()
    return root


def bare_env() -> dict[str, str]:
    """The user's shell before anything is activated: no venv on PATH, no PYTHONPATH, no profile."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "SNAKEMAKE_PROFILE")}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "/usr/bin:/bin").split(os.pathsep)
                                  if Path(p).resolve() != (VENV / "bin").resolve())
    env["HF_HUB_OFFLINE"] = "1"
    return env


def test_the_readme_lists_the_commands_this_test_runs():
    commands = readme_commands()
    assert any(c.startswith(".venv/bin/snakemake --cores") for c in commands), "no command that runs a real job"
    assert all(c.startswith((".venv/bin/", "printf ")) for c in commands), commands


@pytest.mark.slow
def test_every_running_parts_command_works_as_written(tmp_path):
    root = project_copy(tmp_path)
    env = bare_env()
    assert shutil.which("mtcodegen", path=env["PATH"]) is None or "mtcodegen" not in str(VENV)
    for command in readme_commands():
        if "--profile profiles/slurm" in command:
            command += " -n"  # no cluster here: the profile and the executor plugin must still load and plan
        proc = subprocess.run(command, shell=True, cwd=root, env=env, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, f"{command!r} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        if command.startswith(".venv/bin/mtcodegen judge"):
            assert json.loads(proc.stdout)["verdict"] == "AC"
        if command.startswith(".venv/bin/snakemake --cores all data"):
            reports = list((root / "results" / "problems").glob("*/report.json"))
            assert len(reports) == 3  # mbpp test, mbpp train, humaneval test: each prepared by a real job
