# The readable-name -> hash index of this config's results (docs/provenance.md).


rule index:
    output:
        index=INDEX_FILE,
    log:
        f"{RESULTS}/logs/index.log",
    conda:
        "../../envs/data.yaml"
    params:
        # The plan's own index rows, written at plan time (results/plan/<index hash>.json): the command reads
        # that file, not the config files, so that it indexes exactly this run's plan.
        rows=write_plan_file(RESULTS, PLAN.index_rows()),
        expect=PLAN.index_hash(),
        latest=f"{RESULTS}/index.tsv",
    shell:
        "mtcodegen index --rows {params.rows} --expect-hash {params.expect}"
        " --out {output.index} --latest {params.latest} > {log} 2>&1"
