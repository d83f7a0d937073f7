"""GGUF -> Hugging Face safetensors checkpoint (config, weights, tokenizer with chat template, generation config).

transformers dequantizes a GGUF on load but refuses ``save_pretrained`` on such a model, so the weights are
moved into a fresh model built from the same config, which saves normally. The fresh model is built on the
meta device and takes the loaded tensors as they are (``assign=True``): no second copy of the weights.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from ..jsonl import share_files

log = logging.getLogger(__name__)
DTYPES = ("float32", "bfloat16", "float16")


def gguf_to_checkpoint(gguf_path: Path, out: Path, dtype: str = "float32") -> None:
    if dtype not in DTYPES:
        raise ValueError(f"model dtype {dtype!r} is not one of {', '.join(DTYPES)}")
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer, GenerationConfig

    started = time.time()
    directory, name = str(gguf_path.parent), gguf_path.name
    torch_dtype = getattr(torch, dtype)
    config = AutoConfig.from_pretrained(directory, gguf_file=name)
    tokenizer = AutoTokenizer.from_pretrained(directory, gguf_file=name)
    loaded = AutoModelForCausalLM.from_pretrained(directory, gguf_file=name, dtype=torch_dtype)
    log.info("dequantized %s in %.1fs", name, time.time() - started)

    config.dtype = torch_dtype
    with torch.device("meta"):
        fresh = AutoModelForCausalLM.from_config(config, dtype=torch_dtype)
    state = loaded.state_dict()
    result = fresh.load_state_dict(state, strict=False, assign=True)
    tied = set(getattr(fresh, "_tied_weights_keys", None) or [])
    missing = [k for k in result.missing_keys if k not in tied]
    if missing or result.unexpected_keys:
        raise ValueError(f"GGUF {name}: weights do not fit the config's model (missing {missing[:5]}, "
                         f"unexpected {result.unexpected_keys[:5]})")
    fresh.tie_weights()
    fresh.generation_config = _generation_config(loaded, tokenizer, GenerationConfig)
    out.mkdir(parents=True, exist_ok=True)
    fresh.save_pretrained(out, safe_serialization=True)
    if not tokenizer.chat_template:
        raise ValueError(f"GGUF {name} carries no chat template (tokenizer.chat_template); chat needs one")
    tokenizer.save_pretrained(out)
    share_files(out)
    log.info("wrote %s (%s) in %.1fs", out, dtype, time.time() - started)


def _generation_config(loaded, tokenizer, generation_config_cls):
    generation = getattr(loaded, "generation_config", None) or generation_config_cls()
    # GGUF carries no sampling defaults; keep the end-of-turn token so that generation stops at it.
    eos = {tokenizer.eos_token_id} | set(_as_list(generation.eos_token_id))
    generation.eos_token_id = sorted(t for t in eos if t is not None) or None
    if generation.bos_token_id is None:
        generation.bos_token_id = tokenizer.bos_token_id
    return generation


def _as_list(value):
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]
