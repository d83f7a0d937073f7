"""The multi-turn loop with the scripted backend and the fake judge."""

from __future__ import annotations

import pytest

from mtcodegen.generate.backends.scripted import ScriptedBackend
from mtcodegen.generate.loop import run_batch, trajectory_seed
from mtcodegen.jsonl import read_jsonl, write_jsonl
from generate_fakes import FakeJudge, call_problem, stdio_problem

FAIL = "My attempt:\n```python\nprint('fail')\n```"
PASS = "Fixed:\n```python\nprint('PASS')\n```"
REASONING = "Reasoning: add the numbers."


def run(library, make_cell, responses, problems=None, samples=1, **cell):
    backend = ScriptedBackend(responses=responses) if isinstance(responses, list) else ScriptedBackend(responses)
    judge = FakeJudge()
    c = make_cell(**cell)
    records = run_batch(problems or [stdio_problem("toy/1")], cell=c,
                        sampling={"samples": samples, "seed": 7, "temperature": 1.0, "max_tokens": 64},
                        prompts=library.for_cell(c), backend=backend, judge=judge, cell_hash="h", cell_name="n")
    return records, backend, judge


def test_stops_early_on_public_pass_with_feedback_in_between(library, make_cell):
    records, backend, judge = run(library, make_cell, [FAIL, PASS], turns=3)
    (r,) = records
    assert r["finish"] == "public_pass" and len(r["attempts"]) == 2
    assert [m["role"] for m in r["messages"]] == ["system", "user", "assistant", "user", "assistant"]
    feedback = r["messages"][3]["content"]
    assert "failed 2 of the 2 public tests" in feedback and "Input:\n1 1" in feedback and "Your output:\nwrong0" in feedback
    assert "```python" in feedback  # the code-block convention is repeated with the feedback
    assert [a["public"]["verdict"] for a in r["attempts"]] == ["WA", "AC"]
    assert r["attempts"][1]["code"] == "print('PASS')\n" and r["attempts"][1]["extraction"] == "fenced"
    assert len(backend.calls) == 2 and len(judge.batches) == 2


def test_stops_at_max_turns(library, make_cell):
    (r,), backend, _ = run(library, make_cell, [FAIL], turns=3)
    assert r["finish"] == "max_turns" and [a["turn"] for a in r["attempts"]] == [1, 2, 3]
    assert r["messages"][-1]["role"] == "assistant"  # no feedback is sent after the last attempt
    assert len(backend.calls) == 3


def test_single_turn_cot_is_two_model_calls_in_one_turn(library, make_cell):
    (r,), backend, _ = run(library, make_cell, [REASONING, PASS], reasoning="explain_io_pairs",
                           instruction="step_by_step", turns=1)
    roles = [m["role"] for m in r["messages"]]
    assert roles == ["system", "user", "assistant", "user", "assistant"]
    first, second = r["messages"][1]["content"], r["messages"][3]["content"]
    assert first.startswith("Problem toy/1") and library.named("reasoning", "explain_io_pairs") in first
    assert "```python" not in first  # the reasoning call does not ask for code
    assert second.startswith(library.named("instruction", "step_by_step")) and "```python" in second
    (a,) = r["attempts"]
    assert a["reasoning"] == ["explain_io_pairs"] and a["instruction"] == "step_by_step"
    assert a["reasoning_response"] == REASONING and a["response"] == PASS
    assert len(backend.calls) == 2


def test_stacked_reasoning_prompts_appear_in_order(library, make_cell):
    (r,), _, _ = run(library, make_cell, [REASONING, PASS], reasoning="problem_tag+self_reflection")
    text = r["messages"][1]["content"]
    tag, reflect = library.named("reasoning", "problem_tag"), library.named("reasoning", "self_reflection")
    assert tag in text and reflect in text and text.index(tag) < text.index(reflect)
    assert r["attempts"][0]["reasoning"] == ["problem_tag", "self_reflection"]


def test_cot_retry_schedule_plain_then_reasoning_then_instruction(library, make_cell):
    def responder(conversation, params):
        return FAIL

    (r,), backend, _ = run(library, make_cell, responder, reasoning="explain_io_pairs",
                           instruction="step_by_step", turns=3, cot_retry=True)
    used = [(a["reasoning"], a["instruction"]) for a in r["attempts"]]
    assert used == [([], None), (["explain_io_pairs"], None), ([], "step_by_step")]
    assert len(backend.calls) == 4  # 1 + 2 (reasoning, code) + 1
    turn1 = r["messages"][1]["content"]
    assert library.named("reasoning", "explain_io_pairs") not in turn1
    assert library.named("instruction", "step_by_step") not in turn1


def test_cot_at_every_turn_without_retry(library, make_cell):
    (r,), backend, _ = run(library, make_cell, lambda c, p: FAIL, reasoning="nl_solution", turns=2)
    assert [a["reasoning"] for a in r["attempts"]] == [["nl_solution"], ["nl_solution"]]
    feedback_turn = r["messages"][5]["content"]  # feedback, then the reasoning prompt, in one user turn
    assert feedback_turn.startswith("Your code failed") and library.named("reasoning", "nl_solution") in feedback_turn
    assert len(backend.calls) == 4


