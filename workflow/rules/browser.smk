# Trajectory browser: one static HTML page per cell (every conversation, attempt by attempt), built from its
# judged trajectories and linked from the report; it opens from the file system with no server (docs/browser.md).
from mtcodegen.browser.pages import plan_pages, selected

BROWSER_PAGES = plan_pages(PLAN)
# Which pages `all` builds (config browser.cells; the others build by path). A paper-size cell's page is
# ~180 MB and ~10 CPU-minutes (docs/browser.md), so configs/paper.yaml names the cells it wants.
BROWSER_SELECTED = selected(
    BROWSER_PAGES, config.get("browser", {}).get("cells", "all")
)


rule browser:
    input:
        trajectories=get_browser_input("trajectories"),
        problems=get_browser_input("problems"),
        manifest=get_browser_input("manifest"),
    output:
        # The report shows the page's outcomes table, and its caption links the page itself (a pure-HTML
        # report cannot embed a directory): the link is relative to results/report.html.
        page=report(
            directory(f"{RESULTS}/browser/{{hash}}"),
            patterns=["{table}.csv"],
            caption="../report/browser.rst",
            category="6. Trajectories",
            labels=lambda wildcards: {
                "cell": get_browser_page(wildcards).name,
                "table": wildcards.table,
            },
        ),
    log:
        f"{RESULTS}/logs/browser/{{hash}}.log",
    conda:
        "../../envs/figures.yaml"
    threads: workflow.cores
    params:
        label=lambda wildcards: json.dumps(get_browser_page(wildcards).label),
        peers=lambda wildcards: " ".join(
            f"--peer {shlex.quote(arg)}"
            for arg in get_browser_page(wildcards).peer_args()
        ),
        name=lambda wildcards: get_browser_page(wildcards).name,
        link=lambda wildcards: f"browser/{wildcards.hash}/index.html",
    shell:
        "mtcodegen browse --trajectories {input.trajectories} --problems {input.problems}"
        " --cell-manifest {input.manifest} --label {params.label:q} {params.peers} --workers {threads}"
        " --out-dir {output.page} > {log} 2>&1"


FINAL_OUTPUTS.extend(f"{RESULTS}/browser/{h}" for h in BROWSER_SELECTED)
