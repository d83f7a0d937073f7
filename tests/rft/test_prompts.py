"""CoT prompt stripping: the reasoning/instruction texts leave the user turns, the feedback stays."""

from __future__ import annotations

import pytest

from mtcodegen.rft.prompts import load_prompt_texts, strip_prompts


def test_cot_text_is_gone_and_feedback_and_statement_are_kept(synthetic, prompts_dir):
    texts = load_prompt_texts(prompts_dir, synthetic.PARAMS["generator"])
    trajectory = synthetic.make_trajectory("p/1", 0, ["print(1)", "print(3)"], statement="Add two numbers.")
    messages, removed = strip_prompts(trajectory, texts)
    assert removed == 2
    # the reasoning step and the code step of turn 1 become one exchange: asked for code, the model reasons
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user", "assistant"]
    assert messages[1]["content"] == f"Add two numbers.\n\n{synthetic.CODE_BLOCK}"
    assert messages[2]["content"].startswith("The first example adds 1 and 2.\n\n")
    assert messages[2]["content"].endswith(trajectory["attempts"][0]["response"])
    assert messages[3]["content"] == f"{synthetic.FEEDBACK}\n\n{synthetic.CODE_BLOCK}"  # feedback kept
    assert messages[4]["content"] == trajectory["messages"][-1]["content"]
    assert all(synthetic.REASONING not in m["content"] and synthetic.INSTRUCTION not in m["content"]
               for m in messages)
    assert synthetic.REASONING in trajectory["messages"][1]["content"]  # the input record is not mutated


def test_without_cot_prompts_the_conversation_is_unchanged(synthetic, prompts_dir):
    texts = load_prompt_texts(prompts_dir, synthetic.PARAMS["generator"])
    trajectory = synthetic.make_trajectory("p/1", 0, ["print(1)", "print(3)"], cot=False)
    messages, removed = strip_prompts(trajectory, texts)
    assert removed == 0
    assert messages == trajectory["messages"]


def test_a_declared_prompt_missing_from_its_turn_is_an_error(synthetic, prompts_dir):
    texts = load_prompt_texts(prompts_dir, synthetic.PARAMS["generator"])
    trajectory = synthetic.make_trajectory("p/1", 0, ["print(1)"])
    trajectory["messages"][1]["content"] = "Add two numbers. (prompt paraphrased by the generator)"
    with pytest.raises(ValueError, match="explain_io_pairs.*not in its user message"):
        strip_prompts(trajectory, texts)


def test_a_conversation_shorter_than_its_attempts_is_an_error(synthetic, prompts_dir):
    texts = load_prompt_texts(prompts_dir, synthetic.PARAMS["generator"])
    trajectory = synthetic.make_trajectory("p/1", 0, ["print(1)", "print(2)"])
    del trajectory["messages"][-2:]
    with pytest.raises(ValueError, match="expected a user message"):
        strip_prompts(trajectory, texts)


def test_missing_prompt_file_names_the_prompt(tmp_path):
    with pytest.raises(FileNotFoundError, match="reasoning prompt 'self_reflection'"):
        load_prompt_texts(tmp_path, {"reasoning": "self_reflection", "instruction": "none"})
