"""Backends declare themselves (backends/registry.py): the option check, the config check and the generate CLI
derive their lists from the declarations, discovery imports no engine, and each backend's extra exists and is
pinned in the generate env. The expected names are written out here, not asked of the registry."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from mtcodegen.config import ConfigError, load_config
from mtcodegen.generate import cli as generate_cli
from mtcodegen.generate.backends import engine_options, registry

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ["openai", "scripted", "transformers", "vllm"]


def test_the_shipped_backends_are_discovered_and_their_options_checked():
    assert registry.names() == SHIPPED
    assert engine_options.KNOWN == {name: dict(info.options) for name, info in registry.discover().items()}
    assert {"kv_cache_gb", "dtype"} <= set(engine_options.KNOWN["vllm"])
    assert "script" in engine_options.KNOWN["scripted"]
    checked = engine_options.check_engine({"backend": "scripted", "script": "s.json"})
    assert checked == ("scripted", {"script": "s.json"})
    with pytest.raises(ValueError, match=r"script are not known to the vllm backend"):
        engine_options.check_engine({"backend": "vllm", "script": "s.json"})


def test_discovery_imports_no_engine():
    code = ("import sys; from mtcodegen.generate.backends import registry; registry.discover(); "
            "print(sorted(m for m in ('vllm', 'torch', 'transformers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(ROOT / "workflow"), "PATH": "/usr/bin:/bin"}).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("name", SHIPPED)
def test_each_backends_extra_exists_and_is_pinned_in_the_generate_env(name):
    extra = registry.backend_info(name).extra
    if extra is None:
        return  # standard library only (openai) or nothing at all (scripted)
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert extra in extras, f"backend {name}: pyproject.toml has no extra {extra!r}"
    env = yaml.safe_load((ROOT / "envs" / "generate.yaml").read_text())
    pinned = {re.split(r"==", p)[0].lower() for d in env["dependencies"] if isinstance(d, dict) for p in d["pip"]
              if "==" in p}
    for requirement in extras[extra]:
        package = re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower()
        assert package in pinned, f"backend {name}: {package} (extra {extra}) is not pinned in envs/generate.yaml"


def test_the_generate_cli_offers_exactly_the_discovered_backends(capsys):
    parser = argparse.ArgumentParser()
    generate_cli.add_arguments(parser)
    with pytest.raises(SystemExit):
        parser.parse_args(["--problems", "p", "--out", "o", "--backend", "tgi"])
    assert "invalid choice: 'tgi' (choose from 'openai', 'scripted', 'transformers', 'vllm')" in capsys.readouterr().err


def test_a_config_naming_an_unknown_backend_is_refused_listing_the_discovered_ones():
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    model = next(iter(config["models"]))
    config["models"][model]["backend"] = "tgi"
    with pytest.raises(ConfigError) as caught:
        load_config(config, root=ROOT)
    assert (f"config key 'models.{model}.backend': unknown generation backend 'tgi'; expected one of openai, "
            "scripted, transformers, vllm") in str(caught.value)
