# Finetuning: each finetune entry trains its base model on the RFT data into a merged checkpoint
# (results/finetune/<h>/model) that the generate stage loads like any model (docs/rft.md). Checkpoints
# under results/finetune/<h>/checkpoints are not declared outputs, so that Snakemake keeps them when a job
# fails: a rerun resumes from the last one.


rule finetune:
    input:
        data=input_path("finetune", "data", "rft_data", "train.jsonl"),
        base=get_model_dir("finetune", role="base"),
    output:
        model=directory(f"{RESULTS}/finetune/{{hash}}/model"),
        loss=f"{RESULTS}/finetune/{{hash}}/loss.csv",
        summary=f"{RESULTS}/finetune/{{hash}}/summary.json",
        manifest=f"{RESULTS}/finetune/{{hash}}/manifest.json",
    log:
        f"{RESULTS}/logs/finetune/{{hash}}.log",
    conda:
        "../../envs/finetune.yaml"
    threads: workflow.cores
    resources:
        # LoRA on a 0.5B model in float32 on the CPU: weights, activations and the 151k-vocabulary logits.
        mem_mb=10000,
    params:
        params=lambda wildcards: json.dumps(
            PLAN.node("finetune", wildcards.hash).params
        ),
        out=lambda wildcards: PLAN.path(PLAN.node("finetune", wildcards.hash)),
        spec=node_spec_json("finetune"),
        name=node_name("finetune"),
        root=PROJECT_DIR,  # a relative launch.accelerate_config is the project's
    shell:
        "mtcodegen --manifest {output.manifest} --spec {params.spec:q} --name {params.name:q}"
        " finetune --data {input.data} --base {input.base} --params {params.params:q}"
        " --root {params.root:q} --out {params.out} > {log} 2>&1"
