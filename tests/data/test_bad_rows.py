"""No bad row sinks a split (issue 14 items 4 and 5): each bad line or row is reported with its file, line and
reason, and every other row is kept; what is kept but odd is flagged.

The inputs are the 20-row MBPP and CodeContests samples (every row valid: 20 problems each, checked in
test_sources.py) with one line broken, replaced or added; the expected counts follow from that edit.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mtcodegen.cli import main
from mtcodegen.data import reference
from mtcodegen.data.records import MAX_STATEMENT_BYTES

from .conftest import prepared


def lines_of(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def write(path: Path, lines: list[bytes]) -> dict:
    path.write_bytes(b"".join(lines))
    return {"files": {"test": str(path)}}


def only_skip(report, reason):
    (row,) = [r for r in report["skipped_rows"] if r["reason"] == reason]
    return row


def test_a_broken_json_line_is_one_reported_row(shared_data, tmp_path):
    lines = lines_of(shared_data / "mbpp_sample20.jsonl")
    lines.insert(3, b'{"id": 999, "content": "half a row\n')  # line 4
    problems, report = prepared("sandboxfusion_mbpp", write(tmp_path / "mbpp.jsonl", lines))
    assert len(problems) == 20
    assert report["skipped"] == {"not JSON": 1} and report["rows_read"] == 21
    row = only_skip(report, "not JSON")
    assert (row["file"], row["line"]) == (str(tmp_path / "mbpp.jsonl"), 4)
    assert "column" in row["detail"]


def test_the_cli_reports_the_bad_line_instead_of_a_traceback(shared_data, tmp_path, capsys):
    lines = lines_of(shared_data / "mbpp_sample20.jsonl")
    lines.insert(0, b"not json at all\n")
    write(tmp_path / "mbpp.jsonl", lines)
    code = main(["prepare-data", "--format", "sandboxfusion_mbpp", "--files", f"test={tmp_path / 'mbpp.jsonl'}",
                 "--out", str(tmp_path / "p.jsonl.gz"), "--report", str(tmp_path / "r.json")])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "Traceback" not in out.err and "DatasetGenerationError" not in out.err
    assert "20 problems" in out.out and "'not JSON': 1" in out.out
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["skipped_rows"][0]["line"] == 1


def test_a_non_utf8_row_is_reported_with_its_line_and_byte(shared_data, tmp_path):
    lines = lines_of(shared_data / "mbpp_sample20.jsonl")
    lines[6] = b'{"id": "caf\xe9", "content": "x"}\n'  # line 7 replaced by a Latin-1 row
    problems, report = prepared("sandboxfusion_mbpp", write(tmp_path / "mbpp.jsonl", lines))
    assert len(problems) == 19 and report["skipped"] == {"not UTF-8": 1}
    row = only_skip(report, "not UTF-8")
    assert row["line"] == 7 and "0xe9" in row["detail"] and "column 12" in row["detail"]


def test_a_duplicate_id_keeps_the_first_row_and_reports_the_others(shared_data, tmp_path):
    lines = lines_of(shared_data / "mbpp_sample20.jsonl")
    first = json.loads(lines[2])
    again = dict(first, content="A different statement under the same id.")
    lines += [(json.dumps(again) + "\n").encode(), (json.dumps(again) + "\n").encode()]  # lines 21, 22
    problems, report = prepared("sandboxfusion_mbpp", write(tmp_path / "mbpp.jsonl", lines))
    assert len(problems) == 20 and report["skipped"] == {"duplicate id": 2}
    kept = [p for p in problems if p["id"] == f"d/{first['id']}"]
    assert len(kept) == 1 and kept[0]["statement"] == first["content"]  # the first row wins
    rows = [r for r in report["skipped_rows"] if r["reason"] == "duplicate id"]
    assert [r["line"] for r in rows] == [21, 22] and all("line 3" in r["detail"] for r in rows)


def test_a_file_datasets_refuses_is_read_plainly_row_by_row(shared_data, tmp_path, monkeypatch):
    """Where `datasets` refuses a whole file (DatasetGenerationError: types Arrow cannot unify, values it cannot
    hold), the rows are read with Python's json instead of failing the split; the reader is in the report."""
    import datasets

    def refuse(*args, **kwargs):
        raise datasets.exceptions.DatasetGenerationError("An error occurred while generating the dataset")

    monkeypatch.setattr(datasets, "load_dataset", refuse)
    lines = lines_of(shared_data / "mbpp_sample20.jsonl")
    lines.insert(9, b"{broken\n")
    problems, report = prepared("sandboxfusion_mbpp", write(tmp_path / "mbpp.jsonl", lines))
    assert report["reader"] == "python json (datasets refused the file: An error occurred while generating the dataset)"
    assert len(problems) == 20 and report["rows_read"] == 21 and report["skipped"] == {"not JSON": 1}
    assert only_skip(report, "not JSON")["line"] == 10
    # rows keep their own lines: a duplicate after the broken line is reported at its line
    lines.append(lines[0])
    problems, report = prepared("sandboxfusion_mbpp", write(tmp_path / "mbpp.jsonl", lines))
    assert only_skip(report, "duplicate id")["line"] == 22


