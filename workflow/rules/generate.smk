# Generation: one job per grid cell. Multi-turn trajectories with execution feedback on the public tests
# (docs/generation.md). Private-test verdicts are the execute stage's job.
# The cells of a model share one running vLLM engine (engines.smk, docs/generation.md "One engine per model"):
# each job leases it from ENGINE_DIR, and generate jobs go before the other jobs that are ready, so that a
# model's cells run back to back on its engine instead of each waiting for another start-up.


rule generate:
    input:
        problems=get_upstream_problems("generate"),
        model=get_model_dir("generate"),
        prompts=get_generate_prompt_files,
    output:
        trajectories=f"{RESULTS}/generate/{{hash}}/trajectories.jsonl.gz",
        stats=f"{RESULTS}/generate/{{hash}}/stats.json",
        manifest=f"{RESULTS}/generate/{{hash}}/manifest.json",
    log:
        f"{RESULTS}/logs/generate/{{hash}}.log",
    priority: 1
    conda:
        "../../envs/generate.yaml"
    threads: workflow.cores
    resources:
        # The vLLM CPU engine of a 0.5B model with a 2 GiB KV cache, plus the judge's sandboxes.
        mem_mb=6000,
    params:
        params=lambda wildcards: json.dumps(
            PLAN.node("generate", wildcards.hash).job_params()
        ),
        spec=node_spec_json("generate"),
        supersedes=get_supersedes("generate"),
        name=node_name("generate"),
        engine_dir=ENGINE_DIR,
        prompts=PROMPTS_DIR,
    shell:
        "mtcodegen --manifest {output.manifest} --spec {params.spec:q} --name {params.name:q} {params.supersedes}"
        " generate --problems {input.problems} --model-dir {input.model} --params {params.params:q}"
        " --out {output.trajectories} --cell-hash {wildcards.hash} --cell-name {params.name:q}"
        " --prompts-dir {params.prompts:q}"
        " --engine-dir {params.engine_dir:q} > {log} 2>&1"


# The `all` target: every evaluation cell judged on its private tests (the execute rule).
FINAL_OUTPUTS.extend(
    PLAN.path(cell.execute, "trajectories.jsonl.gz") for cell in PLAN.cells
)
