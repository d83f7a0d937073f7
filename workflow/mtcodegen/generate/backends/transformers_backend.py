"""Plain ``transformers`` ``generate()``: the throughput baseline of benchmarks/generation_throughput.py.

Left-padded batches of ``batch_size`` prompts, one ``generate`` call per sampling setting; per-conversation
seeds are honoured by generating conversation by conversation when seeds differ (as the loop asks), which is
also what a careful baseline does. Not meant for production runs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .base import Backend, Completion, Message, SamplingParams
from .registry import BackendInfo

log = logging.getLogger(__name__)


class TransformersBackend(Backend):
    name = "transformers"

    def __init__(self, model_dir: str | Path, dtype: str = "float32", batch_size: int = 8,
                 cpu_threads: int | None = None):
        started = time.time()
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        if cpu_threads:
            torch.set_num_threads(int(cpu_threads))
        self.torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir, padding_side="left")
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=getattr(torch, dtype)).eval()
        self.batch_size = max(1, int(batch_size))
        self.capacity = self.batch_size
        self._describe = {"backend": "transformers", "engine": f"transformers {__import__('transformers').__version__}",
                          "dtype": dtype, "device": "cpu"}
        self.startup_s = time.time() - started
        log.info("transformers backend ready in %.1fs", self.startup_s)

    def chat(
        self, conversations: Sequence[Sequence[Message]], params: Sequence[SamplingParams]
    ) -> list[list[Completion]]:
        if len(conversations) != len(params):
            raise ValueError(f"{len(conversations)} conversations but {len(params)} sampling parameters")
        results: list[list[Completion]] = [[] for _ in conversations]
        # Batch conversations that share their sampling settings and carry no seed of their own.
        groups: dict[Any, list[int]] = {}
        for i, p in enumerate(params):
            key = (p.temperature, p.top_p, p.max_tokens, p.n, p.stop, p.seed if p.seed is not None else "any")
            groups.setdefault(key if p.seed is None else (key, i), []).append(i)
        for indices in groups.values():
            for start in range(0, len(indices), self.batch_size):
                batch = indices[start:start + self.batch_size]
                for i, completions in zip(batch, self._generate([conversations[i] for i in batch], params[batch[0]])):
                    results[i] = completions
        return results

    def describe(self) -> dict[str, Any]:
        return dict(self._describe)

    def _generate(self, conversations: list[Sequence[Message]], p: SamplingParams) -> list[list[Completion]]:
        torch = self.torch
        prompts = [self.tokenizer.apply_chat_template(list(c), tokenize=False, add_generation_prompt=True)
                   for c in conversations]
        enc = self.tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
        if p.seed is not None:
            torch.manual_seed(p.seed)
        with torch.inference_mode():
            out = self.model.generate(
                **enc, do_sample=p.temperature > 0, temperature=p.temperature or None, top_p=p.top_p,
                max_new_tokens=p.max_tokens, num_return_sequences=p.n, pad_token_id=self.tokenizer.pad_token_id,
                stop_strings=list(p.stop) or None, tokenizer=self.tokenizer if p.stop else None,
            )
        width = enc["input_ids"].shape[1]
        eos = set(_as_list(self.model.generation_config.eos_token_id)) | {self.tokenizer.eos_token_id}
        results = []
        for i in range(len(conversations)):
            prompt_tokens = int(enc["attention_mask"][i].sum())
            row = []
            for j in range(p.n):
                tokens = out[i * p.n + j, width:].tolist()
                ended = next((k for k, t in enumerate(tokens) if t in eos), None)
                kept = tokens if ended is None else tokens[:ended]
                text = self.tokenizer.decode(kept, skip_special_tokens=True)
                stopped = ended is not None or len(kept) < p.max_tokens  # end of turn, or a stop string
                row.append(Completion(text=text, prompt_tokens=prompt_tokens,
                                      completion_tokens=len(kept) + (ended is not None),
                                      finish_reason="stop" if stopped else "length"))
            results.append(row)
        return results


def _as_list(value):
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


# --- registration (backends/registry.py): this module is the `transformers` backend ----------------------------
def _load(model_dir: Path | None, options: dict[str, Any]) -> TransformersBackend:
    from .engine_options import adapter_base

    if adapter_base(model_dir):
        raise ValueError(f"{model_dir} is a LoRA adapter; the transformers baseline takes full checkpoints only")
    return TransformersBackend(model_dir, **options)


BACKEND = BackendInfo(
    "transformers", "plain transformers generate(): the throughput baseline",
    {"dtype": "float32 | bfloat16 | float16", "batch_size": "conversations per generate() call",
     "cpu_threads": "torch threads"},
    _load, extra="generate",
)
