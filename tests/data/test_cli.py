"""`mtcodegen prepare-data` with --params (as Snakemake calls it) and with the friendlier flags."""

from __future__ import annotations

import json

from mtcodegen.cli import main
from mtcodegen.jsonl import read_jsonl


def test_params_and_flags_give_the_same_file(tmp_path, shared_data):
    data = str(shared_data / "mbpp_sample20.jsonl")
    params = {"dataset": "mbpp_sample", "format": "sandboxfusion_mbpp", "split": "test",
              "source": {"files": {"test": data}}, "limit": 3}
    a, b = tmp_path / "a" / "problems.jsonl.gz", tmp_path / "b" / "problems.jsonl.gz"
    assert main(["prepare-data", "--params", json.dumps(params), "--out", str(a), "--report", str(tmp_path / "r.json")]) == 0
    assert main(["prepare-data", "--format", "sandboxfusion_mbpp", "--dataset", "mbpp_sample",
                 "--files", f"test={data}", "--limit", "3", "--out", str(b)]) == 0
    assert a.read_bytes() == b.read_bytes()  # deterministic, byte for byte
    assert len(list(read_jsonl(a))) == 3
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["problems"] == 3 and report["dropped_by_limit"] == 17
    assert json.loads((b.parent / "report.json").read_text()) == report


def test_bad_inputs_are_one_line_errors(tmp_path, capsys):
    out = str(tmp_path / "p.jsonl")
    assert main(["prepare-data", "--params", "{not json", "--out", out]) == 2
    assert "--params is not valid JSON" in capsys.readouterr().err
    assert main(["prepare-data", "--format", "mbpp", "--files", "test", "--out", out]) == 2
    assert "expected KEY=VALUE" in capsys.readouterr().err
    assert main(["prepare-data", "--format", "mbpp", "--out", out]) == 2
    assert "give one source" in capsys.readouterr().err
    assert main(["prepare-data", "--params", json.dumps({"format": "mbpp"}), "--out", out]) == 2
    assert "missing key 'dataset'" in capsys.readouterr().err


def test_verify_data_passes_good_and_fails_broken_references(tmp_path, fixtures, capsys):
    good = tmp_path / "mbpp.jsonl"
    assert main(["prepare-data", "--format", "mbpp", "--files", f"test={fixtures / 'mbpp.jsonl'}", "--out", str(good)]) == 0
    assert main(["verify-data", "--problems", str(good), "--out", str(tmp_path / "v.json")]) == 0
    assert json.loads((tmp_path / "v.json").read_text())["counts"] == {"pass": 4, "fail": 0, "not_checked": 0}
    broken = tmp_path / "broken.jsonl"
    rows = [dict(p, reference_solution=p["reference_solution"].replace("return", "return 1 +", 1))
            for p in read_jsonl(good)]
    broken.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert main(["verify-data", "--problems", str(broken)]) == 1
    assert "FAIL mbpp/1: test 0" in capsys.readouterr().err
