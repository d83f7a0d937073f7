"""rft-data on trajectories written by the real generation loop (mtcodegen.generate.loop) with the project's
prompt files: the default RFT generator cell (CoT-retry, 3 turns), a scripted model and a marker judge."""

from __future__ import annotations

from mtcodegen.generate.backends.scripted import ScriptedBackend
from mtcodegen.generate.loop import run_batch
from mtcodegen.generate.prompts import PromptLibrary
from mtcodegen.rft.build import training_record
from mtcodegen.rft.prompts import load_prompt_texts

FAIL = "First try:\n```python\nprint('fail')\n```"
REASONING = "The examples add the two numbers."
PASS = "Fixed:\n```python\nprint('PASS')\n```"
GENERATOR = {"reasoning": "explain_io_pairs", "instruction": "step_by_step", "feedback": "failed_tests",
             "turns": 3, "cot_retry": True, "limit": None, "samples": None}


def problem() -> dict:
    public = [{"input": "1 1\n", "output": "2\n"}]
    return {"id": "toy/1", "dataset": "toy", "split": "train", "source_format": "toy",
            "statement": "Read two integers and print their sum.", "kind": "stdio", "entry_point": None,
            "starter_code": "", "public_tests": public, "private_tests": public, "difficulty": None,
            "rating": None, "time_limit_s": None, "memory_limit_mb": None, "tags": [], "checker": "tokens",
            "reference_solution": None, "source_hash": "0" * 64}


def judge(checks):
    def one(check):
        ok = "PASS" in check.program
        return {"verdict": "AC" if ok else "WA", "passed": int(ok), "total": 1, "time_s": 0.0, "cached": False,
                "detail": "" if ok else "wrong answer", "trace": None,
                "tests": [{"index": 0, "verdict": "AC" if ok else "WA", "time_s": 0.0, "memory_kb": 1,
                           "stdout": "" if ok else "wrong\n", "stderr": "", "got": "", "detail": ""}]}
    return [one(c) for c in checks]


def test_cot_retry_trajectory_of_the_real_loop_is_stripped(project_root):
    library = PromptLibrary(project_root / "prompts")
    # turn 1 plain and wrong; turn 2 (reasoning prompt) reasons then fails; turn 3 (instruction prompt) passes
    backend = ScriptedBackend(responses=[FAIL, REASONING, FAIL, PASS])
    (record,) = run_batch([problem()], cell=GENERATOR, sampling={"samples": 1, "seed": 0, "max_tokens": 64},
                          prompts=library.for_cell(GENERATOR), backend=backend, judge=judge, cell_hash="h" * 16)
    record["final"] = {"public_pass": True, "private_pass": True}  # what execute adds
    assert [a["reasoning"] for a in record["attempts"]] == [[], ["explain_io_pairs"], []]
    assert [a["instruction"] for a in record["attempts"]] == [None, None, "step_by_step"]

    texts = load_prompt_texts(project_root / "prompts", GENERATOR)
    assert all(texts.values())  # the real prompt files are not empty
    out, stripped = training_record(record, texts)
    messages = out["messages"]
    assert stripped == 2 and out["turns"] == 3 and out["turn_class"] == "multi_turn"
    assert [m["role"] for m in messages] == ["system"] + ["user", "assistant"] * 3
    for text in texts.values():
        assert all(text not in m["content"] for m in messages)
    users = [m["content"] for m in messages if m["role"] == "user"]
    assert users[0].startswith(record["messages"][1]["content"])  # turn 1 had no CoT prompt: unchanged
    assert "```python" in users[1] and "```python" in users[2]  # the code-format request is kept
    assert all(u.startswith("Your code failed 1 of the 1 public tests") for u in users[1:])  # feedback kept
    assistants = [m["content"] for m in messages if m["role"] == "assistant"]
    assert assistants == [FAIL, f"{REASONING}\n\n{FAIL}", PASS]
