"""One list of stages (mtcodegen.stages.STAGES): the CLI, the code fingerprints and gc derive from it, and every
entry has what a stage needs elsewhere (its code, a command module, a rule writing results/<stage>/{hash}
under its env). The expectations are read from the files themselves, not from the list under test."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from mtcodegen import cli, provenance, stages
from mtcodegen.commands import gc

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "workflow" / "mtcodegen"


def rule_blocks() -> list[str]:
    blocks = []
    for smk in sorted((ROOT / "workflow" / "rules").glob("*.smk")):
        blocks += re.split(r"\n(?=(?:rule|checkpoint) \w+:)", smk.read_text())
    return blocks


def test_the_consumers_derive_from_the_one_list():
    names = [s.name for s in stages.STAGES]
    assert len(set(names)) == len(names)
    assert provenance.STAGE_CODE == {s.name: s.code for s in stages.STAGES}
    for s in stages.STAGES:
        assert cli.COMMANDS[s.command] == (s.module, s.help)
    assert not set(cli.TOOLS) & {s.command for s in stages.STAGES}, "a stage's command is also listed as a tool"


@pytest.mark.parametrize("entry", stages.STAGES, ids=lambda s: s.name)
def test_every_stage_has_its_code_command_rule_and_env(entry):
    for part in entry.code:
        assert (PACKAGE / part).exists(), f"stage {entry.name}: code part {part} does not exist"
    module = PACKAGE.joinpath(*entry.module.split(".")[1:])
    file = module.with_suffix(".py") if module.with_suffix(".py").exists() else module / "__init__.py"
    defined = {n.name for n in ast.parse(file.read_text()).body if isinstance(n, ast.FunctionDef)}
    assert {"add_arguments", "run"} <= defined, f"{file} must define add_arguments(parser) and run(args)"
    assert (ROOT / "envs" / f"{entry.env}.yaml").is_file()
    writers = [b for b in rule_blocks() if f"{{RESULTS}}/{entry.name}/{{{{hash}}}}" in b.split("log:")[0]]
    assert writers, f"no rule writes results/{entry.name}/{{hash}}"
    for block in writers:
        assert f'"../../envs/{entry.env}.yaml"' in block, f"the rule of stage {entry.name} runs in another env"
        shell = block.split("shell:", 1)[-1]
        assert "mtcodegen" in shell and re.search(rf'["\s]{re.escape(entry.command)}[\s"]', shell), \
            f"the rule of stage {entry.name} runs no `mtcodegen {entry.command}`"


def test_gc_considers_a_stage_added_to_the_list(tmp_path, monkeypatch):
    """gc walks the stages of the list (a new stage's old results are listed too), and nothing else."""
    for stage in ("generate", "brand_new", "logs"):
        (tmp_path / stage / ("a" * 16)).mkdir(parents=True)
    found = {p.parent.name for p in gc.unreferenced(tmp_path, set())}
    assert found == {"generate"}
    monkeypatch.setattr(gc, "STAGE_NAMES", stages.STAGE_NAMES + ("brand_new",))
    found = {p.parent.name for p in gc.unreferenced(tmp_path, set())}
    assert found == {"generate", "brand_new"}


def test_an_unknown_stage_is_named_with_the_known_ones():
    with pytest.raises(KeyError, match="unknown stage 'nope'; the stages are problems, partition"):
        stages.stage("nope")
    with pytest.raises(KeyError, match="add it to mtcodegen.stages.STAGES"):
        provenance.code_fingerprint("nope")
    assert json.dumps(stages.stage("generate").code) == '["generate", "sandbox"]'
