"""Defaults in one place (issue 15): the config schema. A default changed there is the default of a config, of
the execution limits, of a hand-run generate, execute and metrics; and no module writes one of its own.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
import yaml

from mtcodegen import schema
from mtcodegen.sandbox import limits as limits_module

PACKAGE = Path(schema.__file__).resolve().parent
# Sections whose settings stages read with a fallback for a hand run (the plan always passes every key).
SECTIONS = ("execution", "sampling", "metrics", "rft")


@pytest.fixture
def edited_schema(tmp_path, monkeypatch):
    """The real schema with new defaults (none equal to the shipped ones), in effect for the test only."""
    data = yaml.safe_load(schema.SCHEMA_PATH.read_text())
    props = data["properties"]
    new = {("execution", "memory_limit_mb"): 777, ("execution", "time_limit_s"): 3.5,
           ("execution", "max_processes"): 5, ("execution", "stop_private_at_first_failure"): False,
           ("sampling", "temperature"): 0.25, ("sampling", "max_tokens"): 77,
           ("metrics", "mc_standard_error"): 0.005, ("rft", "cross_test_top_k"): 3}
    for (section, key), value in new.items():
        assert props[section]["properties"][key]["default"] != value
        props[section]["properties"][key]["default"] = value
    path = tmp_path / "config.schema.yaml"
    path.write_text(yaml.safe_dump(data))

    def forget():
        schema.clear_cache()
        limits_module._from_items.cache_clear()

    monkeypatch.setattr(schema, "SCHEMA_PATH", path)
    forget()
    yield new
    monkeypatch.undo()
    forget()


def test_a_default_changed_in_the_schema_is_used_everywhere(edited_schema, project_root):
    from mtcodegen.config import load_config
    from mtcodegen.execute import judge_trajectories
    from mtcodegen.generate.cli import default_params
    from mtcodegen.generate.loop import sampling_setting
    from mtcodegen.metrics.tables import _setting
    from mtcodegen.rft.build import rft_setting
    from mtcodegen.sandbox import ExecutionSettings, Limits

    assert Limits() == Limits(time_s=3.5, memory_mb=777, output_kb=1024, processes=5)
    assert Limits.from_execution_config({}, {"time_limit_s": None}) == Limits()
    assert ExecutionSettings.from_dict({}).stop_private_at_first_failure is False

    config = yaml.safe_load((project_root / "config.yaml").read_text())
    del config["execution"]["memory_limit_mb"], config["sampling"]["temperature"]
    loaded = load_config(config, root=project_root)
    assert loaded["execution"]["memory_limit_mb"] == 777 and loaded["sampling"]["temperature"] == 0.25

    params = default_params()
    assert params["execution"]["memory_limit_mb"] == 777 and params["sampling"]["max_tokens"] == 77
    assert sampling_setting({}, "temperature") == 0.25
    assert _setting({}, "mc_standard_error") == 0.005
    assert rft_setting({}, "cross_test_top_k") == 3

    class Recorder:  # a judge that records what it is asked
        workers, requests = 1, []

        def judge_one(self, request):
            self.requests.append(request)
            return {"verdict": "AC", "passed": 1, "total": 1, "tests": []}

    problem = {"id": "p", "kind": "stdio", "private_tests": [{"input": "", "output": ""}]}
    records = [{"problem_id": "p", "attempts": [{"code": "print()"}]}]
    judge = Recorder()
    judge_trajectories(records, {"p": problem}, {}, judge, progress_interval_s=60)
    (request,) = judge.requests
    assert request.limits.memory_mb == 777 and request.stop_on_first_failure is False


def test_a_bad_execution_setting_is_named():
    from mtcodegen.sandbox import ExecutionSettings

    with pytest.raises(ValueError, match=r"--execution\.memory_limit_mb: 8 is less than the minimum of 16"):
        ExecutionSettings.from_dict({"memory_limit_mb": 8}, what="--execution")
    with pytest.raises(ValueError, match=r"'memory_mb' was unexpected"):
        ExecutionSettings.from_dict({"memory_mb": 512})
    with pytest.raises(ValueError, match=r"execution\.sandbox: 'docker' is not one of"):
        ExecutionSettings.from_dict({"sandbox": "docker"})
    with pytest.raises(ValueError, match="expected a mapping"):
        ExecutionSettings.from_dict([1, 2])


def test_the_limits_write_no_default_of_their_own():
    for item in dataclasses.fields(limits_module.Limits):
        assert item.default is dataclasses.MISSING, f"Limits.{item.name} has a literal default"
    for item in dataclasses.fields(limits_module.ExecutionSettings):
        assert item.default is dataclasses.MISSING and item.default_factory is dataclasses.MISSING, item.name


def test_no_module_writes_a_fallback_for_a_setting_the_schema_defaults():
    """`.get("memory_limit_mb", 1024)` and the like: a second definition of a schema default."""
    keys = sorted({key for section in SECTIONS for key in schema.section_defaults(section)})
    literal = r"""(?:-?\d|True\b|False\b|None\b|\[|\{|["'])"""
    pattern = re.compile(r"""\.get\(\s*["'](%s)["']\s*,\s*%s""" % ("|".join(keys), literal))
    found = [f"{path.relative_to(PACKAGE)}:{n}: {line.strip()}"
             for path in sorted(PACKAGE.rglob("*.py"))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert not found, "defaults written outside the schema:\n" + "\n".join(found)


def test_the_scan_sees_a_written_default(tmp_path):
    keys = sorted(schema.section_defaults("execution"))
    pattern = re.compile(r"""\.get\(\s*["'](%s)["']\s*,\s*(?:-?\d)""" % "|".join(keys))
    assert pattern.search('memory = execution.get("memory_limit_mb", 1024)')


def test_the_execution_settings_are_the_schemas_execution_section():
    """A key added to the schema's execution section needs its field (or every judging job would fail)."""
    from mtcodegen.sandbox import ExecutionSettings

    keys = set(schema.load_schema()["properties"]["execution"]["properties"])
    assert {item.name for item in dataclasses.fields(ExecutionSettings)} == keys
    assert set(schema.section_defaults("execution")) == keys  # every one has its default there
