"""Analysis figures: similarity of consecutive attempts, non-code text, and reproduced vs reported numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .groups import model_label
from .style import ERRORBAR, cell_labels, figure, not_in_run, read_table, save, short

BINS = np.linspace(0, 1, 21)


def _density(ax, values: pd.Series, label: str) -> None:
    """A normalized histogram drawn as a step line: honest for a few dozen values, where a KDE would invent."""
    density, edges = np.histogram(values, bins=BINS, density=True)
    ax.stairs(density, edges, label=f"{label} (n={len(values)})")


def similarity_feedback(metrics_dir, out_prefix):
    """Density of the similarity of consecutive attempts, one curve per execution-feedback type (base model)."""
    table = read_table(metrics_dir, "similarity")
    table = table[~table["finetuned"].astype(bool)]
    fig, axes = figure()
    ax = axes[0, 0]
    if table.empty:
        not_in_run(ax, "multi-turn cells whose consecutive attempts both have code")
        return save(fig, out_prefix)
    for feedback, rows in table.groupby("feedback"):
        _density(ax, rows["similarity"], feedback)
    ax.set_xlabel("similarity of consecutive attempts (token difflib ratio)")
    ax.set_ylabel("density")
    ax.legend(frameon=False, loc="upper left")
    return save(fig, out_prefix)


def similarity_rft(metrics_dir, out_prefix):
    """The same densities for the base model and the RFT model (multi-turn, no CoT prompt at evaluation)."""
    table = read_table(metrics_dir, "similarity")
    fig, axes = figure()
    ax = axes[0, 0]
    if table.empty or table["finetuned"].astype(bool).nunique() < 2:
        not_in_run(ax, "multi-turn cells of both the base and the RFT model")
        return save(fig, out_prefix)
    for finetuned, rows in table.groupby(table["finetuned"].astype(bool)):
        _density(ax, rows["similarity"], "RFT" if finetuned else "base")
    ax.set_xlabel("similarity of consecutive attempts (token difflib ratio)")
    ax.set_ylabel("density")
    ax.legend(frameon=False, loc="upper left")
    return save(fig, out_prefix)


def non_code_rft(metrics_dir, out_prefix):
    """Mean share of non-code text in responses, per cell, base vs RFT model (± one standard deviation)."""
    table = read_table(metrics_dir, "non_code")
    table = table[table["turn"].astype(str) == "all"].copy()
    fig, axes = figure(height=2.4)
    ax = axes[0, 0]
    if table.empty:
        not_in_run(ax, "responses")
        return save(fig, out_prefix)
    table["who"] = model_label(table)
    table = table.sort_values(["finetuned", "name"])
    colors = table["finetuned"].astype(bool).map({True: "tab:orange", False: "tab:blue"})
    y = np.arange(len(table))
    ax.barh(y, 100 * table["non_code_fraction"], xerr=100 * table["non_code_fraction_sd"], color=colors,
            **ERRORBAR)
    names = cell_labels(table, wrap=True)
    ax.set_yticks(y, [names[n] for n in table["name"]], fontsize=5)
    fig.set_figheight(max(2.4, 0.5 + 0.28 * len(table)))
    ax.set_xlabel("non-code share of a response (%)")
    from matplotlib.patches import Patch

    handles = [Patch(color=c) for c in ("tab:blue", "tab:orange")]
    fig.legend(handles, ["base model", "RFT model"], frameon=False, loc="outside upper center", ncol=2)
    if not table["finetuned"].astype(bool).any():
        ax.set_title("not in this run: RFT model (base cells only)", color="0.35")
    return save(fig, out_prefix)


REFERENCE_COLUMNS = ("metric", "model", "dataset", "setting", "value", "citation")


def read_reference(path: str | Path) -> pd.DataFrame:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"reference table not found: {path}")
    table = pd.read_csv(path, comment="#")
    missing = [c for c in REFERENCE_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"{path}: reference table lacks column(s) {', '.join(missing)}")
    if table["citation"].isna().any():
        raise ValueError(f"{path}: every reported number needs a citation (section/table of arXiv 2410.08105)")
    return table


def reproduced_vs_reported(metrics_dir, out_prefix, reference: str | Path):
    """Our value against the paper's for every reference row whose (metric, setting, dataset) this run has."""
    ref = read_reference(reference)
    ours = pd.concat([read_table(metrics_dir, "pass_at_k"), read_table(metrics_dir, "n_at_k")], ignore_index=True)
    from .groups import setting

    ours["setting"] = setting(ours) if not ours.empty else []
    fig, axes = figure()
    ax = axes[0, 0]
    pairs = []
    for _, row in ref.iterrows():
        match = ours[(ours["metric"] == row["metric"]) & (ours["setting"] == row["setting"])
                     & (ours["dataset"].astype(str).str.startswith(str(row["dataset"])))]
        if not match.empty:
            best = match.sort_values("value").iloc[-1]
            pairs.append((float(row["value"]), 100 * best["value"], f"{row['metric']} {row['model']}"))
    if not pairs:
        reason = "no reference rows (see workflow/report/reference.csv)" if ref.empty else \
            "a cell matching a reference row's metric, setting and dataset"
        not_in_run(ax, reason)
        return save(fig, out_prefix)
    reported, reproduced, labels = map(list, zip(*pairs))
    ax.scatter(reported, reproduced, s=10)
    for x, y, text in pairs:
        ax.annotate(short(text, 24), (x, y), fontsize=5, xytext=(2, 2), textcoords="offset points")
    top = max(reported + reproduced + [1]) * 1.05
    ax.plot([0, top], [0, top], color="0.5", lw=0.6, ls="--")
    ax.set_xlabel("reported in the paper (%)")
    ax.set_ylabel("reproduced here (%)")
    return save(fig, out_prefix)
