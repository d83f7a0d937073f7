"""The page in a real headless Chromium, opened from the file system: filter the list, open a trajectory, see the
diff, compare two cells, and model output that tries to run script shows as text (the escaping test)."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.timeout(300)


def _rows(browser) -> list[str]:
    return browser.evaluate("Array.from(document.querySelectorAll('#list tbody tr button')).map(b => b.textContent)")


def _open(browser, page, fragment=""):
    browser.open(page / "index.html", fragment)
    assert browser.wait_for("document.body.dataset.state !== 'loading' && document.body.dataset.state") == "ready", \
        browser.console
    return browser


def _wait_trajectory(browser):
    return browser.wait_for("document.body.dataset.trajectory !== 'loading' && document.body.dataset.trajectory")


def test_list_and_filters(chromium, cells, screenshot_dir):
    b = _open(chromium, cells["page"])
    assert _rows(b) == ["toy/add", "toy/mul", "toy/sub", "toy/prose"]
    assert b.evaluate("document.title") == "toy-feedback · trajectories"
    b.screenshot(screenshot_dir / "browser_list.png")
    b.click("#f-solved")  # untick "solved": the two solved problems go
    assert _rows(b) == ["toy/sub", "toy/prose"]
    b.click("#f-failed")
    assert _rows(b) == ["toy/prose"]
    b.click("#f-solved")
    b.click("#f-no_code")
    assert _rows(b) == ["toy/add", "toy/mul"]
    b.evaluate("(s => { s.value = '2'; s.dispatchEvent(new Event('change')); })(document.getElementById('f-turn'))")
    assert _rows(b) == ["toy/add"]  # solved at turn 2
    b.evaluate("(s => { s.value = '0'; s.dispatchEvent(new Event('change')); })(document.getElementById('f-turn'))")
    b.evaluate("(s => { s.value = 'B'; s.dispatchEvent(new Event('change')); })(document.getElementById('f-difficulty'))")
    assert _rows(b) == ["toy/mul"]
    assert b.evaluate("document.getElementById('match-count').textContent") == \
        "1 of 4 problems, 2 of 8 trajectories match"
    assert b.console == [] or not any("exception" in c for c in b.console), b.console


def test_open_a_trajectory_and_see_the_diff(chromium, cells, screenshot_dir):
    b = _open(chromium, cells["page"])
    b.click("#list tbody tr:nth-child(1) button")  # toy/add
    assert _wait_trajectory(b) == "0:0"
    kinds = b.evaluate("Array.from(document.querySelectorAll('#column-main .msg')).map(m => m.dataset.kind)")
    assert kinds == ["system", "problem", "code", "feedback", "code"]
    texts = b.evaluate("Array.from(document.querySelectorAll('#column-main .msg .body > pre.text, #column-main .msg .body > details > pre.text')).map(p => p.textContent)")
    assert texts[2].startswith("Let me multiply them.") and texts[4].startswith("Let me add them.")
    # The extracted code, highlighted by highlight.js.
    assert b.evaluate("document.querySelectorAll('#column-main pre.code .hljs-built_in').length") >= 2
    assert b.evaluate("document.querySelector('#column-main pre.code').textContent") == \
        "a, b = map(int, input().split())\nprint(a * b)\n"
    # Public verdicts per test: input, expected, got.
    cells_text = b.evaluate("Array.from(document.querySelector('#column-main .verdict-block table.tests tbody tr')"
                            ".children).map(td => td.textContent)")
    assert cells_text[:5] == ["0", "WA", "2 3\n", "5\n", "6\n"]
    # The diff between attempts 1 and 2 with the similarity figure's score (21/22, see test_build).
    diff = b.evaluate("(d => ({sim: d.querySelector('.similarity').textContent,"
                      " del: Array.from(d.querySelectorAll('tr.del td.text')).map(t => t.textContent),"
                      " ins: Array.from(d.querySelectorAll('tr.ins td.text')).map(t => t.textContent)}))"
                      "(document.querySelector('#column-main .diff'))")
    assert diff == {"sim": "0.955", "del": ["print(a * b)"], "ins": ["print(a + b)"]}
    stats = b.evaluate("Array.from(document.querySelectorAll('#column-main .call-stats')).map(s => s.textContent)")
    assert len(stats) == 2 and all(" prompt + " in s and "completion tokens" in s for s in stats)
    b.evaluate("document.querySelector('#column-main .diff').scrollIntoView()")
    b.screenshot(screenshot_dir / "browser_trajectory_diff.png")
    # Another sample from the strip of buttons; the URL fragment follows; the arrow keys step between samples.
    b.click("#column-main .samples button[data-sample='1']")
    assert _wait_trajectory(b) == "0:1"
    assert b.evaluate("location.hash") == "#p=0&s=1"
    for key, sample in (("ArrowLeft", "0:0"), ("ArrowLeft", "0:0"), ("ArrowRight", "0:1")):
        b.send("Input.dispatchKeyEvent", {"type": "keyDown", "key": key, "code": key})
        b.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": key, "code": key})
        assert _wait_trajectory(b) == sample
    # The system prompt is folded; every other message shows its text.
    assert b.evaluate("document.querySelector('#column-main .msg[data-kind=system] details').open") is False


def test_a_link_opens_the_view_it_names(chromium, cells):
    b = _open(chromium, cells["page"], "p=2&s=1")
    assert _wait_trajectory(b) == "2:1"
    assert b.evaluate("document.querySelectorAll('#column-main .diff').length") == 2
    assert b.evaluate("Array.from(document.querySelectorAll('#column-main .diff .similarity')).map(s => s.textContent)") \
        == ["0.955", "1.000"]


def test_two_cells_side_by_side(chromium, cells, screenshot_dir):
    b = _open(chromium, cells["page"], "p=0&s=0")
    _wait_trajectory(b)
    b.evaluate("(s => { s.value = '../second'; s.dispatchEvent(new Event('change')); })(document.getElementById('f-compare'))")
    _wait_trajectory(b)
    b.wait_for("!!document.querySelector('#column-peer .msg')")
    assert b.evaluate("document.querySelector('#column-peer h3').textContent") == "toy-second"
    peer_kinds = b.evaluate("Array.from(document.querySelectorAll('#column-peer .msg')).map(m => m.dataset.kind)")
    assert peer_kinds == ["system", "problem", "code"]  # one turn, right at once
    assert b.evaluate("document.querySelector('#column-peer pre.code').textContent") == \
        "a, b = map(int, input().split())\nprint(a + b)\n"
    b.screenshot(screenshot_dir / "browser_side_by_side.png")


def test_a_missing_peer_says_so(chromium, cells, tmp_path):
    import shutil

    page = tmp_path / "alone"
    shutil.copytree(cells["page"], page)
    b = _open(chromium, page, "p=0&s=0&cmp=../second")
    _wait_trajectory(b)
    message = b.wait_for("(e => e && e.textContent)(document.querySelector('#column-peer .error-note'))")
    assert message.startswith("toy-second: could not load ../second/data/index.js")


def test_model_output_shows_as_text_and_never_runs(chromium, hostile_page, kit, screenshot_dir):
    """The escaping test, browser side: a response, code and cell name full of <script> and onerror."""
    b = _open(chromium, hostile_page, "p=0&s=0")
    _wait_trajectory(b)
    b.evaluate("document.querySelector('#column-main .msg[data-kind=code]').scrollIntoView()")
    b.screenshot(screenshot_dir / "browser_escaping.png")
    assert b.evaluate("typeof window.__pwned") == "undefined"
    # No element came out of the data: no <img> at all, no <b> in any message, and the only scripts are the page's.
    assert b.evaluate("document.querySelectorAll('img').length") == 0
    assert b.evaluate("document.querySelectorAll('.msg b, #title *, .msg script').length") == 0
    assert b.evaluate("Array.from(document.scripts).map(s => s.getAttribute('src'))") == \
        ["assets/highlight.min.js", "assets/app.js"]
    texts = b.evaluate("Array.from(document.querySelectorAll('#column-main .msg .body > pre.text, #column-main .msg .body > details > pre.text')).map(p => p.textContent)")
    assert kit.HOSTILE in texts
    code = b.evaluate("document.querySelector('#column-main pre.code').textContent")
    assert code == "print('</script><script>window.__pwned = 3</script>')\n"
    assert b.evaluate("document.getElementById('title').textContent") == \
        "Trajectories of <img src=x onerror=window.__pwned=4>"
    assert json.dumps(b.evaluate("document.title")) == json.dumps("<img src=x onerror=window.__pwned=4> · trajectories")