def test_a_huge_statement_is_skipped_with_its_size(shared_data, tmp_path):
    lines = lines_of(shared_data / "code_contests_sample20.jsonl")
    row = json.loads(lines[5])
    row["content"] = "x" * 6_000_000
    lines[5] = (json.dumps(row) + "\n").encode()
    problems, report = prepared("sandboxfusion_code_contests", write(tmp_path / "cc.jsonl", lines))
    assert len(problems) == 19 and report["skipped"] == {"statement too large": 1}
    skip = only_skip(report, "statement too large")
    assert skip["line"] == 6 and "6,000,000 bytes" in skip["detail"] and f"{MAX_STATEMENT_BYTES:,}" in skip["detail"]


def test_an_unknown_difficulty_label_is_flagged_and_the_problem_kept(shared_data, tmp_path):
    lines = lines_of(shared_data / "code_contests_sample20.jsonl")
    row = json.loads(lines[2])
    labels = json.loads(row["labels"]) if isinstance(row["labels"], str) else row["labels"]
    labels["difficulty"] = "ULTRA_HARD"
    row["labels"] = json.dumps(labels) if isinstance(row["labels"], str) else labels
    lines[2] = (json.dumps(row) + "\n").encode()
    problems, report = prepared("sandboxfusion_code_contests", write(tmp_path / "cc.jsonl", lines))
    assert len(problems) == 20 and report["skipped"] == {}
    assert report["flagged"] == {"unknown difficulty label": 1}
    (flag,) = report["flagged_rows"]
    assert flag["line"] == 3 and "'ULTRA_HARD'" in flag["detail"]
    assert [p["difficulty"] for p in problems if p["id"] == f"d/{row['id']}"] == [None]
    assert None not in {p["difficulty"] for p in problems if p["id"] != f"d/{row['id']}"}


def test_a_reference_that_never_ends_is_flagged_by_the_reference_check(shared_data, tmp_path, monkeypatch):
    monkeypatch.setattr(reference, "DEFAULT_TIMEOUT_S", 3.0)
    lines = lines_of(shared_data / "mbpp_sample20.jsonl")[:3]
    row = json.loads(lines[1])
    row["canonical_solution"] = row["canonical_solution"] + "\nwhile True:\n    pass\n"  # never ends on import
    lines[1] = (json.dumps(row) + "\n").encode()
    problems, report = prepared("sandboxfusion_mbpp", write(tmp_path / "mbpp.jsonl", lines))
    assert len(problems) + sum(report["skipped"].values()) == 3
    reasons = [r["reason"] for r in report["flagged_rows"] + report["skipped_rows"] if r.get("line") == 2]
    assert reasons and all("times out" in r or "fails its check" in r for r in reasons), report
    details = [r["detail"] for r in report["flagged_rows"] + report["skipped_rows"] if r.get("line") == 2]
    assert any("timed out after 3 s" in d for d in details), details
