"""Finetuning on RFT data: TRL's SFTTrainer with the loss on assistant tokens only (docs/rft.md).

masking.py    chat → token ids + a mask of the assistant tokens (any chat template, no generation tags needed)
train.py      the trainer: LoRA or full, resume from the last checkpoint, merged checkpoint out
figure.py     loss curves from the trainer's log history (`mtcodegen rft-loss-figure`)
cli.py        `mtcodegen finetune`
"""
