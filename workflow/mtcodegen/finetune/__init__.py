"""Finetuning on RFT data: TRL's SFTTrainer with the loss on assistant tokens only (docs/rft.md).

masking.py    chat → token ids + a mask of the assistant tokens (any chat template, no generation tags needed)
train.py      the trainer: LoRA or full, resume from the last checkpoint, merged checkpoint out
cli.py        `mtcodegen finetune`

The loss-curve figure is a figure like the others: mtcodegen/figures/catalog/rft_loss.py.
"""
