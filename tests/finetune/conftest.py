"""Finetune fixtures: RFT-style chats, and a tiny randomly initialized Llama with the SmolLM2 tokenizer
(trains in a second a step, for the mask and resume tests; the real SmolLM2 runs in test_train.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def chats(n: int = 6) -> list[dict]:
    return [
        {"messages": [{"role": "system", "content": "You are a programmer."},
                      {"role": "user", "content": f"Print the number {i}."},
                      {"role": "assistant", "content": f"```python\nprint({i})\n```"},
                      {"role": "user", "content": "Your code failed: expected a newline."},
                      {"role": "assistant", "content": f"```python\nprint({i}, end='\\n')\n```"}],
         "problem_id": f"p/{i}", "source_cell": "c" * 16, "turns": 2}
        for i in range(n)
    ]


@pytest.fixture
def train_file(tmp_path) -> Path:
    path = tmp_path / "train.jsonl"
    path.write_text("".join(json.dumps(c) + "\n" for c in chats()))
    return path


def _tiny_checkpoint(tokenizer_dir: Path, out: Path, architecture: str) -> Path:
    """A randomly initialized 2-layer model of `architecture` ("Llama" or "Qwen2", as transformers names its
    classes) with the tokenizer and chat template of `tokenizer_dir`, saved to `out`."""
    import torch
    import transformers

    tokenizer = transformers.AutoTokenizer.from_pretrained(tokenizer_dir)
    config = getattr(transformers, f"{architecture}Config")(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512, tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id)
    torch.manual_seed(0)
    getattr(transformers, f"{architecture}ForCausalLM")(config).save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


@pytest.fixture(scope="session")
def tiny_checkpoint(smollm2_checkpoint, tmp_path_factory) -> Path:
    return _tiny_checkpoint(smollm2_checkpoint, tmp_path_factory.mktemp("tiny-llama"), "Llama")


@pytest.fixture(scope="session")
def tiny_qwen2_checkpoint(smollm2_checkpoint, tmp_path_factory) -> Path:
    """A 2-layer Qwen2 (the paper's Llama and our Qwen2.5 share its layout) with the SmolLM2 tokenizer and chat
    template."""
    return _tiny_checkpoint(smollm2_checkpoint, tmp_path_factory.mktemp("tiny-qwen2"), "Qwen2")


def params(**overrides) -> dict:
    base = {"method": "lora", "learning_rate": 1e-3, "lr_scheduler": "cosine", "warmup_steps": 0,
            "min_lr_ratio": 0.1, "max_steps": 2, "batch_size": 2, "max_seq_length": 96, "save_steps": 50,
            "lora": {"r": 4, "alpha": 8, "dropout": 0.0}}
    return base | overrides


@pytest.fixture
def ft():
    """This module's helpers (tests import no conftest by name under --import-mode=importlib)."""
    import sys

    return sys.modules[__name__]
