"""The transformers baseline (benchmarks only) on SmolLM2: shapes, token counts, seeds, stop at end of turn."""

from __future__ import annotations

import pytest

from mtcodegen.generate.backends import SamplingParams, load_backend

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def backend(smollm2_checkpoint):
    with load_backend(smollm2_checkpoint, {"backend": "transformers", "dtype": "float32", "batch_size": 4}) as b:
        yield b


def test_batch_shapes_counts_and_seeds(backend):
    a = [{"role": "user", "content": "What is the capital of France?"}]
    b = [{"role": "user", "content": "Write a haiku about the sea, please, in English."}]
    seeded = SamplingParams(max_tokens=12, n=2, seed=5)
    first = backend.chat([a, b], [seeded, SamplingParams(max_tokens=12)])
    again = backend.chat([a], [seeded])
    assert [len(r) for r in first] == [2, 1]
    assert [c.text for c in first[0]] == [c.text for c in again[0]]
    assert first[0][0].prompt_tokens != first[1][0].prompt_tokens  # unpadded prompt lengths
    for row in first:
        for c in row:
            assert 0 < c.completion_tokens <= 12 and c.finish_reason in ("stop", "length")
            assert "<|im_end|>" not in c.text


def test_greedy_stops_at_end_of_turn(backend):
    out = backend.chat([[{"role": "user", "content": "Say only the word yes."}]],
                       [SamplingParams(temperature=0.0, max_tokens=40)])[0][0]
    assert out.finish_reason == "stop" and out.completion_tokens < 40
