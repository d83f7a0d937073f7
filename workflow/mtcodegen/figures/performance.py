"""Pass-rate figures: turns, the single/multi-turn table, CoT gain, prompt grids, difficulty, n@k curves."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .groups import NO_PROMPT, family, model_label, setting, uses_cot
from .style import ERRORBAR, cell_labels, figure, legend_below, not_in_run, percent_axis, read_table, save, short

PERCENT = "{:.1f}"


def _errorbars(frame: pd.DataFrame) -> np.ndarray:
    low = (frame["value"] - frame["ci_low"]).clip(lower=0)
    high = (frame["ci_high"] - frame["value"]).clip(lower=0)
    return 100 * np.vstack([low.fillna(0), high.fillna(0)])


def pass_vs_turns(metrics_dir, out_prefix):
    """pass@1 of the code held after each turn, one line per multi-turn cell, 95% bands."""
    table = read_table(metrics_dir, "per_turn")
    table = table[(table["k"] == 1) & (table["turns"] > 1)]
    fig, axes = figure()
    ax = axes[0, 0]
    if table.empty:
        not_in_run(ax, "no multi-turn cell (turns > 1)")
    names = cell_labels(table)
    for name, rows in table.groupby("name", sort=True):
        rows = rows.sort_values("turn")
        line, = ax.plot(rows["turn"], 100 * rows["value"], marker="o", ms=3, label=short(names[name], 48))
        ax.fill_between(rows["turn"], 100 * rows["ci_low"], 100 * rows["ci_high"], color=line.get_color(), alpha=0.08)
    if not table.empty:
        ax.set_xlabel("turn (attempts so far)")
        ax.set_ylabel("pass@1 (%)")
        percent_axis(ax, 100 * table["ci_high"].fillna(table["value"]))
        ax.set_xticks(sorted(table["turn"].unique()))
        legend_below(fig, ax, table["name"].nunique())
    return save(fig, out_prefix)


TABLE_METRICS = ("1@3", "10@100")


def turn_table(metrics_dir, out_prefix):
    """Single-turn vs multi-turn vs multi-turn CoT at equal attempt budgets, as a figure plus CSV and markdown."""
    table = read_table(metrics_dir, "n_at_k")
    table = table[table["metric"].isin(TABLE_METRICS)].copy()
    table["setting"] = setting(table)
    table["model_label"] = model_label(table)
    table = table[table["setting"] != "single-turn CoT"]
    summary = (table.sort_values("value", ascending=False)
               .groupby(["model_label", "dataset", "setting", "metric"], as_index=False).first())
    summary["setting"] = pd.Categorical(summary["setting"], ["single-turn", "multi-turn", "multi-turn CoT"])
    summary = summary.sort_values(["model_label", "dataset", "setting", "metric"])
    out_prefix = Path(out_prefix)
    columns = ["model_label", "dataset", "setting", "metric", "value", "ci_low", "ci_high", "name"]
    summary = summary.reindex(columns=columns)
    summary.to_csv(out_prefix.with_name(out_prefix.name + ".csv"), index=False)
    lines = ["| model | dataset | setting | " + " | ".join(TABLE_METRICS) + " |",
             "|---|---|---|" + "---|" * len(TABLE_METRICS)]
    for (model, dataset, sett), rows in summary.groupby(["model_label", "dataset", "setting"], observed=True):
        cells = []
        for metric in TABLE_METRICS:
            row = rows[rows["metric"] == metric]
            cells.append("not in this run" if row.empty else
                         f"{100 * row['value'].item():.1f} [{100 * row['ci_low'].item():.1f}, "
                         f"{100 * row['ci_high'].item():.1f}]")
        lines.append(f"| {model} | {dataset} | {sett} | " + " | ".join(cells) + " |")
    if summary.empty:
        lines.append("| not in this run: no 1@3 or 10@100 row | | | " + " | " * len(TABLE_METRICS))
    out_prefix.with_name(out_prefix.name + ".md").write_text("\n".join(lines) + "\n")

    fig, axes = figure(1, len(TABLE_METRICS), height=2.0)
    order = ["single-turn", "multi-turn", "multi-turn CoT"]
    for ax, metric in zip(axes[0], TABLE_METRICS):
        rows = summary[summary["metric"] == metric]
        if rows.empty:
            not_in_run(ax, f"{metric}: budget above samples × turns")
            continue
        groups = sorted(rows.groupby(["model_label", "dataset"]).groups)
        width = 0.8 / len(order)
        for j, sett in enumerate(order):
            sub = rows[rows["setting"] == sett].set_index(["model_label", "dataset"]).reindex(groups)
            x = np.arange(len(groups)) + (j - 1) * width
            present = sub["value"].notna().any()
            ax.bar(x, 100 * sub["value"], width, yerr=_errorbars(sub), label=sett if present else None, **ERRORBAR)
        ax.set_xticks(np.arange(len(groups)), [f"{short(m, 20)}\n{short(d, 20)}" for m, d in groups])
        ax.set_title(metric)
        ax.set_ylabel("solve rate (%)")
        percent_axis(ax, 100 * rows["ci_high"].fillna(rows["value"]))
    handles = {label: h for ax in axes[0] for h, label in zip(*ax.get_legend_handles_labels())}
    fig.legend(handles.values(), handles.keys(), frameon=False, loc="outside upper center", ncol=3)
    return save(fig, out_prefix)


def cot_gain(metrics_dir, out_prefix):
    """Best single-turn CoT cell minus the no-prompt cell, per model and dataset, for pass@1 and largest pass@k."""
    table = read_table(metrics_dir, "pass_at_k")
    single = table[table["turns"] == 1].copy()
    single["cot"] = uses_cot(single)
    single["model_label"] = model_label(single)
    fig, axes = figure()
    ax = axes[0, 0]
    rows = []
    for (model, dataset, k), group in single.groupby(["model_label", "dataset", "k"]):
        plain = group[~group["cot"]]
        cot = group[group["cot"]]
        if plain.empty or cot.empty:
            continue
        rows.append((model, dataset, k, 100 * (cot["value"].max() - plain["value"].max())))
    if not rows:
        not_in_run(ax, "single-turn cells with and without CoT prompts for one model")
        return save(fig, out_prefix)
    gains = pd.DataFrame(rows, columns=["model", "dataset", "k", "gain"])
    ks = sorted(gains["k"].unique())
    labels = sorted(set(zip(gains["model"], gains["dataset"])))
    width = min(0.8 / len(ks), 0.3)
    for j, k in enumerate(ks):
        sub = gains[gains["k"] == k].set_index(["model", "dataset"]).reindex(labels)
        ax.bar(np.arange(len(labels)) + (j - (len(ks) - 1) / 2) * width, sub["gain"], width, label=f"pass@{k}")
    ax.axhline(0, color="0.3", lw=0.6)
    ax.set_xticks(np.arange(len(labels)), [f"{short(m, 20)}\n{short(d, 20)}" for m, d in labels])
    ax.set_xlim(-0.6, len(labels) - 0.4)
    ax.set_ylabel("CoT gain (percentage points)")
    fig.legend(*ax.get_legend_handles_labels(), frameon=False, loc="outside upper center", ncol=len(ks))
    return save(fig, out_prefix)


def prompt_heatmap(metrics_dir, out_prefix):
    """Reasoning × instruction grid: pass@1 and largest pass@k minus the no-prompt cell (single turn)."""
    table = read_table(metrics_dir, "pass_at_k")
    single = table[(table["turns"] == 1) & ~table["finetuned"].astype(bool) & ~table["cot_retry"].astype(bool)]
    ks = sorted(single["k"].unique())
    panels = [ks[0], ks[-1]] if len(ks) > 1 else ks[:1] or [1]
    fig, axes = figure(1, len(panels), height=2.3)
    # One model/dataset per heatmap (the paper draws one per model): the largest prompt grid that has a
    # no-prompt cell to compare with.
    key, size = None, 0
    for candidate, group in single.groupby(["model", "dataset"]):
        has_plain = ((group["reasoning"] == NO_PROMPT) & (group["instruction"] == NO_PROMPT)).any()
        combos = len(group.drop_duplicates(["reasoning", "instruction"]))
        if has_plain and combos > size:
            key, size = candidate, combos
    for ax, k in zip(axes[0], panels):
        if key is None:
            not_in_run(ax, "a no-prompt single-turn cell to compare with")
            continue
        sub = single[(single["model"] == key[0]) & (single["dataset"] == key[1]) & (single["k"] == k)]
        grid = sub.pivot_table(index="reasoning", columns="instruction", values="value", aggfunc="max")
        if grid.shape == (1, 1):
            not_in_run(ax, "a second reasoning or instruction prompt")
            continue
        if NO_PROMPT not in grid.index or NO_PROMPT not in grid.columns:
            not_in_run(ax, "the no-prompt cell of this model and dataset")
            continue
        delta = 100 * (grid - grid.loc[NO_PROMPT, NO_PROMPT])
        bound = max(1e-9, np.nanmax(np.abs(delta.to_numpy())))
        image = ax.imshow(delta.to_numpy(), cmap="RdBu", vmin=-bound, vmax=bound, aspect="auto")
        for (i, j), value in np.ndenumerate(delta.to_numpy()):
            if not np.isnan(value):
                ax.text(j, i, f"{value:+.1f}", ha="center", va="center", fontsize=5,
                        color="white" if abs(value) > 0.6 * bound else "black")
        ax.set_xticks(range(grid.shape[1]), [short(c, 14) for c in grid.columns], rotation=30, ha="right")
        ax.set_yticks(range(grid.shape[0]), [short(r, 16) for r in grid.index] if ax is axes[0, 0] else [])
        ax.set_xlabel("instruction prompt")
        ax.set_title(f"Δ pass@{k} (pp)\n{short(key[0], 20)}, {short(key[1], 20)}")
        fig.colorbar(image, ax=ax, shrink=0.8, pad=0.02, aspect=30)
    axes[0, 0].set_ylabel("reasoning prompt")
    return save(fig, out_prefix)


def instruction_types(metrics_dir, out_prefix):
    """pass@1 per instruction prompt, with no reasoning prompt (single turn), 95% intervals."""
    table = read_table(metrics_dir, "pass_at_k")
    rows = table[(table["turns"] == 1) & (table["reasoning"] == NO_PROMPT) & (table["k"] == 1)
                 & ~table["finetuned"].astype(bool)]
    fig, axes = figure()
    ax = axes[0, 0]
    if rows["instruction"].nunique() < 2:
        not_in_run(ax, "two or more instruction prompts (single turn, no reasoning prompt)")
        return save(fig, out_prefix)
    labels = sorted(rows["instruction"].unique())
    groups = sorted(set(zip(rows["model"], rows["dataset"])))
    width = 0.8 / len(groups)
    for j, (model, dataset) in enumerate(groups):
        sub = rows[(rows["model"] == model) & (rows["dataset"] == dataset)].groupby("instruction").first()
        sub = sub.reindex(labels)
        ax.bar(np.arange(len(labels)) + (j - (len(groups) - 1) / 2) * width, 100 * sub["value"], width,
               yerr=_errorbars(sub), **ERRORBAR, label=short(f"{model} {dataset}", 30))
    ax.set_xticks(np.arange(len(labels)), [short(x, 16) for x in labels], rotation=20, ha="right")
    ax.set_ylabel("pass@1 (%)")
    percent_axis(ax, 100 * rows["ci_high"].fillna(rows["value"]))
    ax.legend(frameon=False)
    return save(fig, out_prefix)


def difficulty_cot(metrics_dir, out_prefix):
    """pass@1 per difficulty level, best cell with and without CoT prompts (single turn)."""
    table = read_table(metrics_dir, "per_difficulty")
    rows = table[(table["grouping"] == "difficulty") & (table["metric"] == "pass@1") & (table["turns"] == 1)
                 & ~table["finetuned"].astype(bool)].copy()
    rows["cot"] = uses_cot(rows)
    fig, axes = figure()
    ax = axes[0, 0]
    if rows.empty or rows["cot"].nunique() < 2:
        not_in_run(ax, "single-turn cells with and without CoT prompts")
        return save(fig, out_prefix)
    # Compare within one model and dataset: the one with the most single-turn cells that has both kinds.
    both = rows.groupby(["model", "dataset"])["cot"].nunique()
    if not (both == 2).any():
        not_in_run(ax, "one model and dataset with single-turn cells both with and without CoT")
        return save(fig, out_prefix)
    sizes = rows.groupby(["model", "dataset"])["name"].nunique()[both == 2]
    model, dataset = sizes.idxmax()
    rows = rows[(rows["model"] == model) & (rows["dataset"] == dataset)]
    levels = sorted(rows["group"].astype(str).unique())
    names = cell_labels(rows)
    for j, (cot, label) in enumerate(((False, "no CoT"), (True, "best CoT"))):
        best_cell = rows[rows["cot"] == cot].groupby("name")["value"].mean().idxmax()
        sub = rows[rows["name"] == best_cell].assign(group=lambda f: f["group"].astype(str)).set_index("group")
        sub = sub.reindex(levels)
        ax.bar(np.arange(len(levels)) + (j - 0.5) * 0.4, 100 * sub["value"], 0.4, yerr=_errorbars(sub),
               **ERRORBAR, label=f"{label} ({short(names[best_cell], 32)})")
    ax.set_xticks(np.arange(len(levels)), levels)
    ax.set_xlabel(f"difficulty ({short(model, 24)}, {short(dataset, 24)})")
    ax.set_ylabel("pass@1 (%)")
    percent_axis(ax, 100 * rows["ci_high"].fillna(rows["value"]))
    fig.legend(*ax.get_legend_handles_labels(), frameon=False, loc="outside upper center")
    return save(fig, out_prefix)


def n_at_k_curves(metrics_dir, out_prefix):
    """pass n@k against the attempt budget k: base, base + CoT and RFT (best cell of each at each budget)."""
    table = read_table(metrics_dir, "n_at_k")
    fig, axes = figure()
    ax = axes[0, 0]
    if table.empty:
        not_in_run(ax, "any n@k budget within samples × turns")
        return save(fig, out_prefix)
    table["family"] = family(table)
    for fam, rows in table.groupby("family"):
        best = rows.sort_values("value", ascending=False).groupby("k", as_index=False).first().sort_values("k")
        line, = ax.plot(best["k"], 100 * best["value"], marker="o", ms=3, label=fam)
        ax.fill_between(best["k"], 100 * best["ci_low"], 100 * best["ci_high"], color=line.get_color(), alpha=0.12)
    missing = {"base", "base + CoT", "RFT"} - set(table["family"])
    ax.set_xscale("log")
    ticks = table.groupby("k")["metric"].agg(lambda m: "/".join(sorted(set(m)))).sort_index()
    ax.set_xticks(ticks.index, ticks.to_list())
    ax.minorticks_off()
    ax.set_xlabel("n@k: n submissions from a budget of k attempts (log scale)")
    ax.set_ylabel("pass n@k (%)")
    percent_axis(ax, 100 * table["ci_high"].fillna(table["value"]))
    ax.legend(frameon=False, title=("not in this run: " + ", ".join(sorted(missing))) if missing else None,
              title_fontsize=5)
    return save(fig, out_prefix)
