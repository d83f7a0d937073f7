"""One finetune node: RFT chats → TRL SFTTrainer (LoRA or full) → a merged HF checkpoint.

Layout of results/finetune/<h>/:
  checkpoints/checkpoint-<step>/   trainer state for resuming (kept after success: nothing computed is lost)
  adapter/                         the LoRA adapter (method: lora)
  model/                           the merged checkpoint the generate stage loads (config, safetensors,
                                   tokenizer with its chat template); written to model.partial/ and renamed
  loss.csv                         the trainer's log history (step, loss, learning_rate, grad_norm, epoch)
  summary.json                     examples, tokens, steps, device, seconds per step, resumed-from

The same code runs on a GPU (bf16) or the CPU (float32); `accelerate launch -m mtcodegen.cli finetune ...`
spreads it over several GPUs.
"""

from __future__ import annotations

import csv
import json
import shutil
import time
from pathlib import Path
from typing import Any

from ..jsonl import read_jsonl, share_files, write_json
from .masking import tokenize_chat

LOG_FIELDS = ("step", "epoch", "loss", "learning_rate", "grad_norm")
DEFAULTS = {
    "method": "lora", "learning_rate": 2.0e-6, "lr_scheduler": "cosine", "warmup_steps": 10, "min_lr_ratio": 0.1,
    "max_steps": -1, "epochs": 1, "batch_size": 1, "gradient_accumulation_steps": 1, "max_seq_length": 8192,
    "seed": 0, "save_steps": 50, "lora": {},
}


