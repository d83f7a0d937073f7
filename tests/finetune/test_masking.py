"""The loss sees assistant tokens only: our mask, and the labels TRL's SFTTrainer builds from it."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow  # needs the SmolLM2 tokenizer (the smollm2_checkpoint fixture)


def test_mask_covers_exactly_the_assistant_turns(ft, tiny_checkpoint):
    from transformers import AutoTokenizer

    from mtcodegen.finetune.masking import tokenize_chat

    tokenizer = AutoTokenizer.from_pretrained(tiny_checkpoint)
    chat = ft.chats(1)[0]["messages"]
    example = tokenize_chat(tokenizer, chat, None)
    ids, mask = example["input_ids"], example["assistant_masks"]
    trained = tokenizer.decode([i for i, m in zip(ids, mask) if m])
    ignored = tokenizer.decode([i for i, m in zip(ids, mask) if not m])
    assert trained == "```python\nprint(0)\n```<|im_end|>\n```python\nprint(0, end='\\n')\n```<|im_end|>\n"
    assert "You are a programmer." in ignored and "Print the number 0." in ignored
    assert "expected a newline" in ignored
    assert "print(0)" not in ignored
    assert len(tokenize_chat(tokenizer, chat, 10)["input_ids"]) == 10


def test_trainer_labels_ignore_system_and_user_tokens(ft, tiny_checkpoint, train_file, tmp_path):
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTTrainer

    from mtcodegen.finetune.train import load_examples, sft_config

    tokenizer = AutoTokenizer.from_pretrained(tiny_checkpoint)
    examples, counts = load_examples(train_file, tokenizer, 96)
    trainer = SFTTrainer(model=AutoModelForCausalLM.from_pretrained(tiny_checkpoint),
                         args=sft_config(ft.params(), tmp_path / "ck", cuda=False),
                         train_dataset=Dataset.from_list(examples), processing_class=tokenizer)
    row = trainer.train_dataset[0]
    labels, ids = row["labels"], row["input_ids"]
    assert len(labels) == len(ids)
    masked = [i for i, label in zip(ids, labels) if label == -100]
    kept = [label for label in labels if label != -100]
    assert kept == [i for i, m in zip(examples[0]["input_ids"], examples[0]["assistant_masks"]) if m]
    assert "Print the number 0." in tokenizer.decode(masked)
    assert "print(0)" not in tokenizer.decode(masked)
    assert 0 < counts["assistant_tokens"] < counts["tokens"]
