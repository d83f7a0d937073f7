# Data preparation: each (dataset, split) of the config becomes one normalized problems file
# (docs/data.md), plus a report of the rows that were skipped and why.


rule prepare_data:
    input:
        # Local source files (their digests are already part of the node hash).
        data=get_project_inputs("problems"),
    output:
        problems=f"{RESULTS}/problems/{{hash}}/problems.jsonl.gz",
        report=f"{RESULTS}/problems/{{hash}}/report.json",
        manifest=f"{RESULTS}/problems/{{hash}}/manifest.json",
    log:
        f"{RESULTS}/logs/problems/{{hash}}.log",
    conda:
        "../../envs/data.yaml"
    params:
        params=lambda wildcards: json.dumps(
            PLAN.node("problems", wildcards.hash).params
        ),
        spec=node_spec_json("problems"),
        name=node_name("problems"),
        root=PROJECT_DIR,  # the config's dataset paths are relative to the project
    shell:
        "mtcodegen --manifest {output.manifest} --spec {params.spec:q} --name {params.name:q}"
        " prepare-data --params {params.params:q} --root {params.root:q} --out {output.problems}"
        " --report {output.report}"
        " > {log} 2>&1"


rule partition_problems:
    input:
        problems=get_upstream_problems("partition"),
    output:
        problems=f"{RESULTS}/partition/{{hash}}/problems.jsonl.gz",
        manifest=f"{RESULTS}/partition/{{hash}}/manifest.json",
    log:
        f"{RESULTS}/logs/partition/{{hash}}.log",
    conda:
        "../../envs/data.yaml"
    params:
        part=node_param("partition", "part"),
        parts=lambda wildcards: json.dumps(
            PLAN.node("partition", wildcards.hash).params["parts"]
        ),
        spec=node_spec_json("partition"),
        name=node_name("partition"),
    shell:
        "mtcodegen --manifest {output.manifest} --spec {params.spec:q} --name {params.name:q}"
        " partition --problems {input.problems} --parts {params.parts:q} --part {params.part}"
        " --out {output.problems} > {log} 2>&1"


# A named target: `snakemake --cores all data` prepares every split of the config (problems files and their
# reports of skipped rows) and nothing else: a quick check of a new dataset entry.
rule data:
    input:
        [
            PLAN.path(node, "problems.jsonl.gz")
            for stage in ("problems", "partition")
            for node in PLAN.nodes.get(stage, {}).values()
        ],
