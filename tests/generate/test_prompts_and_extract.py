"""Prompt files and their rendering; code extraction from any model output."""

from __future__ import annotations

import pytest

from mtcodegen.generate.extract import extract_code
from mtcodegen.generate.feedback import FEEDBACK_PLACEHOLDERS, feedback_values
from mtcodegen.generate.prompts import PromptLibrary, placeholders, render
from generate_fakes import FakeJudge, call_problem, stdio_problem
from mtcodegen.generate.loop import PublicCheck

REASONING = ["self_reflection", "explain_io_pairs", "problem_tag", "problem_difficulty", "nl_solution",
             "multiple_solutions", "helper_docstrings", "intermediate_variables"]
INSTRUCTION = ["helper_functions", "check_constraints", "comment_each_line", "docstring_per_function",
               "weak_then_better", "step_by_step"]
FEEDBACK = ["binary", "failed_tests", "failed_and_passed_tests", "ldb_line", "ldb_block", "ldb_function"]


def test_render_fills_placeholders_and_keeps_values_verbatim():
    assert render("a {x} {{literal}} {y}", x="{y}", y=2) == "a {y} {literal} 2"


def test_render_names_the_template_and_the_unknown_placeholder():
    with pytest.raises(ValueError, match=r"feedback/binary.txt: unknown placeholder \{verdikt\}"):
        render("{verdikt}", "feedback/binary.txt", verdict="WA")


def test_every_paper_prompt_exists_nonempty_and_without_placeholders(library):
    for category, names in (("reasoning", REASONING), ("instruction", INSTRUCTION)):
        for name in names:
            text = library.named(category, name)
            assert len(text) > 40, f"{category}/{name}.txt is too short"
            assert placeholders(text) == set(), f"{category}/{name}.txt has placeholders"
    assert placeholders(library.text("code_block.txt")) == {"interface"}
    assert "```python" in library.text("code_block.txt")
    assert library.text("system.txt")


@pytest.mark.parametrize("feedback", FEEDBACK)
def test_feedback_templates_render_from_a_verdict(library, feedback):
    template = library.named("feedback", feedback)
    assert placeholders(template) <= FEEDBACK_PLACEHOLDERS
    problem = stdio_problem("toy/1", tests=3)
    check = PublicCheck(problem, "PASS_FIRST", trace="line" if feedback.startswith("ldb") else None)
    text = render(template, feedback, **feedback_values(problem, FakeJudge.verdict(check)))
    assert "(wrong answer)" in text or feedback == "binary"  # binary: pass/fail only (tests/generate/test_feedback.py)
    if feedback in ("failed_tests", "failed_and_passed_tests"):
        assert "Input:\n2 2" in text and "Expected output:\n4" in text and "Your output:\nwrong1" in text
    if feedback == "failed_and_passed_tests":
        assert "Passed tests:\n\nTest 1:\nInput:\n1 1" in text
    if feedback == "binary":
        assert "2 2" not in text  # binary feedback reveals no test
    if feedback.startswith("ldb"):
        assert "a = 1, b = 1" in text and "Test 2:" in text


def test_trace_rendering_of_the_sandbox_event_shapes():
    from mtcodegen.generate.feedback import describe_trace

    lines = {"events": [{"line": 2, "function": "solve", "locals": {"a": "1"}}, {"line": 1, "function": "<module>",
                                                                               "locals": {}}]}
    assert describe_trace(lines) == "[BLOCK-0] line 2 in solve\n# a = 1\n[BLOCK-1] line 1\n# (no variables)"
    calls = {"events": [{"event": "call", "function": "solve", "line": 1, "locals": {"a": "1", "b": "2"}},
                        {"event": "return", "function": "solve", "line": 3, "value": "2"}], "total": 5,
             "granularity": "function"}
    assert describe_trace(calls) == ("[call solve, line 1] a = 1, b = 2\n[solve returns 2, line 3]"
                                     "\n... (3 more events not shown) ...")
    assert "no trace" in describe_trace(None)


