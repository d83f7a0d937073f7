# The readable-name -> hash index of this config's results (docs/provenance.md).
import shlex


rule index:
    output:
        index=INDEX_FILE,
    log:
        f"{RESULTS}/logs/index.log",
    conda:
        "../../envs/data.yaml"
    params:
        configfiles=" ".join(
            shlex.quote(str(f)) for f in workflow.overwrite_configfiles
        )
        or "config.yaml",
        # The command rebuilds the plan from the config files; it refuses to write an index of another plan.
        expect=PLAN.index_hash(),
        latest=f"{RESULTS}/index.tsv",
    shell:
        "mtcodegen index {params.configfiles} --expect-hash {params.expect}"
        " --out {output.index} --latest {params.latest} > {log} 2>&1"
