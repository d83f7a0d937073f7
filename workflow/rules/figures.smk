# Figures (PDF + PNG at paper column width, one rule each) from the metrics tables, and the Snakemake report
# (`snakemake --report report.html`): every figure with its caption, the metrics tables, the reference table.
# Every figure is always built: a comparison this config does not contain is drawn as a "not in this run" panel.


report: "../report/workflow.rst"


FIGURES_DIR = "figures"  # end products, beside results/ (config.yaml says so)
# name -> report category; the names are those of `mtcodegen figure` (mtcodegen/figures/cli.py).
FIGURE_CATEGORIES = {
    "pass_vs_turns": "1. Multi-turn",
    "turn_table": "1. Multi-turn",
    "n_at_k_curves": "1. Multi-turn",
    "cot_gain": "2. Prompts",
    "prompt_heatmap": "2. Prompts",
    "instruction_types": "2. Prompts",
    "difficulty_cot": "2. Prompts",
    "similarity_feedback": "3. Analyses",
    "similarity_rft": "4. RFT",
    "non_code_rft": "4. RFT",
    "reproduced_vs_reported": "5. Reference",
}
# Beside the workflow code, so that runs in another working directory (-d) read the same table.
REFERENCE_TABLE = str(Path(workflow.basedir) / "workflow" / "report" / "reference.csv")


# turn_table also writes the table itself (CSV, markdown): its own rule below.
for _name, _category in FIGURE_CATEGORIES.items():
    if _name == "turn_table":
        continue

    rule:
        name:
            f"figure_{_name}"
        input:
            metrics=get_metrics_dir,
            reference=REFERENCE_TABLE,
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
            " --reference {input.reference} --out-prefix {params.prefix} > {log} 2>&1"


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


rule reference_table:
    input:
        reference=REFERENCE_TABLE,
    output:
        table=report(
            f"{FIGURES_DIR}/reference.csv",
            caption="../report/reference.rst",
            category="5. Reference",
        ),
    log:
        f"{RESULTS}/logs/figures/reference.log",
    conda:
        "../../envs/figures.yaml"
    shell:
        "grep -v '^#' {input.reference} > {output.table} 2> {log}"


FINAL_OUTPUTS += (
    [
        f"{FIGURES_DIR}/{name}.{ext}"
        for name in FIGURE_CATEGORIES
        for ext in ("pdf", "png")
    ]
    + [f"{FIGURES_DIR}/turn_table.csv", f"{FIGURES_DIR}/turn_table.md"]
    + [f"{FIGURES_DIR}/reference.csv"]
)
