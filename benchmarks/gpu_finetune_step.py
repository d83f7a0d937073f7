"""Seconds per finetuning step of the `finetune` stage's trainer, on CUDA (bf16) or the CPU (float32).

No hub is needed: the model is a randomly initialized Qwen2ForCausalLM (the default model's architecture)
of either a tiny shape or the exact Qwen2.5-Coder-0.5B shape, the tokenizer a word-level one built in memory,
and the data random token ids with half of each sequence marked as assistant tokens. The trainer is built by
mtcodegen.finetune.train (sft_config, lora_config), so this measures the code the pipeline runs.

    python benchmarks/gpu_finetune_step.py --device cuda --shape qwen2.5-0.5b --batch 4 --seq 1024
prints one JSON line: shape, device, dtype, method, batch, seq, the step times after the first (warm-up)
step, their median, tokens per second and the peak CUDA memory.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow"))


SHAPES = {
    "tiny": dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                 num_key_value_heads=2, vocab_size=1024),
    # Qwen2.5-Coder-0.5B-Instruct's config.json
    "qwen2.5-0.5b": dict(hidden_size=896, intermediate_size=4864, num_hidden_layers=24, num_attention_heads=14,
                         num_key_value_heads=2, vocab_size=151936),
}


def tokenizer(vocab_size: int):
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {"<pad>": 0, "<eos>": 1} | {f"w{i}": i for i in range(2, vocab_size)}
    raw = Tokenizer(models.WordLevel(vocab, unk_token="<pad>"))
    raw.pre_tokenizer = pre_tokenizers.Whitespace()
    return PreTrainedTokenizerFast(tokenizer_object=raw, pad_token="<pad>", eos_token="<eos>")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", choices=("cuda", "cpu"), default="cuda")
    parser.add_argument("--shape", choices=sorted(SHAPES), default="tiny")
    parser.add_argument("--method", choices=("lora", "full"), default="lora")
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--seq", type=int, default=512)
    parser.add_argument("--steps", type=int, default=4, help="optimizer steps; the first is warm-up")
    args = parser.parse_args()

    import torch
    from datasets import Dataset
    from transformers import Qwen2Config, Qwen2ForCausalLM, TrainerCallback
    from trl import SFTTrainer

    from mtcodegen.finetune.train import DEFAULTS, lora_config, sft_config

    cuda = args.device == "cuda"
    if cuda and not torch.cuda.is_available():
        raise SystemExit("--device cuda but torch sees no CUDA device (torch %s)" % torch.__version__)
    shape = SHAPES[args.shape]
    torch.manual_seed(0)
    config = Qwen2Config(**shape, max_position_embeddings=max(4096, args.seq), tie_word_embeddings=True,
                         pad_token_id=0, eos_token_id=1)
    model = Qwen2ForCausalLM(config).to(torch.bfloat16 if cuda else torch.float32)
    half = args.seq // 2
    generator = torch.Generator().manual_seed(0)
    rows = [{"input_ids": torch.randint(2, shape["vocab_size"], (args.seq,), generator=generator).tolist(),
             "assistant_masks": [0] * half + [1] * (args.seq - half)} for _ in range(args.batch * args.steps)]
    params = DEFAULTS | {"method": args.method, "learning_rate": 1e-4, "warmup_steps": 0, "max_steps": args.steps,
                         "batch_size": args.batch, "max_seq_length": args.seq, "save_steps": 10**6}

    times: list[float] = []

    class StepTimer(TrainerCallback):
        def on_step_begin(self, *a, **k):
            if cuda:
                torch.cuda.synchronize()
            self.started = time.perf_counter()

        def on_step_end(self, *a, **k):
            if cuda:
                torch.cuda.synchronize()
            times.append(time.perf_counter() - self.started)

    with tempfile.TemporaryDirectory() as out:
        config_args = sft_config(params, Path(out), cuda=cuda)
        config_args.save_strategy = "no"
        trainer = SFTTrainer(model=model, args=config_args, train_dataset=Dataset.from_list(rows),
                             processing_class=tokenizer(shape["vocab_size"]),
                             peft_config=lora_config(params) if args.method == "lora" else None,
                             callbacks=[StepTimer()])
        trainer.train()
    measured = times[1:] or times
    median = statistics.median(measured)
    print(json.dumps({
        "shape": args.shape, "device": torch.cuda.get_device_name() if cuda else "cpu",
        "dtype": "bfloat16" if cuda else "float32", "method": args.method, "batch": args.batch, "seq": args.seq,
        "step_s": [round(t, 4) for t in times], "median_step_s": round(median, 4),
        "tokens_per_s": round(args.batch * args.seq / median, 1),
        "peak_cuda_gib": round(torch.cuda.max_memory_allocated() / 2**30, 2) if cuda else None,
        "torch": torch.__version__,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
