"""A PEFT LoRA adapter directory (what RFT may produce) served by the vLLM backend on its base checkpoint."""

from __future__ import annotations

import json

import pytest

from mtcodegen.generate.backends import SamplingParams, load_backend

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def adapter_dir(smollm2_checkpoint, tmp_path_factory):
    """A rank-8 adapter with random (non-zero) B matrices, so that it changes the model's outputs."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(smollm2_checkpoint, dtype=torch.float32)
    peft_model = get_peft_model(model, LoraConfig(r=8, lora_alpha=64, target_modules=["q_proj", "v_proj"],
                                                  init_lora_weights=False))
    out = tmp_path_factory.mktemp("adapter")
    peft_model.save_pretrained(out)
    config = json.loads((out / "adapter_config.json").read_text())
    config["base_model_name_or_path"] = str(smollm2_checkpoint)
    (out / "adapter_config.json").write_text(json.dumps(config))
    return out


def test_adapter_is_applied(adapter_dir, smollm2_checkpoint):
    conversation = [{"role": "user", "content": "Write a Python function that reverses a string."}]
    greedy = SamplingParams(temperature=0.0, max_tokens=12, seed=0)
    engine = {"backend": "vllm", "dtype": "float32", "max_model_len": 512, "kv_cache_gb": 1, "max_lora_rank": 8}
    with load_backend(adapter_dir, engine) as backend:
        assert backend._lora is not None and backend._lora.lora_path == str(adapter_dir)
        with_adapter = backend.chat([conversation], [greedy])[0][0]
    assert with_adapter.completion_tokens > 0
    # The same prompt through plain transformers on the base model: the adapter must have changed the output.
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(smollm2_checkpoint)
    model = AutoModelForCausalLM.from_pretrained(smollm2_checkpoint, dtype=torch.float32)
    ids = tokenizer.apply_chat_template(conversation, add_generation_prompt=True, return_tensors="pt",
                                        return_dict=True)
    base = model.generate(**ids, do_sample=False, max_new_tokens=12)[0, ids["input_ids"].shape[1]:]
    assert tokenizer.decode(base, skip_special_tokens=True) != with_adapter.text
