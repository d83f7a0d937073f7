"""First-message templates and chosen system prompts (prompts/problem/, prompts/system/), and the HumanEval
prompt shown once (issue 13: the prompt appeared twice, as statement and as starter code)."""

from __future__ import annotations

import pytest

from mtcodegen.generate.backends.scripted import ScriptedBackend
from mtcodegen.generate.loop import run_batch
from mtcodegen.generate.prompts import PromptLibrary, problem_message
from generate_fakes import FakeJudge, call_problem

FAIL = "```python\ndef add(a, b):\n    return 0\n```"
PROMPT = 'def add(a, b):\n    """Add two numbers.\n    >>> add(2, 3)\n    5\n    """\n'


def humaneval_like(pid="toy/he"):
    return call_problem(pid) | {"statement": PROMPT, "starter_code": PROMPT}


def run(cell, problems, responses):
    backend = ScriptedBackend(responses=responses)
    library = PromptLibrary()
    records = run_batch(problems, cell=cell, sampling={"samples": 1, "seed": 7, "temperature": 0.0, "max_tokens": 64},
                        prompts=library.for_cell(cell), backend=backend, judge=FakeJudge(), cell_hash="h", cell_name="n")
    return records, library


def test_starter_code_equal_to_the_statement_is_shown_once():
    # Failed before the fix: the HumanEval prompt appeared twice ("Start from this code:" repeated it).
    text = problem_message(humaneval_like())
    assert text.count('"""Add two numbers.') == 1
    assert "Start from this code" not in text


def test_starter_code_other_than_the_statement_is_still_shown():
    text = problem_message(call_problem("toy/c") | {"starter_code": "def add(a, b):\n    pass\n"})
    assert "Start from this code:\n```python\ndef add(a, b):\n    pass\n```" in text


def test_template_and_system_prompt_chosen_by_the_cell(make_cell):
    cell = make_cell(turns=2, system="evalplus_instruct", problem_template="evalplus_instruct")
    (r,), library = run(cell, [humaneval_like()], [FAIL])
    system, first, feedback = r["messages"][0]["content"], r["messages"][1]["content"], r["messages"][3]["content"]
    assert system == library.named("system", "evalplus_instruct")
    template = library.named("problem", "evalplus_instruct")
    assert first == template.replace("{statement}", PROMPT.strip())  # the template alone: no code-block request
    assert "inside a single ```python code block" in feedback  # later turns keep the code-block convention


def test_default_cell_keeps_the_default_messages(make_cell):
    (r,), library = run(make_cell(), [humaneval_like()], [FAIL])
    assert r["messages"][0]["content"] == library.text("system.txt")
    assert r["messages"][1]["content"].endswith(
        library.text("code_block.txt").replace("{interface}", "a function named `add` (with the imports it needs)"))


def test_unknown_template_placeholder_is_refused(tmp_path, make_cell):
    for name in ("system.txt", "code_block.txt"):
        (tmp_path / name).write_text(PromptLibrary().text(name))
    (tmp_path / "feedback").mkdir()
    for name in ("failed_tests.txt", "failed_tests.yaml"):  # a feedback type is its template and its data file
        (tmp_path / "feedback" / name).write_text((PromptLibrary().root / "feedback" / name).read_text())
    (tmp_path / "problem").mkdir()
    (tmp_path / "problem" / "bad.txt").write_text("Solve {statment}")
    with pytest.raises(ValueError, match=r"unknown placeholder\(s\) \['statment'\]"):
        PromptLibrary(tmp_path).for_cell(make_cell(problem_template="bad"))
