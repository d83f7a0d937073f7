"""`mtcodegen generate` from the command line: the scripted backend with the real public judge, and the
one-line errors for bad input."""

from __future__ import annotations

import json

import pytest

from mtcodegen.cli import main
from mtcodegen.jsonl import read_jsonl, write_jsonl
from generate_fakes import call_problem, stdio_problem

WRONG = "```python\na, b = map(int, input().split())\nprint(a * b)\n```"
RIGHT = "Fixed it:\n```python\na, b = map(int, input().split())\nprint(a + b)\n```"


def test_cli_runs_a_cell_with_the_real_judge_and_writes_the_manifest(tmp_path):
    pytest.importorskip("mtcodegen.sandbox")
    write_jsonl(tmp_path / "p.jsonl.gz", [stdio_problem("toy/1", tests=2)])
    (tmp_path / "script.json").write_text(json.dumps({"responses": [WRONG, RIGHT]}))
    out = tmp_path / "cell" / "trajectories.jsonl.gz"
    code = main(["--manifest", str(tmp_path / "cell" / "manifest.json"), "--spec", '{"stage": "generate"}',
                 "--name", "toy-cell", "generate", "--problems", str(tmp_path / "p.jsonl.gz"), "--out", str(out),
                 "--backend", "scripted", "--script", str(tmp_path / "script.json"), "--sandbox", "unsafe_local",
                 "--turns", "3", "--samples", "2", "--cell-name", "toy-cell"])
    assert code == 0
    records = list(read_jsonl(out))
    assert len(records) == 2 and all(r["finish"] == "public_pass" for r in records)
    first, second = records[0]["attempts"]
    assert first["public"]["verdict"] == "WA" and first["public"]["passed"] == 1  # 2*2 == 2+2
    assert second["public"]["verdict"] == "AC"
    assert "Input:\n1 1\nExpected output:\n2\nYour output:\n1" in records[0]["messages"][3]["content"]
    manifest = json.loads((tmp_path / "cell" / "manifest.json").read_text())
    assert {"trajectories.jsonl.gz", "stats.json"} <= set(manifest["outputs"]) and manifest["name"] == "toy-cell"
    # issue #11.7: what generated it (the same seed samples differently on another CPU/GPU or engine version)
    (run,) = manifest["runtime"]["runs"]
    cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    assert run["backend"] == "scripted" and run["host_cpu"] == cpu and run["device"] == cpu
    assert json.loads((tmp_path / "cell" / "stats.json").read_text())["runtime"] == [run]


def test_cli_judges_call_problems_through_the_real_judge(tmp_path):
    pytest.importorskip("mtcodegen.sandbox")
    write_jsonl(tmp_path / "p.jsonl.gz", [call_problem("toy/c")])
    (tmp_path / "s.json").write_text(json.dumps({"responses": ["```python\ndef add(a, b):\n    return (a + b, {1})\n```"]}))
    out = tmp_path / "t.jsonl.gz"
    assert main(["generate", "--problems", str(tmp_path / "p.jsonl.gz"), "--out", str(out), "--backend", "scripted",
                 "--script", str(tmp_path / "s.json"), "--sandbox", "unsafe_local"]) == 0
    (record,) = read_jsonl(out)
    assert record["attempts"][0]["public"]["verdict"] == "AC"


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--params", "{not json"], "--params is not valid JSON"),
        (["--params", "@/no/such/file.json"], "--params file not found"),
        (["--turns", "0"], "cell turns must be at least 1"),
        (["--reasoning", "no_such_prompt"], "prompt file not found: .*reasoning/no_such_prompt.txt"),
        (["--backend", "vllm", "--model-dir", "/no/such/model"], "model directory not found: /no/such/model"),
        (["--backend", "vllm"], "--model-dir is required"),
        (["--backend", "scripted"], "the scripted backend needs --script"),
    ],
)
def test_bad_input_is_a_one_line_error(tmp_path, capsys, extra, message):
    write_jsonl(tmp_path / "p.jsonl.gz", [stdio_problem("toy/1")])
    code = main(["generate", "--problems", str(tmp_path / "p.jsonl.gz"), "--out", str(tmp_path / "t.jsonl.gz"),
                 "--sandbox", "unsafe_local"] + extra)
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("mtcodegen generate: error: ")
    import re

    assert re.search(message, err), err


def test_missing_problems_file_is_named(tmp_path, capsys):
    assert main(["generate", "--problems", str(tmp_path / "none.jsonl.gz"), "--out", str(tmp_path / "t.jsonl.gz")]) == 2
    assert "problems file not found" in capsys.readouterr().err
