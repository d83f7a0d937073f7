"""Batches in tokens: packed sequences keep each chat's assistant-only labels and its own attention.

The expected mask is computed here from the ChatML text itself (the assistant turns between
``<|im_start|>assistant\\n`` and ``<|im_end|>\\n``), not with mtcodegen.finetune.masking; the expected loss
of a packed row is the token-weighted mean of each chat's loss computed alone.
"""

from __future__ import annotations

import math
import re

import pytest

from mtcodegen.finetune.train import batch_plan, derived_steps

ASSISTANT = re.compile(r"<\|im_start\|>assistant\n(.*?<\|im_end\|>\n)", re.DOTALL)


def test_the_paper_batch_is_64_sequences_of_8192_split_over_the_processes():
    paper = {"global_batch_tokens": 524_288, "max_seq_length": 8192, "batch_size": 1}
    one_node = batch_plan(paper, world_size=8)
    assert one_node == {"packing": True, "per_device": 1, "accumulation": 8, "sequences_per_step": 64,
                        "tokens_per_step": 524_288}
    assert batch_plan(paper, world_size=16)["accumulation"] == 4  # 2 nodes of 8 GPUs
    assert batch_plan(paper | {"batch_size": 2}, world_size=32)["accumulation"] == 1
    # one epoch of 34,880 packed sequences (≈ 285.7M tokens) is the paper's ~545 steps
    assert derived_steps(paper | {"max_steps": -1, "epochs": 1}, 34_880, one_node) == 545
    assert derived_steps(paper | {"max_steps": -1, "epochs": 1}, 34_881, one_node) == 546
    assert derived_steps(paper | {"max_steps": 7}, 34_880, one_node) == 7
    with pytest.raises(ValueError, match="multiple of max_seq_length"):
        batch_plan(paper | {"global_batch_tokens": 500_000}, world_size=8)
    with pytest.raises(ValueError, match="cannot be split evenly"):
        batch_plan(paper, world_size=48)
    unpacked = batch_plan({"batch_size": 2, "gradient_accumulation_steps": 3}, world_size=2)
    assert unpacked["packing"] is False and unpacked["sequences_per_step"] == 12


def _chats():
    """Chats of different lengths, so that bins hold several of them."""
    out = []
    for i in range(8):
        body = "x = 1\n" * (1 + 3 * (i % 4))
        out.append({"messages": [
            {"role": "system", "content": "You are a programmer."},
            {"role": "user", "content": f"Task {i}: assign x."},
            {"role": "assistant", "content": f"```python\n{body}```"},
            *([{"role": "user", "content": "Wrong: print it."},
               {"role": "assistant", "content": f"```python\n{body}print(x)\n```"}] if i % 2 else []),
        ]})
    return out


def _independent_labels(tokenizer, messages):
    text = tokenizer.apply_chat_template(messages, tokenize=False)
    spans = [m.span(1) for m in ASSISTANT.finditer(text)]
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    return [tok if any(a <= start < b for a, b in spans) else -100
            for tok, (start, _) in zip(encoded["input_ids"], encoded["offset_mapping"])]


@pytest.mark.slow
def test_packed_rows_keep_each_chats_assistant_labels_and_attention(ft, tiny_checkpoint, tmp_path):
    import json

    import torch
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTTrainer

    from mtcodegen.finetune.train import load_examples, sft_config

    chats = _chats()
    data = tmp_path / "train.jsonl"
    data.write_text("".join(json.dumps(c) + "\n" for c in chats))
    tokenizer = AutoTokenizer.from_pretrained(tiny_checkpoint)
    length = 256
    examples, counts = load_examples(data, tokenizer, length)
    assert counts["truncated"] == 0
    params = ft.params(max_seq_length=length, global_batch_tokens=2 * length, batch_size=1)
    plan = batch_plan(params, 1)
    model = AutoModelForCausalLM.from_pretrained(tiny_checkpoint)
    trainer = SFTTrainer(model=model, args=sft_config(params, tmp_path / "ck", cuda=False, plan=plan),
                         train_dataset=Dataset.from_list(examples), processing_class=tokenizer)
    assert plan["accumulation"] == 2 and len(trainer.train_dataset) < len(chats)  # several chats per row

    expected = {}
    for chat in chats:
        ids = tokenizer.apply_chat_template(chat["messages"], tokenize=False)
        ids = tokenizer(ids, add_special_tokens=False)["input_ids"]
        expected[tuple(ids)] = _independent_labels(tokenizer, chat["messages"])
    seen, multi = [], 0
    model.eval()
    for batch in trainer.get_train_dataloader():
        ids, labels, positions = batch["input_ids"][0], batch["labels"][0], batch["position_ids"][0]
        assert "attention_mask" not in batch and ids.numel() <= length
        starts = (positions == 0).nonzero().flatten().tolist() + [ids.numel()]
        multi += len(starts) > 2
        segments = []
        for a, b in zip(starts, starts[1:]):
            key = tuple(ids[a:b].tolist())
            assert key in expected, "a packed segment is not one whole chat"
            assert labels[a:b].tolist() == expected[key]  # the boundary token included
            assert positions[a:b].tolist() == list(range(b - a))
            segments.append(key)
            seen.append(key)
        # the packed row's loss is the token-weighted mean of the chats' losses computed one by one: no
        # attention and no label crosses a boundary
        with torch.no_grad():
            packed = model(input_ids=batch["input_ids"], position_ids=batch["position_ids"],
                           labels=batch["labels"]).loss.item()
            total, weight = 0.0, 0
            for key in segments:
                lab = torch.tensor([expected[key]])
                n = int((lab[0, 1:] != -100).sum())
                alone = model(input_ids=torch.tensor([key]), labels=lab).loss.item()
                total, weight = total + alone * n, weight + n
        assert packed == pytest.approx(total / weight, rel=1e-5, abs=1e-6)
    assert sorted(seen) == sorted(expected) and multi >= 1  # every chat once, some rows hold several
    assert math.isfinite(packed)