def test_turn_synchronous_batching_one_backend_call_per_turn(library, make_cell):
    """3 problems x 2 samples; the second problem passes at once; every turn is one call with the live ones."""
    problems = [stdio_problem("toy/a"), stdio_problem("toy/b"), stdio_problem("toy/c")]

    def responder(conversation, params):
        return PASS if "Problem toy/b" in conversation[1]["content"] else FAIL

    records, backend, judge = run(library, make_cell, responder, problems=problems, samples=2, turns=3)
    assert [len(batch) for batch in backend.calls] == [6, 4, 4]
    assert [len(batch) for batch in judge.batches] == [6, 4, 4]
    assert [(r["problem_id"], r["sample"]) for r in records] == [(p["id"], s) for p in problems for s in (0, 1)]
    assert [r["finish"] for r in records] == ["max_turns"] * 2 + ["public_pass"] * 2 + ["max_turns"] * 2


def test_seeds_are_per_trajectory_deterministic_and_distinct(library, make_cell):
    problems = [stdio_problem("toy/a"), stdio_problem("toy/b")]
    records, backend, _ = run(library, make_cell, [FAIL], problems=problems, samples=2, turns=2)
    seeds = [r["seed"] for r in records]
    assert seeds == [trajectory_seed(7, pid, s) for pid in ("toy/a", "toy/b") for s in (0, 1)]
    assert len(set(seeds)) == 4
    call_seeds = [p.seed for batch in backend.params for p in batch]
    assert len(set(call_seeds)) == len(call_seeds) == 8  # every model call has its own seed
    again, backend2, _ = run(library, make_cell, [FAIL], problems=problems, samples=2, turns=2)
    assert [p.seed for batch in backend2.params for p in batch] == call_seeds

    def untimed(rs):
        return [{**r, "attempts": [{k: v for k, v in a.items() if not k.endswith("_s")} for a in r["attempts"]]}
                for r in rs]

    assert untimed(again) == untimed(records)  # the same run again: the same records, timings aside


def test_no_code_is_a_failed_attempt_with_feedback_and_never_judged(library, make_cell):
    (r,), _, judge = run(library, make_cell, ["I do not know how to solve this.", PASS], turns=2)
    first = r["attempts"][0]
    assert first["code"] is None and first["extraction"] == "none"
    assert first["public"]["verdict"] == "CE" and first["public"]["detail"] == "no code"
    assert [len(b) for b in judge.batches] == [1]  # only the second attempt had a program
    assert "no code" in r["messages"][3]["content"] and r["finish"] == "public_pass"


def test_garbage_huge_and_non_utf8_output_is_recorded(library, make_cell, tmp_path):
    nasty = "\ud800\x00" + "\u202e" * 10 + "🙂" * 10 + "z" * 1_200_000
    (r,), _, _ = run(library, make_cell, [nasty], turns=1)
    a = r["attempts"][0]
    assert a["response_truncated"] and len(a["response"]) == 1_000_000 and a["response"][0] == "?"
    write_jsonl(tmp_path / "t.jsonl.gz", [r])  # storable as UTF-8 JSON
    assert next(read_jsonl(tmp_path / "t.jsonl.gz"))["attempts"][0]["response"] == a["response"]


def test_ldb_feedback_asks_the_judge_for_a_trace(library, make_cell):
    (r,), _, judge = run(library, make_cell, [FAIL, PASS], feedback="ldb_block", turns=2)
    assert judge.batches[0][0].trace == "block"
    assert "s = 11" in r["messages"][3]["content"]


def test_call_problem_message_names_the_function_and_shows_examples(library, make_cell):
    (r,), _, _ = run(library, make_cell, [PASS], problems=[call_problem("toy/c")])
    text = r["messages"][1]["content"]
    assert "`add`" in text and "assert add(2, 3) == (5, {1})" in text
    assert "a function named `add`" in text


@pytest.mark.parametrize("field", ["public_tests", "statement"])
def test_problem_missing_a_field_is_named(tmp_path, library, make_cell, field):
    from mtcodegen.generate.stage import select_problems

    problem = stdio_problem("toy/1")
    del problem[field]
    with pytest.raises(ValueError, match=f"problem 'toy/1': missing field '{field}'"):
        select_problems([problem], None)


class ErroringBackend(ScriptedBackend):
    """Fails the reasoning call of problem toy/bad (finish_reason "error"), answers everything else."""

    def chat(self, conversations, params):
        out = super().chat(conversations, params)
        for conversation, completions in zip(conversations, out):
            if "toy/bad" in conversation[1]["content"] and len(conversation) == 2:
                completions[0] = type(completions[0])("", 0, 0, "error")
        return out


def test_a_failed_backend_call_ends_only_that_trajectory(library, make_cell):
    backend, judge = ErroringBackend(responses=[REASONING, FAIL, REASONING, PASS]), FakeJudge()
    c = make_cell(reasoning="explain_io_pairs", turns=2)
    bad, good = run_batch([stdio_problem("toy/bad"), stdio_problem("toy/good")], cell=c, sampling={"samples": 1},
                          prompts=library.for_cell(c), backend=backend, judge=judge)
    assert bad["finish"] == "error" and len(bad["attempts"]) == 1
    assert bad["attempts"][0]["public"]["detail"] == "generation error" and bad["attempts"][0]["code"] is None
    assert bad["messages"][-1]["role"] == "assistant"  # no code request after the failed reasoning call
    assert good["finish"] == "public_pass" and len(good["attempts"]) == 2
    assert [len(b) for b in backend.calls] == [2, 1, 1, 1]  # the failed one drops out of every later call
