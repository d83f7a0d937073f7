"""The page's data files, built from cells that the real generate and execute stages wrote (conftest.py)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from mtcodegen.browser.build import build_page, js_data
from mtcodegen.browser.payload import diff_ops, utf16_len
from mtcodegen.jsonl import read_jsonl, write_jsonl



def test_index_lists_every_problem_with_each_samples_outcome(cells, kit):
    index = kit.read_data(cells["page"] / "data" / "index.js")
    assert index["label"] == kit.LABEL and index["turns"] == 3 and index["trajectories"] == 8
    # Problems-file order; outcomes by sample: add fixed at turn 2, mul right at turn 1, sub never, prose no code.
    assert [(p["id"], p["difficulty"], p["samples"], p["outcomes"]) for p in index["problems"]] == [
        ("toy/add", "A", [0, 1], [2, 2]), ("toy/mul", "B", [0, 1], [1, 1]),
        ("toy/sub", "B", [0, 1], [0, 0]), ("toy/prose", "C", [0, 1], [-1, -1])]
    assert [p["file"] for p in index["problems"]] == [0, 1, 2, 3]
    assert index["peers"] == [{"name": "toy-second", "dir": "../second"}]
    second = kit.read_data(cells["peer_page"] / "data" / "index.js")
    assert [p["outcomes"] for p in second["problems"]] == [[1, 1], [0, 0], [0, 0], [1, 1]]


def test_outcomes_table(cells):
    with open(cells["page"] / "outcomes.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["problem_id"], r["solved_turn_1"], r["solved_turn_2"], r["solved_turn_3"], r["failed"],
             r["no_code"], r["error"]) for r in rows] == [
        ("toy/add", "0", "2", "0", "0", "0", "0"), ("toy/mul", "2", "0", "0", "0", "0", "0"),
        ("toy/sub", "0", "0", "0", "2", "0", "0"), ("toy/prose", "0", "0", "0", "0", "2", "0")]


def _trajectory(page: Path, file: int, sample: int):
    text = (page / "data" / "p" / f"{file}.js").read_text(encoding="utf-8")
    data = json.loads(text[len("mtcgData("):-len(");\n")])
    return data, next(t for t in data["trajectories"] if t["sample"] == sample)


def test_trajectory_keeps_every_message_in_order_with_its_kind(cells):
    data, t = _trajectory(cells["page"], 0, 0)
    record = next(r for r in read_jsonl(cells["first"]) if r["problem_id"] == "toy/add" and r["sample"] == 0)
    s = data["strings"]
    assert [(m["role"], s[m["text"]]) for m in t["messages"]] == [(m["role"], m["content"]) for m in record["messages"]]
    # system, problem, the product answer, feedback on it, the sum answer (then it passed and stopped).
    assert [m["kind"] for m in t["messages"]] == ["system", "problem", "code", "feedback", "code"]
    assert [m["attempt"] for m in t["messages"]] == [None, 0, 0, 1, 1]
    assert [a["public"]["verdict"] for a in t["attempts"]] == ["WA", "AC"]
    assert [a["private"]["verdict"] for a in t["attempts"]] == ["WA", "AC"]
    assert data["problem"]["public_tests"] == [{"input": "2 3\n", "expected": "5\n"}, {"input": "3 4\n", "expected": "7\n"}]
    # Only the private tests some attempt failed are shown: the product's first failure is private test 0.
    assert data["problem"]["private_tests"] == {"0": {"input": "2 5\n", "expected": "7\n"}}
    assert all(a["prompt_tokens"] > 0 and a["completion_tokens"] > 0 for a in t["attempts"])


def test_code_is_a_slice_of_its_response(cells, kit):
    data, t = _trajectory(cells["page"], 0, 0)
    code = "a, b = map(int, input().split())\nprint(a * b)\n"
    start = kit.PRODUCT.index(code)
    assert t["attempts"][0]["code"] == [start, start + len(code)]  # ASCII: UTF-16 offsets are str offsets


def test_slices_count_utf16_units_like_javascript():
    # Two astral characters before the code: JavaScript's indices are UTF-16 code units, two per character.
    assert utf16_len("🙂🙂") == 4 and utf16_len("é") == 1
    from mtcodegen.browser.payload import _code_ref

    response = "🙂🙂 here:\n```python\nprint(1)\n```"
    start, end = _code_ref(response, "print(1)\n")
    units = response.encode("utf-16-le")
    assert units[2 * start:2 * end].decode("utf-16-le") == "print(1)\n"


def test_diff_and_similarity_between_attempts(cells):
    _, t = _trajectory(cells["page"], 0, 0)
    (diff,) = t["diffs"]
    # Tokens of the product program: 16 on line 1, 6 on line 2 ("print ( a * b )"); the sum program differs in
    # one token, so difflib's ratio is 2 * 21 / 44.
    assert diff["from"] == 0 and diff["to"] == 1 and diff["similarity"] == pytest.approx(21 / 22)
    assert diff["ops"] == [["equal", 0, 1, 0, 1], ["replace", 1, 2, 1, 2]]
    _, failed = _trajectory(cells["page"], 2, 1)
    # product -> sum, then the sum again (the script's last answer repeats): identical programs score 1.
    assert [(d["from"], d["to"]) for d in failed["diffs"]] == [(0, 1), (1, 2)]
    assert failed["diffs"][1]["similarity"] == 1.0 and failed["diffs"][1]["ops"] == [["equal", 0, 2, 0, 2]]
    _, prose = _trajectory(cells["page"], 3, 0)
    assert prose["diffs"] == [] and all(a["code"] is None for a in prose["attempts"])
    assert prose["messages"][2]["kind"] == "code"


def test_diff_lines_split_like_the_page():
    # "\r" and "\f" are not line breaks for the page (JavaScript splits on "\n"), nor for the opcodes.
    assert diff_ops("a\rb\nc\n", "a\rb\nd\n") == [["equal", 0, 1, 0, 1], ["replace", 1, 2, 1, 2]]
    assert diff_ops("", "x\n") == [["insert", 0, 0, 0, 1]]


def test_model_output_cannot_leave_its_string(hostile_page, kit):
    """The escaping test, data side: no '<' survives in any data file, and every hostile string comes back
    exactly when the file is parsed (the browser test checks that it shows as text)."""
    for path in sorted((hostile_page / "data").rglob("*.js")):
        text = path.read_text(encoding="utf-8")
        assert "<" not in text, path
    data = kit.read_data(hostile_page / "data" / "p" / "0.js")
    assert kit.HOSTILE in data["strings"]
    index = kit.read_data(hostile_page / "data" / "index.js")
    assert index["label"]["name"] == "<img src=x onerror=window.__pwned=4>"
    # The page itself is static: nothing of the cell's is written into the HTML.
    assert "pwned" not in (hostile_page / "index.html").read_text()


def test_js_data_escapes_line_separators():
    text = js_data({"s": "a\u2028b\u2029c</script>"})
    assert "\u2028" not in text and "\u2029" not in text and "<" not in text
    assert json.loads(text[len("mtcgData("):-3]) == {"s": "a\u2028b\u2029c</script>"}


def test_vendored_highlighter_and_its_licence_are_in_the_page(cells):
    assets = cells["page"] / "assets"
    assert (assets / "highlight.min.js").read_text().startswith("/*!\n  Highlight.js v11.12.0")
    assert "BSD 3-Clause License" in (assets / "LICENSE.highlight.js.txt").read_text()


# --- bad input: a clear error naming what was wrong; the previous page is kept ---------------------------------

def test_unknown_problem_is_named_and_the_old_page_survives(cells, tmp_path, kit):
    out = tmp_path / "page"
    build_page(cells["first"], cells["problems"], out, label=kit.LABEL)
    before = (out / "data" / "index.js").read_text()
    records = list(read_jsonl(cells["first"]))
    records[3]["problem_id"] = "toy/missing"
    write_jsonl(tmp_path / "bad.jsonl.gz", records)
    with pytest.raises(ValueError, match=r"bad\.jsonl\.gz:4: trajectory of problem 'toy/missing', which is not in"):
        build_page(tmp_path / "bad.jsonl.gz", cells["problems"], out, label=kit.LABEL)
    assert (out / "data" / "index.js").read_text() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".page.")] == []  # no half-built page left


@pytest.mark.parametrize("change, message", [
    (lambda r: r[0]["attempts"][0].pop("private"), r"attempt 1: attempt has no 'private' verdict summary"),
    (lambda r: r[0].pop("sample"), r":1: trajectory has no 'sample' field"),
    (lambda r: r.append(dict(r[0])), r"problem 'toy/add' has samples \[0\] more than once"),
    (lambda r: r.clear(), r"no trajectories: nothing to browse"),
])
def test_bad_trajectories_are_refused(cells, tmp_path, change, message, kit):
    records = list(read_jsonl(cells["first"]))
    change(records)
    write_jsonl(tmp_path / "bad.jsonl.gz", records)
    with pytest.raises(ValueError, match=message):
        build_page(tmp_path / "bad.jsonl.gz", cells["problems"], tmp_path / "page", label=kit.LABEL)
    assert not (tmp_path / "page").exists()


def test_trajectories_of_another_cell_are_refused(cells, tmp_path, kit):
    with pytest.raises(ValueError, match=r"trajectories of cell\(s\) \['toy-second'\] given for cell 'toy-feedback'"):
        build_page(cells["second"], cells["problems"], tmp_path / "page", label=kit.LABEL)


def test_cli(cells, tmp_path, kit):
    from mtcodegen.cli import main

    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"spec": {"cell": {"turns": 3}}}))
    out = tmp_path / "page"
    assert main(["browse", "--trajectories", str(cells["first"]), "--problems", str(cells["problems"]),
                 "--out-dir", str(out), "--label", json.dumps(kit.LABEL), "--cell-manifest", str(manifest),
                 "--peer", "toy-second=../second"]) == 0
    index = kit.read_data(out / "data" / "index.js")
    assert index["spec"] == {"cell": {"turns": 3}} and index["peers"] == [{"name": "toy-second", "dir": "../second"}]
    assert main(["browse", "--trajectories", str(cells["first"]), "--problems", str(cells["problems"]),
                 "--out-dir", str(out), "--label", "[1]"]) == 2
    assert main(["browse", "--trajectories", str(tmp_path / "none.jsonl.gz"), "--problems",
                 str(cells["problems"]), "--out-dir", str(out)]) == 2
    # Cell names contain "=" (r=none.fb=binary...): the peer's directory is what follows the last "=".
    assert main(["browse", "--trajectories", str(cells["first"]), "--problems", str(cells["problems"]),
                 "--out-dir", str(out), "--peer", "m.mbpp-test.r=none.i=none.fb=binary.t=3=../abc"]) == 0
    assert kit.read_data(out / "data" / "index.js")["peers"] == [
        {"name": "m.mbpp-test.r=none.i=none.fb=binary.t=3", "dir": "../abc"}]
    bad_peer = subprocess.run([sys.executable, "-m", "mtcodegen.cli", "browse", "--trajectories", "t",
                               "--problems", "p", "--out-dir", "o", "--peer", "nodir"], capture_output=True, text=True)
    assert bad_peer.returncode == 2 and "--peer wants NAME=DIR" in bad_peer.stderr


def test_scripts_used_by_the_fixtures(kit):
    # The fixtures' expectations rest on these answers: guard them against edits.
    assert "print(a + b)" in kit.SUM and "print(a * b)" in kit.PRODUCT and "```" not in kit.PROSE


@pytest.mark.parametrize("code", ["print(1)\n", "", "def f(:\n  'unterminated", "x = 1  # c\n\n\ny = 2\n"])
def test_unchanged_code_scores_what_the_metrics_function_gives(code):
    from mtcodegen.browser.payload import similarity
    from mtcodegen.metrics.analyses import code_similarity

    assert similarity(code, code) == code_similarity(code, code) == 1.0


def test_workers_write_the_same_files(cells, tmp_path, kit):
    one, two = tmp_path / "one", tmp_path / "two"
    build_page(cells["first"], cells["problems"], one, label=kit.LABEL, workers=1)
    build_page(cells["first"], cells["problems"], two, label=kit.LABEL, workers=2)
    files = sorted(p.relative_to(one) for p in one.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(two) for p in two.rglob("*") if p.is_file())
    assert all((one / f).read_bytes() == (two / f).read_bytes() for f in files)
