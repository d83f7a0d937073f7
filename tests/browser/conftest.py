"""Fixtures of the browser tests: small cells made by the real generate and execute stages (scripted model,
our own trusted programs judged without a jail), so that the page reads the contract as the stages write it.

Every expected outcome below follows from the scripts by hand: the problems' tests are written out here and
the scripted answers either pass or fail them, turn by turn.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from mtcodegen.cli import main
from mtcodegen.jsonl import read_jsonl, write_jsonl

SUM = "Let me add them.\n```python\na, b = map(int, input().split())\nprint(a + b)\n```"
PRODUCT = "Let me multiply them.\n```python\na, b = map(int, input().split())\nprint(a * b)\n```"
PROSE = "I would rather explain the idea in words than write any program."
# Untrusted model output: every one of these must show as text and never run.
HOSTILE = ("Here: <script>window.__pwned = 1</script><img src=x onerror=\"window.__pwned = 2\"> & <b>bold</b>\n"
           "```python\nprint('</script><script>window.__pwned = 3</script>')\n```")


def _stdio_problem(pid: str, op, difficulty: str) -> dict:
    def tests(pairs):
        return [{"input": f"{a} {b}\n", "output": f"{op(a, b)}\n"} for a, b in pairs]

    return {"id": pid, "dataset": "toy", "split": "test", "source_format": "toy", "kind": "stdio",
            "statement": f"Read a and b; print the answer ({pid}).", "entry_point": None, "starter_code": "",
            "public_tests": tests([(2, 3), (3, 4)]), "private_tests": tests([(2, 5), (10, 1), (7, 7)]),
            "difficulty": difficulty, "rating": 1300, "time_limit_s": None, "memory_limit_mb": None, "tags": [],
            "checker": "tokens", "reference_solution": None, "source_hash": "0" * 64}


def make_problems(path: Path) -> Path:
    """toy/add: product then sum -> solved at turn 2. toy/mul: product at once -> solved at turn 1.
    toy/sub: neither -> failed (3 attempts). toy/prose (in the second run): no code at all."""
    write_jsonl(path, [
        _stdio_problem("toy/add", lambda a, b: a + b, "A"),
        _stdio_problem("toy/mul", lambda a, b: a * b, "B"),
        _stdio_problem("toy/sub", lambda a, b: a - b, "B"),
        _stdio_problem("toy/prose", lambda a, b: a + b, "C"),
    ])
    return path


def run_cell(root: Path, name: str, problems: Path, scripts: list[tuple[list[str], list[str]]],
             turns: int = 3, samples: int = 2) -> Path:
    """Generate (one run per (problem ids, responses) script) and execute one cell; return its judged file."""
    root.mkdir(parents=True, exist_ok=True)
    all_problems = list(read_jsonl(problems))
    records = []
    for i, (ids, responses) in enumerate(scripts):
        part = root / f"problems{i}.jsonl.gz"
        write_jsonl(part, [p for p in all_problems if p["id"] in ids])
        (root / f"script{i}.json").write_text(json.dumps({"responses": responses}))
        out = root / f"gen{i}.jsonl.gz"
        assert main(["generate", "--problems", str(part), "--out", str(out), "--backend", "scripted",
                     "--script", str(root / f"script{i}.json"), "--sandbox", "unsafe_local", "--turns", str(turns),
                     "--samples", str(samples), "--cell-name", name]) == 0
        records += list(read_jsonl(out))
    generated, judged = root / "generated.jsonl.gz", root / "trajectories.jsonl.gz"
    write_jsonl(generated, records)
    execution = yaml.safe_load((Path(__file__).parents[2] / "config.yaml").read_text())["execution"]
    execution |= {"sandbox": "unsafe_local", "workers": 1}
    assert main(["execute", "--trajectories", str(generated), "--problems", str(problems),
                 "--execution", json.dumps(execution), "--out", str(judged)]) == 0
    return judged


LABEL = {"name": "toy-feedback", "model": "scripted", "dataset": "toy/test", "reasoning": "none",
         "instruction": "none", "feedback": "failed_tests", "turns": 3}


@pytest.fixture(scope="session")
def cells(tmp_path_factory):
    """Two cells over the same problems (the second answers the sum at once), built as peer pages."""
    from mtcodegen.browser.build import build_page

    root = tmp_path_factory.mktemp("browser-cells")
    problems = make_problems(root / "problems.jsonl.gz")
    first = run_cell(root / "first", "toy-feedback", problems,
                     [(["toy/add", "toy/mul", "toy/sub"], [PRODUCT, SUM]), (["toy/prose"], [PROSE])])
    second = run_cell(root / "second", "toy-second", problems,
                      [(["toy/add", "toy/mul", "toy/sub", "toy/prose"], [SUM])], turns=1)
    pages = root / "pages"
    build_page(first, problems, pages / "first", label=LABEL, spec={"cell": "spec <b>of</b> the cell"},
               peers=[{"name": "toy-second", "dir": "../second"}])
    build_page(second, problems, pages / "second", label=LABEL | {"name": "toy-second", "turns": 1},
               peers=[{"name": "toy-feedback", "dir": "../first"}])
    return {"root": root, "problems": problems, "first": first, "second": second,
            "page": pages / "first", "peer_page": pages / "second"}


@pytest.fixture(scope="session")
def hostile_page(tmp_path_factory):
    from mtcodegen.browser.build import build_page

    root = tmp_path_factory.mktemp("browser-hostile")
    problems = make_problems(root / "problems.jsonl.gz")
    judged = run_cell(root / "cell", "<img src=x onerror=window.__pwned=4>", problems,
                      [(["toy/add"], [HOSTILE])], turns=2, samples=1)
    page = root / "page"
    build_page(judged, problems, page, label={"name": "<img src=x onerror=window.__pwned=4>", "turns": 2})
    return page


def read_data(path: Path):
    """A data file's payload: the JSON inside mtcgData(...);"""
    text = Path(path).read_text(encoding="utf-8")
    assert text.startswith("mtcgData(") and text.endswith(");\n"), text[:80]
    return json.loads(text[len("mtcgData("):-len(");\n")])


@pytest.fixture(scope="session")
def kit():
    """The constants and helpers above, for the test modules (pytest's importlib mode cannot import conftest)."""
    return SimpleNamespace(SUM=SUM, PRODUCT=PRODUCT, PROSE=PROSE, HOSTILE=HOSTILE, LABEL=LABEL, read_data=read_data)


@pytest.fixture(scope="session")
def chromium():
    """The headless browser, or a skip saying why (a failure where MTCODEGEN_REQUIRE_CHROMIUM=1, as in CI,
    where scripts/setup.sh installs Debian's chromium)."""
    from mtcodegen.browser.headless import Chromium, find_chromium

    if not find_chromium():
        if os.environ.get("MTCODEGEN_REQUIRE_CHROMIUM") == "1":
            pytest.fail("Chromium is required here (MTCODEGEN_REQUIRE_CHROMIUM=1) but not installed")
        pytest.skip("no Chromium (scripts/setup.sh installs Debian's chromium as root)")
    browser = Chromium()
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory):
    """Screenshots land here; MTCODEGEN_SCREENSHOTS=DIR keeps a copy (to look at them)."""
    out = tmp_path_factory.mktemp("screenshots")
    yield out
    keep = os.environ.get("MTCODEGEN_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        for png in out.glob("*.png"):
            shutil.copyfile(png, Path(keep) / png.name)
