"""load_backend: the engine params of a generate node -> a backend, with errors that name what is wrong."""

from __future__ import annotations

import json

import pytest

from mtcodegen.generate.backends import load_backend
from mtcodegen.generate.backends.engine_options import adapter_base, check_engine
from mtcodegen.generate.backends.openai_backend import OpenAIBackend


def test_unknown_backend(tmp_path):
    # the discovered backends, by name (registry.py); written out here, not asked of the registry
    with pytest.raises(ValueError, match="unknown generation backend 'tgi'; expected one of openai, scripted, "
                                         "transformers, vllm "):
        load_backend(tmp_path, {"backend": "tgi"})


def test_openai_needs_base_url(tmp_path):
    with pytest.raises(ValueError, match="openai backend needs engine.base_url"):
        load_backend(tmp_path, {"backend": "openai"})


def test_unknown_option_is_named_with_the_known_ones(tmp_path):
    with pytest.raises(ValueError, match=r"engine option\(s\) kv_cache_size are not known to the vllm backend; "
                                         r"known: .*kv_cache_gb"):
        load_backend(tmp_path, {"backend": "vllm", "kv_cache_size": 2})
    with pytest.raises(ValueError, match="enforce_eager are not known to the openai backend"):
        check_engine({"backend": "openai", "base_url": "http://x/v1", "enforce_eager": True})


def test_missing_model_dir(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_backend(tmp_path / "absent", {"backend": "vllm", "dtype": "float32"})


def test_openai_backend_is_built_with_its_options(tmp_path):
    backend = load_backend(tmp_path / "checkpoint", {"backend": "openai", "base_url": "http://127.0.0.1:9/v1",
                                                     "max_concurrency": 2, "model": "served-name"})
    try:
        assert isinstance(backend, OpenAIBackend)
        assert backend.url == "http://127.0.0.1:9/v1/chat/completions" and backend.model == "served-name"
        assert backend.max_concurrency == 2
    finally:
        backend.close()


def test_bad_base_url(tmp_path):
    with pytest.raises(ValueError, match="must start with http"):
        load_backend(tmp_path, {"backend": "openai", "base_url": "127.0.0.1:8000/v1"})


def test_adapter_directory_names_its_base(tmp_path):
    base = tmp_path / "base"
    base.mkdir()
    (base / "config.json").write_text("{}")
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    assert adapter_base(adapter) is None  # a full checkpoint
    (adapter / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": "../base"}))
    assert adapter_base(adapter) == base.resolve()
    (adapter / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": "/nowhere"}))
    with pytest.raises(FileNotFoundError, match="base model /nowhere of adapter"):
        adapter_base(adapter)
    (adapter / "adapter_config.json").write_text("{}")
    with pytest.raises(ValueError, match="names no base_model_name_or_path"):
        adapter_base(adapter)
