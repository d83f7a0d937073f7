"""Finetuning end to end: SmolLM2 for 2 steps → a merged, loadable checkpoint with changed weights;
interrupt-and-resume; full finetuning; the empty-data error."""

from __future__ import annotations

import csv
import json

import pytest

from mtcodegen.cli import main

pytestmark = pytest.mark.slow


def _tensor(checkpoint, name):
    from safetensors import safe_open

    with safe_open(str(checkpoint / "model.safetensors"), "pt") as handle:
        return handle.get_tensor(name)


def test_smollm2_lora_two_steps_gives_a_merged_loadable_checkpoint(ft, smollm2_checkpoint, train_file, tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    out = tmp_path / "node"
    code = main(["finetune", "--data", str(train_file), "--base", str(smollm2_checkpoint),
                 "--params", json.dumps(ft.params()), "--out", str(out)])
    assert code == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["global_step"] == 2 and summary["examples"] == 6
    rows = list(csv.DictReader(open(out / "loss.csv")))
    assert [int(r["step"]) for r in rows] == [1, 2]
    assert float(rows[1]["loss"]) < float(rows[0]["loss"])  # lr 1e-3 on 6 tiny chats: the loss moves
    assert (out / "loss.png").stat().st_size > 0 and (out / "adapter" / "adapter_config.json").is_file()
    model_dir = out / "model"
    name = "model.layers.0.self_attn.q_proj.weight"
    assert not (_tensor(model_dir, name) == _tensor(smollm2_checkpoint, name)).all()  # LoRA merged in
    config = json.loads((model_dir / "config.json").read_text())
    assert "quantization_config" not in config
    model = AutoModelForCausalLM.from_pretrained(model_dir)  # a plain HF checkpoint: no peft needed
    assert type(model).__name__ == "LlamaForCausalLM"
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    assert tokenizer.chat_template and "<|im_start|>" in tokenizer.chat_template
    assert not (out / "model.partial").exists()


def test_interrupted_finetune_resumes_from_its_last_checkpoint(ft, tiny_checkpoint, train_file, tmp_path):
    from transformers import TrainerCallback

    from mtcodegen.finetune.train import finetune

    class Interrupt(TrainerCallback):
        def on_save(self, args, state, control, **kwargs):
            raise KeyboardInterrupt(f"interrupted after saving step {state.global_step}")

    out = tmp_path / "node"
    p = ft.params(max_steps=3, save_steps=1)
    with pytest.raises(KeyboardInterrupt):
        finetune(train_file, tiny_checkpoint, out, p, callbacks=[Interrupt()])
    assert (out / "checkpoints" / "checkpoint-1").is_dir() and not (out / "model").exists()
    first = json.loads((out / "checkpoints" / "checkpoint-1" / "trainer_state.json").read_text())
    summary = finetune(train_file, tiny_checkpoint, out, p)
    assert summary["resumed_from"] == "checkpoint-1"
    assert summary["global_step"] == 3 and summary["steps_this_run"] == 2
    rows = list(csv.DictReader(open(out / "loss.csv")))
    assert [int(r["step"]) for r in rows] == [1, 2, 3]  # the step of the first run is kept in the curve
    assert float(rows[0]["loss"]) == pytest.approx(first["log_history"][0]["loss"])
    assert (out / "model" / "model.safetensors").is_file()


def test_full_finetuning_writes_a_checkpoint_without_adapter(ft, tiny_checkpoint, train_file, tmp_path):
    from mtcodegen.finetune.train import finetune

    out = tmp_path / "node"
    summary = finetune(train_file, tiny_checkpoint, out, ft.params(method="full", max_steps=1))
    assert summary["method"] == "full" and summary["global_step"] == 1
    assert (out / "model" / "model.safetensors").is_file() and not (out / "adapter").exists()
    name = "model.layers.0.mlp.down_proj.weight"
    assert not (_tensor(out / "model", name) == _tensor(tiny_checkpoint, name)).all()
    from mtcodegen.jsonl import FILE_MODE

    modes = {path.name: path.stat().st_mode & 0o777 for path in out.rglob("*.safetensors")}
    assert modes and set(modes.values()) == {FILE_MODE}, modes  # not safetensors' 0600


def test_empty_rft_data_is_recorded_as_a_skip(ft, tiny_checkpoint, tmp_path, capsys):
    (tmp_path / "train.jsonl").write_text("")
    code = main(["finetune", "--data", str(tmp_path / "train.jsonl"), "--base", str(tiny_checkpoint),
                 "--params", json.dumps(ft.params()), "--out", str(tmp_path / "node")])
    assert code == 0  # issue #11 item 2: nothing to train on is a valid, recorded result
    assert "the RFT data is empty" in capsys.readouterr().err
    record = json.loads((tmp_path / "node" / "model" / "SKIPPED.json").read_text())
    assert record["skipped"] is True and record["stage"] == "finetune"
