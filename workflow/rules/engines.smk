# One engine per model: the generate jobs of a model's cells lease its one running vLLM server, registered
# in ENGINE_DIR (mtcodegen/generate/backends/engine_server.py, docs/generation.md "One engine per model").
# A server ends when no job has leased it for a minute; at the end of the run these hooks end the ones still
# idling on this host right away. Not a Snakemake service() rule: all consumers of a service run as one group
# at once, with their resources summed (engine_server.py says why that cannot work here).

ENGINE_DIR = f"{RESULTS}/engines"


def stop_engines():
    from mtcodegen.generate.backends.engine_server import stop_all

    stopped = stop_all(ENGINE_DIR)
    if stopped:
        print(f"stopped the shared engine server(s) {stopped} of {ENGINE_DIR}")


onsuccess:
    stop_engines()


onerror:
    stop_engines()
