# Figures (PDF + PNG at paper column width, one rule each) from the metrics tables, and the Snakemake report
# (`snakemake --report report.html`): every figure with its caption, the metrics tables, the reference table.
# Every figure is always built: a comparison this config does not contain is drawn as a "not in this run" panel.


from mtcodegen.provenance import digest_file


report: "../report/workflow.rst"


FIGURES_DIR = "figures"  # end products, beside results/ (config.yaml says so)
# name -> report category; the names are those of `mtcodegen figure` (mtcodegen/figures/cli.py).
FIGURE_CATEGORIES = {
    "pass_vs_turns": "1. Multi-turn",
    "turn_table": "1. Multi-turn",
    "n_at_k_curves": "1. Multi-turn",
    "turns_sweep": "1. Multi-turn",
    "feedback_types": "1. Multi-turn",
    "cot_retry_vs_multi": "1. Multi-turn",
    "cot_gain": "2. Prompts",
    "prompt_heatmap": "2. Prompts",
    "instruction_types": "2. Prompts",
    "difficulty_cot": "2. Prompts",
    "similarity_feedback": "3. Analyses",
    "similarity_rft": "4. RFT",
    "non_code_rft": "4. RFT",
    "difficulty_rft": "4. RFT",
    "reproduced_vs_reported": "5. Reference",
}
# Beside the workflow code, so that runs in another working directory (-d) read the same table. Its copy under
# results/ is addressed by its content: editing the table changes that path, which reruns what reads it (the
# profile's only rerun trigger is a change of input paths).
REFERENCE_TABLE = str(Path(workflow.basedir) / "workflow" / "report" / "reference.csv")
REFERENCE_COPY = (
    f"{RESULTS}/reference/{digest_file(REFERENCE_TABLE)[:16]}/reference.csv"
)
# These two write more than a PDF and a PNG, or read more than the metrics: their own rules below.
OWN_RULES = ("turn_table", "reproduced_vs_reported")


for _name, _category in FIGURE_CATEGORIES.items():
    if _name in OWN_RULES:
        continue

    rule:
        name:
            f"figure_{_name}"
        input:
            metrics=get_metrics_dir,
        output:
            pdf=f"{FIGURES_DIR}/{_name}.pdf",
            png=report(
                f"{FIGURES_DIR}/{_name}.png",
                caption=f"../report/{_name}.rst",
                category=_category,
            ),
        log:
            f"{RESULTS}/logs/figures/{_name}.log",
        conda:
            "../../envs/figures.yaml"
        params:
            name=_name,
            prefix=lambda wildcards, output: output.pdf[: -len(".pdf")],
        shell:
            "mtcodegen figure {params.name} --metrics-dir {input.metrics}"
            " --out-prefix {params.prefix} > {log} 2>&1"


rule figure_turn_table:
    input:
        metrics=get_metrics_dir,
    output:
        pdf=f"{FIGURES_DIR}/turn_table.pdf",
        png=report(
            f"{FIGURES_DIR}/turn_table.png",
            caption="../report/turn_table.rst",
            category="1. Multi-turn",
        ),
        csv=report(
            f"{FIGURES_DIR}/turn_table.csv",
            caption="../report/turn_table.rst",
            category="1. Multi-turn",
        ),
        markdown=f"{FIGURES_DIR}/turn_table.md",
    log:
        f"{RESULTS}/logs/figures/turn_table.log",
    conda:
        "../../envs/figures.yaml"
    params:
        prefix=lambda wildcards, output: output.pdf[: -len(".pdf")],
    shell:
        "mtcodegen figure turn_table --metrics-dir {input.metrics} --out-prefix {params.prefix}"
        " > {log} 2>&1"


rule figure_reproduced_vs_reported:
    input:
        metrics=get_metrics_dir,
        reference=REFERENCE_COPY,
    output:
        pdf=f"{FIGURES_DIR}/reproduced_vs_reported.pdf",
        png=report(
            f"{FIGURES_DIR}/reproduced_vs_reported.png",
            caption="../report/reproduced_vs_reported.rst",
            category="5. Reference",
        ),
    log:
        f"{RESULTS}/logs/figures/reproduced_vs_reported.log",
    conda:
        "../../envs/figures.yaml"
    params:
        prefix=lambda wildcards, output: output.pdf[: -len(".pdf")],
    shell:
        "mtcodegen figure reproduced_vs_reported --metrics-dir {input.metrics}"
        " --reference {input.reference} --out-prefix {params.prefix} > {log} 2>&1"


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


FINAL_OUTPUTS += (
    [
        f"{FIGURES_DIR}/{name}.{ext}"
        for name in FIGURE_CATEGORIES
        for ext in ("pdf", "png")
    ]
    + [f"{FIGURES_DIR}/turn_table.csv", f"{FIGURES_DIR}/turn_table.md"]
    + [REFERENCE_COPY]
)
