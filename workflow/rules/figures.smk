# Figures (PDF + PNG at paper column width, one rule each) and the Snakemake report (`snakemake --report
# report.html`): every figure with its caption, the metrics tables, the reference table. The figures are those
# of the registry (mtcodegen/figures/catalog/, one module and one caption each): nothing here names one.
# Every figure is always built: a comparison this config does not contain is drawn as a "not in this run" panel.


from mtcodegen.figures import rules as figure_rules
from mtcodegen.figures.registry import figures as registered_figures
from mtcodegen.provenance import digest_file


report: "../report/workflow.rst"


# End products, beside results/ (the schema's default: figures).
FIGURES_DIR = config["figures_dir"]
FIGURES = registered_figures()
# Beside the workflow code, so that runs in another working directory (-d) read the same table. Its copy under
# results/ is addressed by its content: editing the table changes that path, which reruns what reads it (the
# profile's only rerun trigger is a change of input paths).
REFERENCE_TABLE = str(Path(workflow.basedir) / "workflow" / "report" / "reference.csv")
REFERENCE_COPY = (
    f"{RESULTS}/reference/{digest_file(REFERENCE_TABLE)[:16]}/reference.csv"
)
# Where each kind of input a figure may read comes from here, and whether this config has it: a figure that
# reads something the config lacks (loss curves without a finetune) is not built.
FIGURE_SOURCES = {
    "metrics": get_metrics_dir,
    "reference": lambda: REFERENCE_COPY,
    "loss_curves": get_finetune_loss_curves,
}
FIGURE_INPUTS_HERE = {"metrics", "reference"} | (
    {"loss_curves"} if PLAN.finetunes else set()
)
BUILT_FIGURES = [f for f in FIGURES.values() if set(f.reads) <= FIGURE_INPUTS_HERE]
RULES_DIR = Path(workflow.basedir) / "workflow" / "rules"


for _figure in BUILT_FIGURES:

    rule:
        name:
            f"figure_{_figure.name}"
        input:
            unpack(figure_rules.inputs(_figure, FIGURE_SOURCES)),
        output:
            **figure_rules.outputs(_figure, FIGURES_DIR, report, RULES_DIR),
        log:
            f"{RESULTS}/logs/figures/{_figure.name}.log",
        conda:
            "../../envs/figures.yaml"
        params:
            name=_figure.name,
            args=figure_rules.args(_figure, FIGURE_SOURCES),
            prefix=lambda wildcards, output: output.pdf[: -len(".pdf")],
        shell:
            "mtcodegen figure {params.name} {params.args}"
            " --out-prefix {params.prefix} > {log} 2>&1"


rule reference_table:
    input:
        reference=REFERENCE_TABLE,
    output:
        table=report(
            REFERENCE_COPY,
            caption="../report/reference.rst",
            category="5. Reference",
        ),
    log:
        f"{RESULTS}/logs/figures/reference.log",
    conda:
        "../../envs/figures.yaml"
    shell:
        "mtcodegen reference-table --reference {input.reference} --out {output.table} > {log} 2>&1"


FIGURE_FILES = [
    f"{FIGURES_DIR}/{figure.name}.{suffix}"
    for figure in BUILT_FIGURES
    for suffix in figure.outputs
]


# `snakemake figures`: every figure of this config (and what they need), nothing else.
rule figures:
    input:
        FIGURE_FILES,


FINAL_OUTPUTS += FIGURE_FILES + [REFERENCE_COPY]
