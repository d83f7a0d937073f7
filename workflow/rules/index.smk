# The readable-name -> hash index of this config's results (docs/provenance.md).


rule index:
    output:
        index=f"{RESULTS}/index.tsv",
    log:
        f"{RESULTS}/logs/index.log",
    conda:
        "../../envs/data.yaml"
    params:
        # The hashes, so that the index is rewritten whenever the plan changes.
        hashes=lambda wildcards: sorted(
            h for nodes in PLAN.nodes.values() for h in nodes
        ),
        configfiles=" ".join(str(f) for f in workflow.overwrite_configfiles)
        or "config.yaml",
    shell:
        "mtcodegen index {params.configfiles} --out {output.index} > {log} 2>&1"
