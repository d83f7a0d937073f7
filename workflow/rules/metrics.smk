# Metrics: every evaluation cell's judged trajectories -> the CSV tables of docs/metrics.md (pass@k, pass n@k,
# per turn, per difficulty, attempt similarity, non-code text, compute ledger).


rule metrics:
    input:
        trajectories=get_metrics_cell_files("trajectories"),
        problems=get_metrics_cell_files("problems"),
    output:
        tables=report(
            directory(f"{RESULTS}/metrics/{{hash}}"),
            patterns=["{table}.csv"],
            caption="../report/metrics_tables.rst",
            category="Metrics tables",
        ),
    log:
        f"{RESULTS}/logs/metrics/{{hash}}.log",
    conda:
        "../../envs/figures.yaml"
    params:
        cells=lambda wildcards: json.dumps(
            PLAN.node("metrics", wildcards.hash).params["cells"]
        ),
        metrics=lambda wildcards: json.dumps(
            PLAN.node("metrics", wildcards.hash).params["metrics"]
        ),
        spec=node_spec_json("metrics"),
        name=node_name("metrics"),
    shell:
        "mtcodegen --manifest {output.tables}/manifest.json --spec {params.spec:q} --name {params.name:q}"
        " metrics --cells-json {params.cells:q} --inputs {input.trajectories} --problems {input.problems}"
        " --config {params.metrics:q} --out-dir {output.tables} > {log} 2>&1"
