"""benchmarks/calibration_report.py: the published figures it compares with, read from the reference table.

Truth: the Qwen2.5-Coder report's instruct-model table as issue 13 quotes it (greedy pass@1, %), typed here
from the issue, not from the CSV; and the Wilson interval's closed form at a point worked by hand.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
QWEN_REPORT = {  # model: (HumanEval, HumanEval+, MBPP, MBPP+)
    "qwen_coder_0.5b": (61.6, 57.3, 52.4, 43.7),
    "qwen_coder_1.5b": (70.7, 66.5, 69.2, 59.4),
}


def test_published_figures_come_from_the_reference_table(benchmark_script):
    found = benchmark_script("calibration_report").published()
    for model, (he, he_plus, mbpp, mbpp_plus) in QWEN_REPORT.items():
        assert found[(model, "humaneval_plus", "base")] == he
        assert found[(model, "humaneval_plus", "plus")] == he_plus
        assert found[(model, "mbpp_plus", "base")] == mbpp
        assert found[(model, "mbpp_plus", "plus")] == mbpp_plus
    assert not [key for key in found if key[0] not in QWEN_REPORT]  # the paper's rows are not pass@1 single-turn


def test_wilson_interval(benchmark_script):
    wilson = benchmark_script("calibration_report").wilson
    # 5 of 10 at z = 2: centre (0.5 + 4/20) / (1 + 4/10) = 0.5, half 2 sqrt(0.025 + 0.01) / 1.4
    lo, hi = wilson(5, 10, z=2.0)
    assert lo == pytest.approx(0.5 - 2 * math.sqrt(0.035) / 1.4) and hi == pytest.approx(0.5 + 2 * math.sqrt(0.035) / 1.4)
    assert wilson(0, 20)[0] == pytest.approx(0.0, abs=1e-12) and 0 < wilson(0, 20)[1] < 0.2


def test_qwen_protocol_prefills_the_answer_and_cuts_like_qwens_generate(benchmark_script):
    """benchmarks/qwen_protocol.py: the prompt is the calibration cell's first turn with the answer opened as a
    Python block; the program is what Qwen's generate.py writes (tabs as 4 spaces, cut at a stray fence)."""
    bench = benchmark_script("qwen_protocol")

    class ChatML:  # Qwen2.5's chat template, written out: the truth the prompt is compared with
        def apply_chat_template(self, messages, tokenize, add_generation_prompt):
            assert not tokenize and add_generation_prompt
            return "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages) + "<|im_start|>assistant\n"

    problem = {"id": "humaneval_plus/HumanEval/0", "kind": "call", "entry_point": "f", "public_tests": [],
               "statement": "def f(x):\n    \"\"\"Return x.\"\"\"\n", "starter_code": "def f(x):\n"}
    prompt = bench.prompts_for([problem], ChatML())[0]
    system = (ROOT / "prompts/system/evalplus_instruct.txt").read_text().strip()
    assert prompt.startswith(f"<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n")
    assert '```python\ndef f(x):\n    """Return x."""\n```<|im_end|>' in prompt
    assert prompt.endswith("<|im_start|>assistant\n```python\n")
    assert bench.program_of("def f(x):\n\treturn x\n```\nSome prose") == "def f(x):\n    return x\n"
    assert "\n#" in bench.STOPS and "\nprint(" in bench.STOPS and "\n```" in bench.STOPS


def test_qwen_protocol_pairs_each_task_with_the_pipelines_turn_one(benchmark_script):
    bench = benchmark_script("qwen_protocol")
    problems = {"T/1": {"base_tests": 2}, "T/2": {"base_tests": 2}, "T/3": {"base_tests": 2}}
    records = [  # T/1: AC; T/2: passed the 2 base tests, failed a plus one; T/3: failed a base test
        {"problem_id": "d/T/1", "attempts": [{"private": {"verdict": "AC", "passed": 5}}]},
        {"problem_id": "d/T/2", "attempts": [{"private": {"verdict": "WA", "passed": 2}}, {"private": {"verdict": "AC"}}]},
        {"problem_id": "d/T/3", "attempts": [{"private": {"verdict": "WA", "passed": 1}}]},
    ]
    protocol = {"T/1": {"base": True, "plus": False}, "T/2": {"base": False, "plus": False},
                "T/3": {"base": True, "plus": True}}
    table = bench.paired(records, problems, protocol)
    assert table["base"] == {"both": 1, "pipeline_only": 1, "protocol_only": 1, "neither": 0}
    assert table["plus"] == {"both": 0, "pipeline_only": 1, "protocol_only": 1, "neither": 1}  # T/2's turn 2 ignored


@pytest.mark.slow
def test_qwen_protocol_end_to_end_on_three_humaneval_tasks(benchmark_script, qwen05b_checkpoint, shared_data, tmp_path):
    """The real 0.5B on vLLM, judged by evalplus: the answer continues the prefilled fence (the completion is
    code, not an opening fence or prose), the generation is written out, and the counts match the rows."""
    pytest.importorskip("evalplus")
    import gzip
    import json

    from mtcodegen import jsonl
    from mtcodegen.data.prepare import prepare

    release = shared_data / "evalplus/HumanEvalPlus-v0.1.10.jsonl.gz"
    rows = [json.loads(line) for line in gzip.open(release, "rt")][:3]
    subset = tmp_path / "release.jsonl"
    subset.write_text("".join(json.dumps(r) + "\n" for r in rows))
    problems, _ = prepare({"dataset": "humaneval_plus", "format": "evalplus", "split": "test",
                           "source": {"files": {"test": str(subset)}}})
    problems_file = tmp_path / "problems.jsonl.gz"
    jsonl.write_jsonl(problems_file, problems)
    out, summary_path = tmp_path / "protocol.jsonl", tmp_path / "summary.json"
    assert benchmark_script("qwen_protocol").main([
        "--model", str(qwen05b_checkpoint), "--dataset", "humaneval", "--release", str(subset),
        "--problems", str(problems_file), "--max-tokens", "384", "--workers", "1",
        "--out", str(out), "--summary", str(summary_path)]) == 0
    written = [json.loads(line) for line in out.read_text().splitlines()]
    summary = json.loads(summary_path.read_text())
    assert [r["task"] for r in written] == ["HumanEval/0", "HumanEval/1", "HumanEval/2"]
    for row in written:
        assert row["prompt"].endswith("<|im_start|>assistant\n```python\n")
        assert not row["completion"].lstrip().startswith("```") and "def " in row["completion"]
    for test_set in ("base", "plus"):
        assert summary["pass_at_1"]["sanitized"][test_set]["passed"] == sum(r["sanitized"][test_set] for r in written)
