"""One finetune node: RFT chats → TRL SFTTrainer (LoRA or full) → a merged HF checkpoint.

Layout of results/finetune/<h>/:
  checkpoints/checkpoint-<step>/   trainer state for resuming (kept after success: nothing computed is lost)
  adapter/                         the LoRA adapter (method: lora)
  model/                           the merged checkpoint the generate stage loads (config, safetensors,
                                   tokenizer with its chat template); written to model.partial/ and renamed
  loss.csv                         the trainer's log history (step, loss, learning_rate, grad_norm, epoch)
  summary.json                     examples, tokens, steps, device, seconds per step, resumed-from

The same code runs on a GPU (bf16) or the CPU (float32), in one process or as accelerate workers (launch.py);
with several workers only rank 0 writes.

Batching (docs/rft.md): with ``global_batch_tokens`` set, chats are packed (TRL's best-fit-decreasing) into
sequences of at most ``max_seq_length`` tokens, each keeping its own positions and attention (padding-free:
no attention across a packed boundary) and its assistant-only labels; an optimizer step sees
global_batch_tokens / max_seq_length sequences, split over the processes and accumulation steps. Without it,
a step is batch_size × gradient_accumulation_steps × processes unpacked chats. ``max_steps: -1`` derives the
steps from the data: ceil(epochs × sequences / sequences per step).
"""

from __future__ import annotations

import csv
import json
import math
import os
import shutil
import time
from pathlib import Path
from typing import Any

from ..jsonl import read_jsonl, share_files, write_json
from ..schema import defaults_at
from .masking import tokenize_chat

LOG_FIELDS = ("step", "epoch", "loss", "learning_rate", "grad_norm")
DEFAULTS = {
    "method": "lora", "learning_rate": 2.0e-6, "lr_scheduler": "cosine", "warmup_steps": 10, "min_lr_ratio": 0.1,
    "max_steps": -1, "epochs": 1, "batch_size": 1, "gradient_accumulation_steps": 1, "max_seq_length": 8192,
    "seed": 0, "save_steps": 50, "lora": {}, "global_batch_tokens": None, "launch": {}, "progress_interval_s": 30,
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


def batch_plan(params: dict[str, Any], world_size: int) -> dict[str, Any]:
    """Sequences per optimizer step and how they are split: per device × accumulation × processes."""
    params = DEFAULTS | params
    per_device = params["batch_size"]
    tokens = params["global_batch_tokens"]
    if tokens is None:
        accumulation = params["gradient_accumulation_steps"]
        return {"packing": False, "per_device": per_device, "accumulation": accumulation,
                "sequences_per_step": per_device * accumulation * world_size, "tokens_per_step": None}
    length = params["max_seq_length"]
    if tokens % length:
        raise ValueError(f"finetune global_batch_tokens ({tokens}) must be a multiple of max_seq_length ({length})")
    sequences = tokens // length
    if sequences % (per_device * world_size):
        raise ValueError(
            f"finetune global_batch_tokens / max_seq_length = {sequences} sequences per step cannot be split "
            f"evenly over {world_size} process(es) × batch_size {per_device}"
        )
    return {"packing": True, "per_device": per_device, "accumulation": sequences // (per_device * world_size),
            "sequences_per_step": sequences, "tokens_per_step": tokens}


def derived_steps(params: dict[str, Any], sequences: int, plan: dict[str, Any]) -> int:
    """Optimizer steps: max_steps when given, else ceil(epochs × training sequences / sequences per step)."""
    params = DEFAULTS | params
    if params["max_steps"] > 0:
        return params["max_steps"]
    return max(1, math.ceil(params["epochs"] * sequences / plan["sequences_per_step"]))


def sft_config(params: dict[str, Any], checkpoints: Path, cuda: bool, plan: dict[str, Any] | None = None):
    from trl import SFTConfig

    params = DEFAULTS | params
    plan = plan or batch_plan(params, 1)
    scheduler, scheduler_kwargs = scheduler_args(params)
    return SFTConfig(
        output_dir=str(checkpoints),
        max_steps=params["max_steps"],
        num_train_epochs=params["epochs"],
        per_device_train_batch_size=plan["per_device"],
        gradient_accumulation_steps=plan["accumulation"],
        learning_rate=params["learning_rate"],
        lr_scheduler_type=scheduler,
        lr_scheduler_kwargs=scheduler_kwargs,
        warmup_steps=params["warmup_steps"],
        max_length=params["max_seq_length"],
        packing=plan["packing"],
        packing_strategy="bfd",  # whole chats into bins; padding-free, so attention stops at each boundary
        include_num_input_tokens_seen="non_padding",
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

    lora = {**defaults_at("finetune.*.lora"), **(params.get("lora") or {})}  # the schema's, for what is unset
    return LoraConfig(r=lora["r"], lora_alpha=lora["alpha"], lora_dropout=lora["dropout"],
                      target_modules="all-linear", task_type="CAUSAL_LM")


def write_log_history(history: list[dict[str, Any]], path: Path) -> int:
    rows = [h for h in history if "loss" in h]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=LOG_FIELDS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def _world_size() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))


