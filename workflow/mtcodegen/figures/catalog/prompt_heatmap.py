"""Reasoning × instruction grid of one stated model, per dataset (validation splits included, marked):
pass@1 and largest pass@k minus the no-prompt cell (single turn); the pair chosen on validation is boxed."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..groups import NO_PROMPT, is_validation
from ..selection import choose
from ..style import facet_figure, not_in_run, read_table, save, short

CATEGORY = "2. Prompts"


def _heatmap_model(single: pd.DataFrame) -> str | None:
    """The model the heatmap shows: one with validation cells if any (its choice is what it outlines), then
    the most single-turn cells, then the name."""
    if single.empty:
        return None
    stats = single.assign(valid=is_validation(single["dataset"])).groupby("model").agg(
        valid=("valid", "any"), cells=("name", "nunique"))
    ranked = sorted(stats.index, key=str)  # a tie goes to the first name
    return max(ranked, key=lambda m: (bool(stats.loc[m, "valid"]), int(stats.loc[m, "cells"])))


def draw(metrics_dir, out_prefix):
    table = read_table(metrics_dir, "pass_at_k")
    single = table[(table["turns"] == 1) & ~table["finetuned"].astype(bool) & ~table["cot_retry"].astype(bool)]
    model = _heatmap_model(single)
    ks = sorted(single["k"].unique())
    ks = [ks[0], ks[-1]] if len(ks) > 1 else ks[:1] or [1]
    datasets = sorted(single.loc[single["model"] == model, "dataset"].astype(str).unique()) if model else []
    datasets = datasets[:4]  # the paper's grids are on a few splits; more would not be readable at page width
    panels = [(d, k) for d in datasets for k in ks]
    fig, axes = facet_figure(len(panels), cols=len(ks), panel_height=2.3)
    if not panels:
        not_in_run(axes[0], "single-turn cells of a base model")
        return save(fig, out_prefix)
    from matplotlib.patches import Rectangle

    for ax, (dataset, k) in zip(axes, panels):
        sub = single[(single["model"] == model) & (single["dataset"] == dataset) & (single["k"] == k)]
        # One cell per pair (single-turn cells of several feedback types are the same generation: first name).
        sub = sub.sort_values("name").drop_duplicates(["reasoning", "instruction"])
        grid = sub.pivot(index="reasoning", columns="instruction", values="value")
        if grid.shape == (1, 1) or NO_PROMPT not in grid.index or NO_PROMPT not in grid.columns:
            not_in_run(ax, f"{dataset}: a second prompt and the no-prompt cell")
            continue
        order_r = [NO_PROMPT] + sorted(r for r in grid.index if r != NO_PROMPT)
        order_i = [NO_PROMPT] + sorted(i for i in grid.columns if i != NO_PROMPT)
        grid = grid.reindex(index=order_r, columns=order_i)
        delta = 100 * (grid - grid.loc[NO_PROMPT, NO_PROMPT])
        bound = max(1e-9, np.nanmax(np.abs(delta.to_numpy())))
        image = ax.imshow(delta.to_numpy(), cmap="RdBu", vmin=-bound, vmax=bound, aspect="auto")
        for (i, j), value in np.ndenumerate(delta.to_numpy()):
            if not np.isnan(value):
                ax.text(j, i, f"{value:+.1f}", ha="center", va="center", fontsize=4,
                        color="white" if abs(value) > 0.6 * bound else "black")
        choice = choose(table, model, dataset, f"pass@{k}")
        if choice and choice.reasoning in order_r and choice.instruction in order_i:
            ax.add_patch(Rectangle((order_i.index(choice.instruction) - 0.5, order_r.index(choice.reasoning) - 0.5),
                                   1, 1, fill=False, ec="black", lw=1.2))
        ax.set_xticks(range(len(order_i)), [short(c, 14) for c in order_i], rotation=30, ha="right", fontsize=5)
        ax.set_yticks(range(len(order_r)), [short(r, 16) for r in order_r], fontsize=5)
        split = " (validation)" if is_validation(pd.Series([dataset])).item() else " (test)"
        where = "" if choice is None else ("; box: chosen on " + choice.chosen_on if choice.on_validation
                                           else "; box: max on test")
        ax.set_title(f"Δ pass@{k} (pp), {short(model, 20)}\n{short(dataset, 24)}{split}{where}", fontsize=5)
        fig.colorbar(image, ax=ax, shrink=0.8, pad=0.02, aspect=30)
    axes[0].set_ylabel("reasoning prompt")
    return save(fig, out_prefix)
