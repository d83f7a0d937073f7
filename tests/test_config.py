"""load_config rejects bad configs before any job runs, with a message naming the key to fix."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mtcodegen.config import ConfigError, load_config

ROOT = Path(__file__).resolve().parents[1]
# A fixed base (not config.yaml, which changes with the default experiment): every BAD edit starts from it.
DEFAULT = yaml.safe_load((ROOT / "tests" / "config_base.yaml").read_text())


def edited(change):
    config = copy.deepcopy(DEFAULT)
    change(config)
    return config


def setter(path, value):
    def change(config):
        target = config
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return change


def both(*changes):
    def change(config):
        for c in changes:
            c(config)
    return change


BAD = {
    "unknown dataset in the grid": (setter(["grid", 0, "datasets"], ["nope/test"]),
                                    "grid.0.datasets.0", "unknown dataset 'nope'"),
    "unknown split of a known dataset": (setter(["grid", 0, "datasets"], ["cc_sample/validation"]),
                                         "grid.0.datasets.0", "has no split 'validation'"),
    "negative sample count": (setter(["sampling", "samples"], -1), "sampling.samples", "less than the minimum"),
    "missing prompt file": (setter(["grid", 1, "reasoning"], ["none", "no_such_prompt"]),
                            "grid.1.reasoning", "prompts/reasoning/no_such_prompt.txt"),
    "unknown feedback type": (setter(["grid", 0, "feedback"], ["shouting"]), "grid.0.feedback.0",
                              "unknown feedback type 'shouting'; the feedback types (prompts/feedback/<name>.txt with "
                              "its <name>.yaml) are: binary, failed_and_passed_tests, failed_tests, ldb_block, "
                              "ldb_function, ldb_line"),
    "unknown model": (setter(["grid", 0, "models"], ["gpt9"]), "grid.0.models", "unknown model 'gpt9'"),
    "bad dataset format": (setter(["datasets", "cc_sample", "format"], "codecontests"),
                           "datasets.cc_sample.format", "'codecontests' is not one of"),
    "missing data file": (setter(["datasets", "mbpp_sample", "files"], {"test": "../shared/data/nope.jsonl"}),
                          "datasets.mbpp_sample.files.test", "file not found"),
    "data file of an unreadable type": (setter(["datasets", "mbpp_sample", "files"], {"test": "mbpp.csv"}),
                                        "datasets.mbpp_sample.files.test", "does not match"),
    "misspelled key": (lambda c: c["sampling"].update(temprature=0.5), "sampling", "'temprature' was unexpected"),
    "misspelled dataset key": (lambda c: c["datasets"]["humaneval"].update(split=["test"]),
                               "datasets.humaneval", "'split' was unexpected"),
    "n > k in n_at_k": (setter(["metrics", "n_at_k"], [[1, 3], [5, 3]]), "metrics.n_at_k.1", "n=5 submissions cannot exceed k=3"),
    "two dataset sources at once": (lambda c: c["datasets"]["humaneval"].update(hub={"id": "openai_humaneval"}),
                                    "datasets.humaneval", "exactly one source"),
    "no dataset source": (lambda c: c["datasets"]["humaneval"].pop("package"), "datasets.humaneval", "exactly one source"),
    "partition from an unknown split": (setter(["datasets", "cc_sample", "partition", "from"], "train"),
                                        "datasets.cc_sample.partition.from", "'train' is not one of its splits"),
    "partition part named like a split": (setter(["datasets", "cc_sample", "partition", "parts"], {"test": 3}),
                                          "datasets.cc_sample.partition.parts", "may not reuse a split name"),
    "zero-size partition part": (setter(["datasets", "cc_sample", "partition", "parts"], {"train": 0}),
                                 "datasets.cc_sample.partition.parts.train", "less than the minimum"),
    "unknown format option value": (setter(["datasets", "cc_sample", "options"], {"generated_tests": "public"}),
                                    "datasets.cc_sample.options.generated_tests", "'public' is not one of"),
    "unknown format option": (setter(["datasets", "cc_sample", "options"], {"generated": "ignore"}),
                              "datasets.cc_sample.options", "'generated' was unexpected"),
    "zero dataset limit": (setter(["datasets", "humaneval", "limit"], 0), "datasets.humaneval.limit", "less than the minimum"),
    "rft generator on an unknown model": (setter(["rft", "generator", "model"], "nope"),
                                          "rft.generator.model", "unknown model 'nope'"),
    "finetune of an unknown base": (setter(["finetune", "rft_default", "base"], "nope"),
                                    "finetune.rft_default.base", "unknown model 'nope'"),
    # issue 14 item 6: refused before any job, not inside the generate job
    "misspelled engine option": (lambda c: c["models"]["qwen_coder_0.5b"]["engine"].update(enforce_eagr=True),
                                 "models.qwen_coder_0.5b.engine", "enforce_eagr"),
    "engine option of another backend": (lambda c: c["models"]["qwen_coder_0.5b"]["engine"].update(max_concurrency=4),
                                         "models.qwen_coder_0.5b.engine", "max_concurrency"),
    "two grid blocks with one name": (setter(["grid", 1, "name"], "multi_turn"), "grid.1.name",
                                      "'multi_turn' is also the name of grid.0"),
    "two identical grid blocks": (lambda c: c["grid"].append(copy.deepcopy(c["grid"][1])), "grid.2",
                                  "the same cells as grid.1"),
    "a block repeated under another name": (lambda c: c["grid"].append({**c["grid"][1], "name": "again"}),
                                            "grid.2", "the same cells as grid.1"),
    "partition larger than its split": (setter(["datasets", "cc_sample", "partition", "parts"], {"train": 6, "eval": 40}),
                                        "datasets.cc_sample.partition.parts",
                                        "asks for 46 problems (train=6 + eval=40) but split 'test' has at most 20"),
    "partition larger than the split's limit": (both(setter(["datasets", "cc_sample", "limit"], 10)),
                                                "datasets.cc_sample.partition.parts",
                                                "asks for 20 problems (train=8 + eval=12) but split 'test' has at most 10"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_config_is_rejected_naming_the_key(name):
    change, key, detail = BAD[name]
    with pytest.raises(ConfigError) as caught:
        load_config(edited(change), root=ROOT)
    message = str(caught.value)
    assert f"config key '{key}'" in message, message
    assert detail in message, message


def test_the_default_config_is_not_rejected_by_accident():
    """The edits above start from a config that loads (else every rejection would be meaningless)."""
    config = load_config(copy.deepcopy(DEFAULT), root=ROOT)
    assert config["datasets"]["cc_sample"]["partition"]["parts"] == {"train": 8, "eval": 12}


@pytest.mark.parametrize("path", [ROOT / "config.yaml", *sorted((ROOT / "configs").glob("*.yaml"))],
                         ids=lambda p: p.name)
def test_shipped_configs_load(path):
    assert load_config(path, root=ROOT)["datasets"]


def test_missing_and_broken_config_files(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("datasets: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(broken)


def test_snakemake_fails_before_any_job(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"sampling": {"samples": 2, "temprature": 0.5}}))
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--snakefile", str(ROOT / "Snakefile"),
         "--directory", str(tmp_path), "--configfile", str(bad)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert "config key 'sampling'" in output and "'temprature' was unexpected" in output, output
    assert "Job stats" not in output and "rule prepare_data" not in output, output
