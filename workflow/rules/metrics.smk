# Metrics: every evaluation cell's judged trajectories -> the CSV tables of docs/metrics.md (pass@k, pass n@k,
# per turn, per difficulty, attempt similarity, non-code text, compute ledger) and their manifest.


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
        # The labels of every cell (a megabyte for the paper grid) are too long for one command-line
        # argument: the node's record goes into a file written at plan time, the only thing the command reads
        # besides its inputs (results/plan/<digest>.json).
        node_file=get_node_file("metrics"),
    shell:
        "mtcodegen metrics --node-file {params.node_file:q} --node {wildcards.hash}"
        " --inputs {input.trajectories} --problems {input.problems}"
        " --out-dir {output.tables} > {log} 2>&1"
