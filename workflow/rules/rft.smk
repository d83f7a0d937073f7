# RFT data: the generator cell's judged trajectories -> a deduplicated, decontaminated chat dataset with the
# CoT prompts stripped (docs/rft.md, docs/contracts.md §5).
rule rft_data:
    input:
        trajectories=input_path(
            "rft_data", "trajectories", "execute", "trajectories.jsonl.gz"
        ),
        train_problems=get_rft_train_problems,
        eval_problems=get_rft_eval_problems,
    output:
        train=f"{RESULTS}/rft_data/{{hash}}/train.jsonl",
        stats=f"{RESULTS}/rft_data/{{hash}}/stats.json",
        removed=f"{RESULTS}/rft_data/{{hash}}/removed.jsonl",
        manifest=f"{RESULTS}/rft_data/{{hash}}/manifest.json",
    log:
        f"{RESULTS}/logs/rft_data/{{hash}}.log",
    conda:
        "../../envs/finetune.yaml"
    params:
        params=lambda wildcards: json.dumps(
            PLAN.node("rft_data", wildcards.hash).job_params()
        ),
        eval_args=get_rft_eval_args,
        out=lambda wildcards: PLAN.path(PLAN.node("rft_data", wildcards.hash)),
        spec=node_spec_json("rft_data"),
        name=node_name("rft_data"),
        prompts=PROMPTS_DIR,
    shell:
        "mtcodegen --manifest {output.manifest} --spec {params.spec:q} --name {params.name:q}"
        " rft-data --trajectories {input.trajectories} --train-problems {input.train_problems}"
        " {params.eval_args} --params {params.params:q} --prompts {params.prompts:q} --out {params.out}"
        " > {log} 2>&1"


# The generator's training problems less those whose statement is close to an evaluation problem's, before any
# generation is spent on them (rft.generator.decontaminate_problems; workflow/mtcodegen/rft/problems.py).
rule rft_problems:
    input:
        problems=get_upstream_problems("rft_problems"),
        eval_problems=get_rft_problems_eval_problems,
    output:
        problems=f"{RESULTS}/rft_problems/{{hash}}/problems.jsonl.gz",
        removed=f"{RESULTS}/rft_problems/{{hash}}/removed.jsonl",
        report=f"{RESULTS}/rft_problems/{{hash}}/report.json",
        manifest=f"{RESULTS}/rft_problems/{{hash}}/manifest.json",
    log:
        f"{RESULTS}/logs/rft_problems/{{hash}}.log",
    conda:
        "../../envs/finetune.yaml"
    params:
        params=lambda wildcards: json.dumps(
            PLAN.node("rft_problems", wildcards.hash).job_params()
        ),
        eval_args=lambda wildcards: get_rft_eval_args(wildcards, "rft_problems"),
        out=lambda wildcards: PLAN.path(PLAN.node("rft_problems", wildcards.hash)),
        spec=node_spec_json("rft_problems"),
        name=node_name("rft_problems"),
    shell:
        "mtcodegen --manifest {output.manifest} --spec {params.spec:q} --name {params.name:q}"
        " rft-problems --problems {input.problems} {params.eval_args}"
        " --params {params.params:q} --out {params.out}"
        " > {log} 2>&1"
