# Execution: every attempt of a grid cell judged on its problem's private tests in the sandbox
# (docs/sandbox.md); the records are kept and gain `private` verdicts and `final` (docs/contracts.md §3).


rule execute:
    input:
        trajectories=input_path(
            "execute", "trajectories", "generate", "trajectories.jsonl.gz"
        ),
        problems=get_upstream_problems("execute"),
    output:
        trajectories=f"{RESULTS}/execute/{{hash}}/trajectories.jsonl.gz",
        manifest=f"{RESULTS}/execute/{{hash}}/manifest.json",
    log:
        f"{RESULTS}/logs/execute/{{hash}}.log",
    conda:
        "../../envs/execute.yaml"
    threads: workflow.cores
    params:
        execution=lambda wildcards: json.dumps(
            PLAN.node("execute", wildcards.hash).job_params()["execution"]
        ),
        spec=node_spec_json("execute"),
        supersedes=get_supersedes("execute"),
        name=node_name("execute"),
    shell:
        "mtcodegen --manifest {output.manifest} --spec {params.spec:q} --name {params.name:q} {params.supersedes}"
        " execute --trajectories {input.trajectories} --problems {input.problems}"
        " --execution {params.execution:q} --out {output.trajectories} > {log} 2>&1"
