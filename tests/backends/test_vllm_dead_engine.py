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


# --- the engine's dtype on the machine it runs on ----------------------------------------------------------
ZEN3 = "processor\t: 0\nflags\t\t: fpu sse2 avx avx2 fma\n"  # AMD EPYC Zen 3, as /proc/cpuinfo shows it
SAPPHIRE_RAPIDS = "flags\t\t: fpu avx2 avx512f avx512_bf16 amx_bf16 amx_tile\n"


def test_native_dtype_is_float32_on_a_cpu_without_native_bfloat16_and_bfloat16_elsewhere():
    assert vllm_backend.cpu_flags(ZEN3) == {"fpu", "sse2", "avx", "avx2", "fma"}
    assert vllm_backend.resolve_dtype("native", True, vllm_backend.cpu_flags(ZEN3)) == "float32"
    assert vllm_backend.resolve_dtype("native", True, vllm_backend.cpu_flags(SAPPHIRE_RAPIDS)) == "bfloat16"
    assert vllm_backend.resolve_dtype("native", True, {"avx512_bf16"}) == "bfloat16"
    assert vllm_backend.resolve_dtype("native", False, set()) == "bfloat16"  # accelerators
    assert vllm_backend.cpu_flags("no flags here\n") == set()


def test_an_explicit_dtype_is_kept_and_emulated_bfloat16_is_warned_about(caplog):
    assert vllm_backend.resolve_dtype("float16", True, set()) == "float16"
    with caplog.at_level("WARNING"):
        assert vllm_backend.resolve_dtype("bfloat16", True, vllm_backend.cpu_flags(ZEN3)) == "bfloat16"
    assert "without AMX/AVX512-BF16" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING"):
        vllm_backend.resolve_dtype("bfloat16", True, vllm_backend.cpu_flags(SAPPHIRE_RAPIDS))
    assert caplog.text == ""


def test_engine_config_resolves_native_and_gives_a_cpu_step_all_the_time_it_needs(monkeypatch, tmp_path):
    monkeypatch.setattr(vllm_backend, "cpu_flags", lambda cpuinfo=None: {"avx2"})
    monkeypatch.delenv("VLLM_EXECUTE_MODEL_TIMEOUT_SECONDS", raising=False)
    kwargs, env, _ = vllm_backend.engine_config(tmp_path, {"dtype": "native", "max_model_len": 1024}, None, True)
    assert kwargs["dtype"] == "float32"
    # vLLM's 300 s per step killed a healthy CPU engine (20 prompts prefilled at ~9 tokens/s, bfloat16 on Zen 3)
    assert int(env["VLLM_EXECUTE_MODEL_TIMEOUT_SECONDS"]) >= 3600
    monkeypatch.setenv("VLLM_EXECUTE_MODEL_TIMEOUT_SECONDS", "42")  # the user's own setting wins
    assert "VLLM_EXECUTE_MODEL_TIMEOUT_SECONDS" not in vllm_backend.engine_config(tmp_path, {}, None, True)[1]
    kwargs, env, _ = vllm_backend.engine_config(tmp_path, {"dtype": "native"}, None, False)
    assert kwargs["dtype"] == "bfloat16" and "VLLM_EXECUTE_MODEL_TIMEOUT_SECONDS" not in env  # GPUs: vLLM's own
