# mtcodegen: the paper's pipeline, stage by stage. This file only wires the stages together;
# each stage's rules are in workflow/rules/, its logic in the mtcodegen package (workflow/mtcodegen/).

import os

from snakemake.utils import min_version

min_version("9.0")


# config.yaml is the default experiment; --configfile replaces it rather than being merged into it
# (merged, its datasets, models and finetune entries would leak into every other config). It is the one beside
# this file, not one in the working directory, so that `snakemake -d elsewhere` plans the same experiment.
if not workflow.overwrite_configfiles:

    configfile: os.path.join(workflow.basedir, "config.yaml")


include: "workflow/rules/common.smk"


wildcard_constraints:
    hash=HASH,


include: "workflow/rules/data.smk"
include: "workflow/rules/index.smk"
include: "workflow/rules/model.smk"
include: "workflow/rules/engines.smk"
include: "workflow/rules/generate.smk"
include: "workflow/rules/execute.smk"
include: "workflow/rules/metrics.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/rft.smk"
include: "workflow/rules/finetune.smk"
include: "workflow/rules/browser.smk"


rule all:
    default_target: True
    input:
        get_final_outputs(),