def finetune(data_path: str | Path, base_dir: str | Path, out_dir: str | Path, params: dict[str, Any],
             callbacks: list | None = None) -> dict[str, Any]:
    """Train, merge and write everything under ``out_dir``; return the summary. Resumes from the last
    checkpoint under ``out_dir/checkpoints`` when an earlier run was interrupted. Inside accelerate workers
    every rank trains and only rank 0 writes."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, set_seed
    from transformers.trainer_utils import get_last_checkpoint
    from trl import SFTTrainer

    from .progress import ProgressLog

    params = DEFAULTS | params
    if params["method"] not in ("lora", "full"):
        raise ValueError(f"finetune method must be 'lora' or 'full', got {params['method']!r}")
    base_dir, out_dir = Path(base_dir), Path(out_dir)
    if not (base_dir / "config.json").is_file():
        raise FileNotFoundError(f"base model checkpoint has no config.json: {base_dir}")
    set_seed(params["seed"])
    cuda = torch.cuda.is_available()
    world = _world_size()
    plan = batch_plan(params, world)
    tokenizer = AutoTokenizer.from_pretrained(base_dir)
    if tokenizer.chat_template is None:
        raise ValueError(f"the base model's tokenizer has no chat template: {base_dir}")
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    examples, counts = load_examples(data_path, tokenizer, params["max_seq_length"])

    from datasets import Dataset

    model = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.bfloat16 if cuda else torch.float32)
    checkpoints = out_dir / "checkpoints"
    progress = ProgressLog(params["progress_interval_s"])
    trainer = SFTTrainer(
        model=model,
        args=sft_config(params, checkpoints, cuda, plan),
        train_dataset=Dataset.from_list(examples),
        processing_class=tokenizer,
        peft_config=lora_config(params) if params["method"] == "lora" else None,
        callbacks=[progress, *(callbacks or [])],
    )
    sequences = len(trainer.train_dataset)  # packed sequences when packing, else chats
    planned = derived_steps(params, sequences, plan)
    trainer.args.max_steps = planned  # the scheduler's horizon: cosine ends exactly at the last step
    main = trainer.is_world_process_zero()
    resume = get_last_checkpoint(str(checkpoints)) if checkpoints.is_dir() else None
    started = time.perf_counter()
    result = trainer.train(resume_from_checkpoint=resume)
    elapsed = time.perf_counter() - started
    steps_run = trainer.state.global_step - (int(Path(resume).name.split("-")[-1]) if resume else 0)

    partial = out_dir / "model.partial"
    if world > 1:
        # Sharded (FSDP/ZeRO-3) or replicated weights: the trainer gathers them into one checkpoint (every
        # rank takes part); rank 0 then merges a LoRA adapter into the base weights from disk.
        saved = out_dir / "trained.partial"
        trainer.save_model(str(saved))
        trainer.accelerator.wait_for_everyone()
    if main:
        logged = write_log_history(trainer.state.log_history, out_dir / "loss.csv")
        shutil.rmtree(partial, ignore_errors=True)
        if world > 1:
            _merge_saved(saved, base_dir, partial, params["method"], out_dir)
        else:
            trained = trainer.model
            if params["method"] == "lora":
                trained.save_pretrained(out_dir / "adapter")
                trained = trained.merge_and_unload()
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
        "processes": world,
        "packing": plan["packing"],
        "sequences": sequences,
        "sequences_per_step": plan["sequences_per_step"],
        "gradient_accumulation_steps": plan["accumulation"],
        "tokens_per_step_max": plan["tokens_per_step"],
        "planned_steps": planned,
        "global_step": trainer.state.global_step,
        "steps_this_run": steps_run,
        "resumed_from": Path(resume).name if resume else None,
        "first_loss": losses[0] if losses else None,
        "last_loss": losses[-1] if losses else None,
        "train_loss": result.training_loss,
        "input_tokens_seen": trainer.state.num_input_tokens_seen,
        "seconds": round(elapsed, 2),
        "seconds_per_step": round(elapsed / steps_run, 3) if steps_run else None,
        "tokens_per_second": round(trainer.state.num_input_tokens_seen / elapsed, 1) if elapsed else None,
        "device": torch.cuda.get_device_name() if cuda else "cpu",
        "dtype": "bfloat16" if cuda else "float32",
    }
    if main:
        summary["logged_steps"] = logged
        write_json(out_dir / "summary.json", summary)
    return summary


def _merge_saved(saved: Path, base_dir: Path, partial: Path, method: str, out_dir: Path) -> None:
    """The merged checkpoint from what the workers saved: the full weights, or base + LoRA adapter."""
    from transformers import AutoModelForCausalLM

    if method == "lora":
        from peft import PeftModel

        adapter = out_dir / "adapter"
        shutil.rmtree(adapter, ignore_errors=True)
        saved.rename(adapter)
        base = AutoModelForCausalLM.from_pretrained(base_dir, dtype="auto")
        PeftModel.from_pretrained(base, adapter).merge_and_unload().save_pretrained(partial)
    else:
        AutoModelForCausalLM.from_pretrained(saved, dtype="auto").save_pretrained(partial)
        shutil.rmtree(saved)


def load_summary(out_dir: str | Path) -> dict[str, Any]:
    return json.loads((Path(out_dir) / "summary.json").read_text())