def load_examples(data_path: str | Path, tokenizer, max_length: int) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Tokenized training examples, and counts of what was read and dropped."""
    examples, counts = [], {"chats": 0, "dropped_no_assistant_tokens": 0, "truncated": 0}
    for record in read_jsonl(data_path):
        counts["chats"] += 1
        full = tokenize_chat(tokenizer, record["messages"], None)
        if len(full["input_ids"]) > max_length:
            counts["truncated"] += 1
        example = {k: v[:max_length] for k, v in full.items()}
        if not any(example["assistant_masks"]):  # truncation cut every assistant token: nothing to learn
            counts["dropped_no_assistant_tokens"] += 1
            continue
        examples.append(example)
    if not examples:
        raise ValueError(
            f"no training examples in {data_path} ({counts['chats']} chats read): the RFT data is empty when no "
            "trajectory of the generator cell passed every test (see stats.json beside it); draw more samples or "
            "train on an easier split"
        )
    counts["examples"] = len(examples)
    counts["tokens"] = sum(len(e["input_ids"]) for e in examples)
    counts["assistant_tokens"] = sum(sum(e["assistant_masks"]) for e in examples)
    return examples, counts


def scheduler_args(params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """HF scheduler name and kwargs: cosine decays to min_lr_ratio × peak, not to zero."""
    name = params["lr_scheduler"]
    if name in ("cosine", "cosine_with_min_lr"):
        return "cosine_with_min_lr", {"min_lr_rate": params["min_lr_ratio"]}
    if name == "constant":
        return "constant_with_warmup", {}
    return name, {}


def sft_config(params: dict[str, Any], checkpoints: Path, cuda: bool):
    from trl import SFTConfig

    params = DEFAULTS | params
    scheduler, scheduler_kwargs = scheduler_args(params)
    return SFTConfig(
        output_dir=str(checkpoints),
        max_steps=params["max_steps"],
        num_train_epochs=params["epochs"],
        per_device_train_batch_size=params["batch_size"],
        gradient_accumulation_steps=params["gradient_accumulation_steps"],
        learning_rate=params["learning_rate"],
        lr_scheduler_type=scheduler,
        lr_scheduler_kwargs=scheduler_kwargs,
        warmup_steps=params["warmup_steps"],
        max_length=params["max_seq_length"],
        packing=False,
        logging_steps=1,
        save_strategy="steps",
        save_steps=params["save_steps"],
        save_total_limit=2,
        seed=params["seed"],
        data_seed=params["seed"],
        bf16=cuda,
        use_cpu=not cuda,
        report_to="none",
        dataloader_num_workers=0,
        disable_tqdm=True,
    )


def lora_config(params: dict[str, Any]):
    from peft import LoraConfig

    lora = params.get("lora") or {}
    return LoraConfig(r=lora.get("r", 8), lora_alpha=lora.get("alpha", 16), lora_dropout=lora.get("dropout", 0.0),
                      target_modules="all-linear", task_type="CAUSAL_LM")


def write_log_history(history: list[dict[str, Any]], path: Path) -> int:
    rows = [h for h in history if "loss" in h]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=LOG_FIELDS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def finetune(data_path: str | Path, base_dir: str | Path, out_dir: str | Path, params: dict[str, Any],
             callbacks: list | None = None) -> dict[str, Any]:
    """Train, merge and write everything under ``out_dir``; return the summary. Resumes from the last
    checkpoint under ``out_dir/checkpoints`` when an earlier run was interrupted."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, set_seed
    from transformers.trainer_utils import get_last_checkpoint
    from trl import SFTTrainer

    params = DEFAULTS | params
    if params["method"] not in ("lora", "full"):
        raise ValueError(f"finetune method must be 'lora' or 'full', got {params['method']!r}")
    base_dir, out_dir = Path(base_dir), Path(out_dir)
    if not (base_dir / "config.json").is_file():
        raise FileNotFoundError(f"base model checkpoint has no config.json: {base_dir}")
    set_seed(params["seed"])
    cuda = torch.cuda.is_available()
    tokenizer = AutoTokenizer.from_pretrained(base_dir)
    if tokenizer.chat_template is None:
        raise ValueError(f"the base model's tokenizer has no chat template: {base_dir}")
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    examples, counts = load_examples(data_path, tokenizer, params["max_seq_length"])

    from datasets import Dataset

    model = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.bfloat16 if cuda else torch.float32)
    checkpoints = out_dir / "checkpoints"
    trainer = SFTTrainer(
        model=model,
        args=sft_config(params, checkpoints, cuda),
        train_dataset=Dataset.from_list(examples),
        processing_class=tokenizer,
        peft_config=lora_config(params) if params["method"] == "lora" else None,
        callbacks=callbacks,
    )
    resume = get_last_checkpoint(str(checkpoints)) if checkpoints.is_dir() else None
    started = time.perf_counter()
    result = trainer.train(resume_from_checkpoint=resume)
    elapsed = time.perf_counter() - started
    steps_run = trainer.state.global_step - (int(Path(resume).name.split("-")[-1]) if resume else 0)

    logged = write_log_history(trainer.state.log_history, out_dir / "loss.csv")
    trained = trainer.model
    if params["method"] == "lora":
        trained.save_pretrained(out_dir / "adapter")
        trained = trained.merge_and_unload()
    partial = out_dir / "model.partial"
    shutil.rmtree(partial, ignore_errors=True)
    trained.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    final = out_dir / "model"
    shutil.rmtree(final, ignore_errors=True)
    partial.rename(final)
    share_files(out_dir)  # checkpoints, adapter and model: safetensors writes them 0600

    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    summary = {
        **counts,
        "method": params["method"],
        "global_step": trainer.state.global_step,
        "steps_this_run": steps_run,
        "resumed_from": Path(resume).name if resume else None,
        "first_loss": losses[0] if losses else None,
        "last_loss": losses[-1] if losses else None,
        "logged_steps": logged,
        "train_loss": result.training_loss,
        "seconds": round(elapsed, 2),
        "seconds_per_step": round(elapsed / steps_run, 3) if steps_run else None,
        "device": torch.cuda.get_device_name() if cuda else "cpu",
        "dtype": "bfloat16" if cuda else "float32",
    }
    write_json(out_dir / "summary.json", summary)
    return summary


def load_summary(out_dir: str | Path) -> dict[str, Any]:
    return json.loads((Path(out_dir) / "summary.json").read_text())
