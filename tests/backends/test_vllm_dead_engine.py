"""A dead vLLM engine is an EngineDied error naming the call or the requests in flight (issue #16), and the
CPU scheduler settings that keep seeded requests from killing it. No engine is started: the engine object is
a stand-in that raises vLLM's own EngineDeadError."""

from __future__ import annotations

import pytest

from mtcodegen.generate.backends.base import EngineDied, SamplingParams

vllm_backend = pytest.importorskip("mtcodegen.generate.backends.vllm_backend")
exceptions = pytest.importorskip("vllm.v1.engine.exceptions")


class DeadLLM:
    class llm_engine:  # noqa: N801 - stands in for the attribute
        @staticmethod
        def has_unfinished_requests():
            return True

        @staticmethod
        def step():
            raise exceptions.EngineDeadError()

    def chat(self, *args, **kwargs):
        raise exceptions.EngineDeadError()


class Tokens:
    def apply_chat_template(self, conversation, tokenize, add_generation_prompt):
        return list(range(sum(len(m["content"].split()) for m in conversation)))


def backend():
    b = vllm_backend.VLLMBackend.__new__(vllm_backend.VLLMBackend)
    b.llm, b._tokenizer, b._dead, b._lora = DeadLLM(), Tokens(), None, None
    b.max_model_len, b._sampling_cls, b._flight, b._ready = 1000, lambda **kw: kw, {}, []
    return b


def test_a_dead_engine_in_a_batch_call_names_the_call_then_refuses_more():
    b = backend()
    conversations = [[{"role": "user", "content": "one two three"}], [{"role": "user", "content": "four five"}]]
    with pytest.raises(EngineDied, match=r"died while generating one call of 2 conversations \(5 prompt tokens, "
                                         r"max_tokens 8\).*engine's own traceback is in the log"):
        b.chat(conversations, [SamplingParams(max_tokens=8, seed=1), SamplingParams(max_tokens=8, seed=2)])
    with pytest.raises(EngineDied, match="died earlier"):
        b.chat(conversations[:1], [SamplingParams()])


def test_a_dead_engine_with_requests_in_flight_names_them():
    b = backend()
    b._flight = {"7": (("toy/1", 0, 2), 1, 40), "8": (("toy/2", 1, 1), 1, 60)}
    with pytest.raises(EngineDied, match=r"2 requests in flight \(100 prompt tokens; first: \('toy/1', 0, 2\)"):
        b.poll()
    with pytest.raises(EngineDied, match="died earlier"):
        b.submit("k", [{"role": "user", "content": "x"}], SamplingParams())


def test_cpu_keeps_chunked_prefill_off_and_the_budget_at_least_the_context():
    assert vllm_backend.scheduler_options({}, True, 4096) == {"enable_chunked_prefill": False,
                                                               "max_num_batched_tokens": 4096}
    assert vllm_backend.scheduler_options({}, True, 32768)["max_num_batched_tokens"] == 32768  # a whole prompt fits
    assert vllm_backend.scheduler_options({"max_num_batched_tokens": 1024}, True, 2048)["max_num_batched_tokens"] == 4096
    with pytest.raises(ValueError, match="enable_chunked_prefill: true cannot run on CPU"):
        vllm_backend.scheduler_options({"enable_chunked_prefill": True}, True, 4096)
    assert vllm_backend.scheduler_options({}, False, 4096) == {}  # GPUs: vLLM's own defaults