def test_feedback_for_call_problems_shows_the_call_and_typed_values():
    problem = call_problem("toy/c")
    values = feedback_values(problem, FakeJudge.verdict(PublicCheck(problem, "nope")))
    assert "Call: add(2, 3)" in values["failed_tests"]
    assert "Expected: (5, {1})" in values["failed_tests"]
    assert "Your result:\n'wrong0'" in values["failed_tests"]


def test_feedback_caps_huge_outputs():
    problem = stdio_problem("toy/1", tests=1)
    verdict = FakeJudge.verdict(PublicCheck(problem, "x"))
    verdict["tests"][0]["stdout"] = "9" * 100_000
    assert len(feedback_values(problem, verdict)["failed_tests"]) < 2000


def test_cot_retry_schedule_and_broken_schedules(library, tmp_path):
    assert library.cot_retry_schedule() == ((), ("reasoning",), ("instruction",))
    (tmp_path / "cot_retry.yaml").write_text("turns:\n  - use: [reasonning]\n")
    with pytest.raises(ValueError, match=r"turns.0.use must be a list"):
        PromptLibrary(tmp_path).cot_retry_schedule()


def test_missing_prompt_file_is_named(library, make_cell):
    with pytest.raises(FileNotFoundError, match=r"reasoning/no_such_prompt.txt"):
        library.for_cell(make_cell(reasoning="explain_io_pairs+no_such_prompt"))


def test_non_utf8_prompt_file_is_an_error(tmp_path):
    (tmp_path / "system.txt").write_bytes(b"caf\xe9")
    with pytest.raises(ValueError, match=r"system.txt is not UTF-8"):
        PromptLibrary(tmp_path).text("system.txt")


# ----------------------------------------------------------------------------------------------------- extraction

def test_last_fenced_python_block_wins():
    text = "First try:\n```python\nprint(1)\n```\nBetter:\n```py\nprint(2)\n```\nDone."
    assert extract_code(text).code == "print(2)\n" and extract_code(text).method == "fenced"


def test_untagged_block_counts_other_languages_do_not():
    assert extract_code("```\nx = 1\n```").code == "x = 1\n"
    assert extract_code("```cpp\nint main() {}\n```").method == "none"
    assert extract_code("```cpp\nint main() {}\n```\n```python\nok = 1\n```").code == "ok = 1\n"


def test_quoted_sample_io_in_an_untagged_block_does_not_hide_the_program():
    text = "```python\nprint(int(input()) * 2)\n```\nFor the input\n```\n3\n```\nit prints\n```\n6 apples\n```"
    assert extract_code(text).code == "print(int(input()) * 2)\n"
    broken = "```python\ndef f(:\n```\nOutput:\n```\n1 2 3 ?\n```"
    assert extract_code(broken).code == "def f(:\n"  # nothing parses: the tagged block is still the answer


def test_unterminated_block_is_a_heuristic_extraction():
    found = extract_code("Here it is:\n```python\nimport sys\nprint(sys.stdin.read()")
    assert found.method == "heuristic" and found.code.startswith("import sys")


def test_unfenced_code_after_prose_is_found_and_trailing_prose_dropped():
    found = extract_code("Sure, here is my answer.\nn = int(input())\nprint(n * 2)\nThis doubles the number.")
    assert found.method == "heuristic" and found.code == "n = int(input())\nprint(n * 2)\n"


def test_prose_only_is_no_code():
    assert extract_code("I cannot solve this problem, sorry.").method == "none"
    assert extract_code("").code is None


def test_garbage_and_huge_and_non_utf8_outputs_never_crash():
    garbage = "\x00\x01```\x7f{{{]]]" * 1000 + "\ud800 lone surrogate"
    assert extract_code(garbage).method in ("none", "heuristic", "fenced")
    huge = "x = 1\n" * 300_000 + "and then some prose ."
    found = extract_code(huge)
    assert found.method in ("none", "heuristic")
    big_block = "```python\n" + "y = 2\n" * 200_000 + "```"
    assert extract_code(big_block).code.count("\n") == 200_000
