"""The report links the page: a workflow with the browser rule's report entry (its caption file, category and
link) runs `mtcodegen browse`, `snakemake --report results/report.html` writes the report, and in Chromium the
caption's link opens the page from the file system."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(600)


def test_rule_declares_what_this_test_uses():
    rule = (ROOT / "workflow" / "rules" / "browser.smk").read_text()
    for needle in ('caption="../report/browser.rst"', 'category="6. Trajectories"', 'patterns=["{table}.csv"]',
                   'link=lambda wildcards: f"browser/{wildcards.hash}/index.html"',
                   'directory(f"{RESULTS}/browser/{{hash}}")'):
        assert needle in rule, needle


@pytest.fixture(scope="module")
def report(cells, tmp_path_factory):
    root = tmp_path_factory.mktemp("report-workflow")
    caption = ROOT / "workflow" / "report" / "browser.rst"
    (root / "workflow.rst").write_text("Browser report test.\n")
    (root / "Snakefile").write_text(textwrap.dedent(f"""
        report: "workflow.rst"

        rule all:
            input: "results/browser/0123456789abcdef"

        rule browser:
            input: trajectories="{cells['first']}", problems="{cells['problems']}"
            output:
                page=report(directory("results/browser/{{hash}}"), patterns=["{{table}}.csv"],
                            caption="{caption}", category="6. Trajectories",
                            labels=lambda wildcards: {{"cell": "toy-feedback", "table": wildcards.table}})
            params: name="toy-feedback", link=lambda wildcards: f"browser/{{wildcards.hash}}/index.html"
            shell: "{sys.executable} -m mtcodegen.cli browse --trajectories {{input.trajectories}}"
                   " --problems {{input.problems}} --out-dir {{output.page}}"
    """))
    snakemake = [sys.executable, "-m", "snakemake", "--cores", "1", "--quiet"]
    for args in ([], ["--report", "results/report.html"]):
        run = subprocess.run(snakemake + args, cwd=root, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr[-3000:]
    return root / "results" / "report.html"


def test_the_report_lists_the_page_and_its_caption_links_it(report):
    text = report.read_text()
    assert re.search(r'href=\\"browser/0123456789abcdef/index.html\\">open the page</a>', text)
    assert "toy-feedback" in text and "6. Trajectories" in text


def test_the_link_opens_the_page_from_the_file_system(chromium, report, screenshot_dir):
    b = chromium
    b.open(report)
    # The report is a single-page app: Results -> 6. Trajectories -> the entry's caption.
    for label in ("Results", "6. Trajectories"):
        b.wait_for(f"Array.from(document.querySelectorAll('a')).some(a => a.textContent.trim() === {json.dumps(label)})")
        b.evaluate(f"Array.from(document.querySelectorAll('a')).find(a => a.textContent.trim() === {json.dumps(label)}).click()")
    # The entry's info button shows its caption; it is the last icon of the row.
    b.wait_for("Array.from(document.querySelectorAll('td')).some(td => td.textContent.trim() === 'toy-feedback')")
    for _ in range(50):
        if b.evaluate("!!Array.from(document.querySelectorAll('a')).find(a => a.textContent === 'open the page')"):
            break
        b.evaluate("(r => { var icons = r.querySelectorAll('a, svg, button'); icons[icons.length - 1].dispatchEvent("
                   "new MouseEvent('click', {bubbles: true})); })(Array.from(document.querySelectorAll('tr'))"
                   ".find(tr => tr.textContent.indexOf('toy-feedback') >= 0))")
        time.sleep(0.2)
    b.screenshot(screenshot_dir / "report_caption.png")
    href = b.evaluate("Array.from(document.querySelectorAll('a')).find(a => a.textContent === 'open the page').href")
    assert href == (report.parent / "browser" / "0123456789abcdef" / "index.html").as_uri()
    b.evaluate("Array.from(document.querySelectorAll('a')).find(a => a.textContent === 'open the page').click()")
    assert b.wait_for("location.protocol === 'file:' && document.body.dataset.state === 'ready' && location.href")
    assert b.evaluate("document.querySelectorAll('#list tbody tr').length") == 4
