"""The `browser` rule itself, in a private copy of the workflow (tests/workflow/workflow_copy.py): the data stage
runs for real, one cell's generate and execute outputs are made by the real CLIs with a scripted model at the
plan's paths, and Snakemake then has only the browser job to run. Its page names the cell, shows the generate
manifest's spec, and offers the other cells over the same split (names with '=' in them) side by side."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow"))
from workflow_copy import TINY_CONFIG, make_copy  # noqa: E402

pytestmark = pytest.mark.timeout(900)
SCRIPT = {"responses": ["```python\ndef f():\n    return 1\n```", "Fixed:\n```python\ndef f():\n    return 2\n```"]}


@pytest.fixture(scope="module")
def built(tmp_path_factory, shared_data):
    copy = make_copy(tmp_path_factory.mktemp("browser-rule"), shared_data)
    config = copy.write_config("tiny.yaml", TINY_CONFIG)
    script = textwrap_plan(copy.root, config)
    info = json.loads(subprocess.run([sys.executable, "-c", script], cwd=copy.root, env=copy.env, check=True,
                                     capture_output=True, text=True, timeout=300).stdout)
    copy.snakemake("--configfile", str(config), targets=[info["problems"]])
    root = copy.root
    (root / info["model"]).mkdir(parents=True)
    (root / info["model"] / "config.json").write_text("{}\n")
    (root / "script.json").write_text(json.dumps(SCRIPT))
    gen, exe = root / info["generate"], root / info["execute"]
    cli = [sys.executable, "-m", "mtcodegen.cli"]
    subprocess.run(cli + ["--manifest", str(gen / "manifest.json"), "--spec", json.dumps({"cell": "the spec"}),
                          "--name", info["name"], "generate", "--problems", info["problems"], "--out",
                          str(gen / "trajectories.jsonl.gz"), "--backend", "scripted", "--script", "script.json",
                          "--sandbox", "unsafe_local", "--turns", "3", "--limit", "2", "--cell-name", info["name"]],
                   cwd=root, env=copy.env, check=True, capture_output=True, timeout=300)
    (gen / "stats.json").write_text("{}\n")
    subprocess.run(cli + ["--manifest", str(exe / "manifest.json"), "--spec", "{}", "--name", info["name"],
                          "execute", "--trajectories", str(gen / "trajectories.jsonl.gz"), "--problems",
                          info["problems"], "--execution", json.dumps({"sandbox": "unsafe_local", "workers": 1}),
                          "--out", str(exe / "trajectories.jsonl.gz")],
                   cwd=root, env=copy.env, check=True, capture_output=True, timeout=300)
    target = f"results/browser/{info['page']}"
    assert copy.planned_jobs("--configfile", str(config), targets=[target]) == {"browser": 1}
    copy.snakemake("--configfile", str(config), targets=[target])
    return root / target, info


def textwrap_plan(root: Path, config: Path) -> str:
    return (
        "import json\n"
        "from mtcodegen.config import load_config\n"
        "from mtcodegen.plan import build_plan\n"
        "from mtcodegen.browser.pages import plan_pages\n"
        f"plan = build_plan(load_config({str(config)!r}, root={str(root)!r}), root={str(root)!r})\n"
        "page = next(p for p in plan_pages(plan).values() if p.label['dataset'] == 'mbpp/test'"
        " and p.label['turns'] == 3 and p.label['reasoning'] == 'none' and p.label['instruction'] == 'none')\n"
        "up = plan.nodes.get('problems', {}).get(page.execute.inputs['problems'])"
        " or plan.node('partition', page.execute.inputs['problems'])\n"
        "print(json.dumps({'page': page.hash, 'name': page.name, 'peers': page.peers,"
        " 'problems': plan.path(up, 'problems.jsonl.gz'), 'generate': plan.path(page.generate),"
        " 'execute': plan.path(page.execute),"
        " 'model': plan.path(plan.node('model', page.generate.inputs['model']), 'checkpoint')}))\n"
    )


def test_the_rule_builds_the_page_of_its_cell(built, kit):
    page, info = built
    index = kit.read_data(page / "data" / "index.js")
    assert index["label"]["name"] == info["name"] and index["spec"] == {"cell": "the spec"}
    assert len(index["problems"]) == 2 and all(p["outcomes"] == [0] for p in index["problems"])  # no f() asked
    # The other mbpp/test cells of the tiny grid (2 reasoning x 2 instruction x 2 turns, less this one).
    assert len(index["peers"]) == 7 and {p["name"] for p in index["peers"]} == {n for n, _ in info["peers"]}
    assert all(p["dir"] == f"../{h}" for p, (_, h) in zip(index["peers"], info["peers"]))
    assert (page / "outcomes.csv").is_file() and (page / "assets" / "highlight.min.js").is_file()


def test_the_rules_page_opens(chromium, built):
    page, info = built
    chromium.open(page / "index.html", "p=0&s=0")
    assert chromium.wait_for("document.body.dataset.state !== 'loading' && document.body.dataset.state") == "ready"
    assert chromium.wait_for("document.body.dataset.trajectory !== 'loading' && document.body.dataset.trajectory") == "0:0"
    options = chromium.evaluate("Array.from(document.querySelectorAll('#f-compare option')).map(o => o.textContent)")
    assert options == ["none"] + [n for n, _ in info["peers"]]
    # "def f ( ) : return 1" -> "... return 2": 6 of 7 tokens kept, 2 * 6 / 14; then the same program again.
    assert chromium.evaluate("Array.from(document.querySelectorAll('#column-main .diff .similarity'))"
                             ".map(s => s.textContent)") == ["0.857", "1.000"]
