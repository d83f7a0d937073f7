"""Attempt similarity and non-code fraction on hand-made programs and responses."""

from __future__ import annotations

import numpy as np
import pytest

from mtcodegen.metrics.analyses import code_similarity, code_tokens, non_code_fraction
from mtcodegen.metrics.estimators import pass_n_at_k


def test_layout_and_comments_do_not_count_as_changes():
    a = "def f(x):\n    return x + 1\n"
    b = "def f(x):  # add one\n\n        return x + 1\n"
    assert code_tokens(a) == code_tokens(b)
    assert code_similarity(a, b) == 1.0


def test_similarity_is_the_difflib_ratio_of_tokens():
    a = "print(1)\n"  # tokens: print ( 1 )
    b = "print(2)\n"  # 3 of 4 tokens match in each: 2*3/8
    assert code_similarity(a, b) == pytest.approx(0.75)
    assert code_similarity("x = 1\n", "while True:\n    pass\n") < 0.2


def test_untokenizable_code_falls_back_to_a_regex_split():
    broken = 'print("unterminated\n'
    assert code_tokens(broken)  # no exception
    assert 0.0 <= code_similarity(broken, "print(1)\n") <= 1.0


def test_non_code_fraction():
    code = "print(1)\n"
    assert non_code_fraction(f"```python\n{code}```", code) == 0.0
    prose = "abcd"  # 4 characters of prose, 8 of code (fence markers count as code)
    assert non_code_fraction(f"{prose}\n```\n{code}```", code) == pytest.approx(4 / (4 + len("```print(1)```")))
    assert non_code_fraction("no code here", None) == 1.0
    assert non_code_fraction(f"see: {code}", code) == pytest.approx(4 / 12)  # unfenced: the code verbatim
    assert non_code_fraction("", None) == 0.0


def test_padding_samples_are_never_drawn():
    # Problem 0 has 1 real sample (fails) and 2 padding rows that would pass if drawn.
    cost = np.ones((2, 3), dtype=np.int64)
    public = np.zeros((2, 3, 1), dtype=bool)
    private = np.zeros((2, 3, 1), dtype=bool)
    public[0, 1:] = private[0, 1:] = True
    public[1, :] = private[1, :] = True
    mean, _, _, per_problem = pass_n_at_k(np.array([1, 3]), cost, public, private, 1, 2, 500,
                                          np.random.default_rng(0))
    assert per_problem.tolist() == [0.0, 1.0] and mean == 0.5
