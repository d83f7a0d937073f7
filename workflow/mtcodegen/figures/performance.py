"""Pass-rate figures: turns, the single/multi-turn table, CoT gain, prompt grids, n@k curves.

Each panel is one stated (model, dataset) of a test split; prompt pairs are chosen on validation
(selection.py); no figure takes a maximum over cells on test except where a model has no validation cell,
and then the label says "max on test".
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..jsonl import atomic_path
from .groups import NO_PROMPT, facets, feedback_order, main_multi_turn, model_label, rft_bases, test_only
from .selection import cell_rows, choose, setting_cells
from .style import (COLUMN_WIDTH, ERRORBAR, PAGE_WIDTH, facet_figure, figure, not_in_run, percent_axis, read_table, save, short)

PERCENT = "{:.1f}"


def errorbars(frame: pd.DataFrame) -> np.ndarray:
    low = (frame["value"] - frame["ci_low"]).clip(lower=0)
    high = (frame["ci_high"] - frame["value"]).clip(lower=0)
    return 100 * np.vstack([low.fillna(0), high.fillna(0)])


def facet_title(ax, model: str, dataset: str, extra: str = "") -> None:
    """The panel's stated (model, dataset), then what it draws, wrapped to the panel's width."""
    import textwrap

    cols = ax.get_subplotspec().get_gridspec().ncols
    width = max(30, int(ax.figure.get_figwidth() / cols * 17))  # ~17 characters per inch at 5 pt
    lines = [f"{short(model, 30)}, {short(dataset, 30)}"]
    for part in extra.split("\n") if extra else []:
        lines += textwrap.wrap(part, width)
    ax.set_title("\n".join(lines), fontsize=5)


def shared_legend(fig, axes, ncol: int = 3) -> None:
    handles = {label: h for ax in axes for h, label in zip(*ax.get_legend_handles_labels())}
    if handles:
        fits = max(1, int(fig.get_figwidth() / 1.6))  # about one entry per 1.6 inch
        fig.legend(handles.values(), handles.keys(), frameon=False, loc="outside upper center",
                   ncol=min(ncol, len(handles), fits), fontsize=6)


def budget_lines(ax, rows: pd.DataFrame, label: str, style: str = "-"):
    """pass n@k against k: one line through the budgets of the most common ratio k/n (1@3, 10@30, 33@100,
    100@300), the other budgets (10@100) as unconnected markers of the same colour."""
    rows = rows.sort_values(["k", "n"])
    ratio = rows["k"] / rows["n"]
    main = ratio.round(6).mode().min()
    on = ratio.round(6) == main
    line, = ax.plot(rows.loc[on, "k"], 100 * rows.loc[on, "value"], marker="o", ms=2, ls=style, label=label)
    ax.fill_between(rows.loc[on, "k"], 100 * rows.loc[on, "ci_low"], 100 * rows.loc[on, "ci_high"],
                    color=line.get_color(), alpha=0.1)
    if (~on).any():
        ax.errorbar(rows.loc[~on, "k"], 100 * rows.loc[~on, "value"], yerr=errorbars(rows[~on]), fmt="D", ms=2.5,
                    color=line.get_color(), elinewidth=0.6, capsize=1.5)
    return line


def budget_axis(ax, shown: pd.DataFrame) -> None:
    ax.set_xscale("log")
    ticks = shown.groupby("k")["metric"].agg(lambda m: "/".join(sorted(set(m)))).sort_index()
    ax.set_xticks(ticks.index, [t.replace("/", "\n") for t in ticks.to_list()], fontsize=5)
    ax.minorticks_off()
    ax.set_xlabel("n@k: n submissions from k attempts (log; ◆ off the k = 3n line)", fontsize=5)
    ax.set_ylabel("pass n@k (%)")
    percent_axis(ax, 100 * shown["ci_high"].fillna(shown["value"]))


def pass_vs_turns(metrics_dir, out_prefix):
    """pass@1 of the code held after each turn, per (model, dataset): plain multi-turn for each feedback type,
    multi-turn CoT and CoT-retry with the chosen pair (default feedback), 95% problem-bootstrap bands."""
    table = read_table(metrics_dir, "per_turn")
    table = table[(table["k"] == 1) & (table["turns"] > 1)]
    passes = read_table(metrics_dir, "pass_at_k")
    keys = facets(table)
    fig, axes = facet_figure(len(keys))
    if not keys:
        not_in_run(axes[0], "no multi-turn cell (turns > 1) of a base model on a test split")
        return save(fig, out_prefix)
    for ax, (model, dataset) in zip(axes, keys):
        facet = table[(table["model"] == model) & (table["dataset"] == dataset) & ~table["finetuned"].astype(bool)]
        turns, feedback = main_multi_turn(facet)
        lines = [(f"multi-turn, fb={fb}", cell_rows(table, model, dataset, turns=turns, feedback=fb), "-")
                 for fb in feedback_order(facet.loc[facet["turns"] == turns, "feedback"].unique())]
        choice = choose(passes, model, dataset)
        if choice:
            pair = {"reasoning": choice.reasoning, "instruction": choice.instruction}
            lines.append(("multi-turn CoT (chosen pair)",
                          cell_rows(table, model, dataset, turns=turns, feedback=feedback, **pair), "--"))
            lines.append(("CoT-retry (chosen pair)",
                          cell_rows(table, model, dataset, turns=turns, feedback=feedback, cot_retry=True,
                                    **pair), ":"))
        tops = []
        missing = [label for label, rows, _ in lines if rows.empty]
        for label, rows, style in lines:
            if rows.empty:
                continue
            rows = rows.sort_values("turn")
            line, = ax.plot(rows["turn"], 100 * rows["value"], marker="o", ms=2, ls=style, label=label)
            ax.fill_between(rows["turn"], 100 * rows["ci_low"], 100 * rows["ci_high"], color=line.get_color(),
                            alpha=0.08)
            tops += list(100 * rows["ci_high"].fillna(rows["value"]))
        facet_title(ax, model, dataset, f"{turns} turns" + (f"; CoT {choice.describe()}" if choice else "")
                    + (f"\nnot in this run: {', '.join(missing)}" if missing else ""))
        ax.set_xticks(range(1, turns + 1))
        ax.set_xlabel("turn (attempts so far)")
        ax.set_ylabel("pass@1 (%)")
        percent_axis(ax, tops)
    shared_legend(fig, axes)
    return save(fig, out_prefix)


TABLE_METRICS = ("1@3", "10@100")
TABLE_SETTINGS = ("single-turn", "multi-turn", "multi-turn CoT", "CoT-retry")


def turn_summary(n_at_k: pd.DataFrame, passes: pd.DataFrame, metrics=TABLE_METRICS,
                 settings=TABLE_SETTINGS) -> pd.DataFrame:
    """One row per (model, dataset, setting, metric): the value of the one cell that reports the setting
    (selection.setting_cells), with its name and how its prompt pair was chosen."""
    rows = []
    for finetuned in (False, True):
        for model, dataset in facets(n_at_k, finetuned=finetuned):
            cells, choice = setting_cells(n_at_k, passes, model, dataset)
            for sett in settings:
                for metric in metrics:
                    cell = cells.get(sett)
                    hit = cell[cell["metric"] == metric] if cell is not None else cell
                    label = model + (" (RFT)" if finetuned else "")
                    chosen = choice.describe() if choice and sett in ("multi-turn CoT", "CoT-retry") else ""
                    if hit is None or hit.empty:
                        continue
                    r = hit.iloc[0]
                    rows.append({"model_label": label, "dataset": dataset, "setting": sett, "metric": metric,
                                 "value": r["value"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                                 "name": r["name"], "prompt_choice": chosen})
    columns = ["model_label", "dataset", "setting", "metric", "value", "ci_low", "ci_high", "name", "prompt_choice"]
    return pd.DataFrame(rows, columns=columns)


def turn_table(metrics_dir, out_prefix):
    """Single-turn vs multi-turn vs multi-turn CoT vs CoT-retry at equal attempt budgets (1@3, 10@100), one
    stated cell each, as a figure plus CSV and markdown."""
    table = read_table(metrics_dir, "n_at_k")
    passes = read_table(metrics_dir, "pass_at_k")
    summary = turn_summary(table, passes)
    out_prefix = Path(out_prefix)
    out_prefix.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out_prefix.with_name(out_prefix.name + ".csv"), suffix=".csv") as tmp:
        summary.to_csv(tmp, index=False)
    lines = ["| model | dataset | setting | " + " | ".join(TABLE_METRICS) + " | prompts |",
             "|---|---|---|" + "---|" * len(TABLE_METRICS) + "---|"]
    for (model, dataset, sett), rows in summary.groupby(["model_label", "dataset", "setting"], sort=False):
        cells = []
        for metric in TABLE_METRICS:
            row = rows[rows["metric"] == metric]
            cells.append("not in this run" if row.empty else
                         f"{100 * row['value'].item():.1f} [{100 * row['ci_low'].item():.1f}, "
                         f"{100 * row['ci_high'].item():.1f}]")
        lines.append(f"| {model} | {dataset} | {sett} | " + " | ".join(cells) + f" | {rows['prompt_choice'].iloc[0]} |")
    if summary.empty:
        lines.append("| not in this run: no 1@3 or 10@100 row | | | " + " | " * len(TABLE_METRICS))
    with atomic_path(out_prefix.with_name(out_prefix.name + ".md"), suffix=".md") as tmp:
        Path(tmp).write_text("\n".join(lines) + "\n")

    groups = list(dict.fromkeys(zip(summary["model_label"], summary["dataset"])))
    fig, axes = figure(len(TABLE_METRICS), 1, height=0.6 + 1.9 * len(TABLE_METRICS),
                       width=COLUMN_WIDTH if len(groups) <= 3 else PAGE_WIDTH)
    width = 0.8 / len(TABLE_SETTINGS)
    for ax, metric in zip(axes[:, 0], TABLE_METRICS):
        rows = summary[summary["metric"] == metric]
        if rows.empty:
            not_in_run(ax, f"{metric}: no cell with this budget (budget above samples × turns, or not configured)")
            continue
        for j, sett in enumerate(TABLE_SETTINGS):
            sub = rows[rows["setting"] == sett].set_index(["model_label", "dataset"]).reindex(groups)
            x = np.arange(len(groups)) + (j - (len(TABLE_SETTINGS) - 1) / 2) * width
            ax.bar(x, 100 * sub["value"], width, yerr=errorbars(sub),
                   label=sett if sub["value"].notna().any() else None, **ERRORBAR)
        test_max = set(zip(*[summary.loc[summary["prompt_choice"].str.contains("max on test"), c]
                             for c in ("model_label", "dataset")]))
        ax.set_xticks(np.arange(len(groups)), [f"{short(m, 24)}{' *' if (m, d) in test_max else ''}\n{short(d, 24)}"
                                               for m, d in groups], fontsize=5,
                      rotation=25 if len(groups) > 4 else 0, ha="right" if len(groups) > 4 else "center")
        ax.set_title(metric)
        ax.set_ylabel("solve rate (%)")
        percent_axis(ax, 100 * rows["ci_high"].fillna(rows["value"]))
    if not summary.empty and summary["prompt_choice"].str.contains("max on test").any():
        axes[0, 0].set_title(f"{TABLE_METRICS[0]}   (* no validation cells: CoT pair is the max on test)")
    shared_legend(fig, list(axes[:, 0]), ncol=4)
    return save(fig, out_prefix)


def cot_gain(metrics_dir, out_prefix):
    """Chosen single-turn CoT pair minus the no-prompt cell on test, per (model, dataset), for pass@1 and the
    largest pass@k; the pair is chosen on validation by the same pass@k."""
    table = read_table(metrics_dir, "pass_at_k")
    rows = []
    ks = sorted(table["k"].unique())
    ks = [ks[0], ks[-1]] if len(ks) > 1 else ks
    for model, dataset in facets(table[table["turns"] == 1]):
        for k in ks:
            choice = choose(table, model, dataset, f"pass@{k}")
            plain = cell_rows(table, model, dataset)
            plain = plain[plain["k"] == k]
            if choice is None or plain.empty:
                continue
            cot = cell_rows(table, model, dataset, reasoning=choice.reasoning, instruction=choice.instruction)
            cot = cot[cot["k"] == k]
            if cot.empty:
                continue
            rows.append((model, dataset, k, 100 * (cot["value"].item() - plain["value"].item()),
                         choice.on_validation))
    gains = pd.DataFrame(rows, columns=["model", "dataset", "k", "gain", "validated"])
    labels = list(dict.fromkeys(zip(gains["model"], gains["dataset"])))
    fig, axes = figure(width=COLUMN_WIDTH if len(labels) <= 3 else PAGE_WIDTH, height=2.4)
    ax = axes[0, 0]
    if not rows:
        not_in_run(ax, "single-turn cells with and without CoT prompts for one model and test dataset")
        return save(fig, out_prefix)
    width = min(0.8 / len(ks), 0.3)
    for j, k in enumerate(ks):
        sub = gains[gains["k"] == k].set_index(["model", "dataset"]).reindex(labels)
        ax.bar(np.arange(len(labels)) + (j - (len(ks) - 1) / 2) * width, sub["gain"], width, label=f"pass@{k}",
               hatch=None)
    marks = gains.groupby(["model", "dataset"], sort=False)["validated"].all()
    ax.axhline(0, color="0.3", lw=0.6)
    ax.set_xticks(np.arange(len(labels)), [f"{short(m, 18)}{'' if marks[(m, d)] else ' *'}\n{short(d, 18)}"
                                           for m, d in labels], fontsize=5)
    ax.set_xlim(-0.6, len(labels) - 0.4)
    ax.set_ylabel("CoT gain on test (percentage points)")
    if not marks.all():
        ax.set_title("* no validation cells for this model: pair is the max on test (biased upwards)", fontsize=5)
    fig.legend(*ax.get_legend_handles_labels(), frameon=False, loc="outside upper center", ncol=len(ks))
    return save(fig, out_prefix)


def _heatmap_model(single: pd.DataFrame) -> str | None:
    """The model the heatmap shows: one with validation cells if any (its choice is what it outlines), then
    the most single-turn cells, then the name."""
    from .groups import is_validation

    if single.empty:
        return None
    stats = single.assign(valid=is_validation(single["dataset"])).groupby("model").agg(
        valid=("valid", "any"), cells=("name", "nunique"))
    ranked = sorted(stats.index, key=str)  # a tie goes to the first name
    return max(ranked, key=lambda m: (bool(stats.loc[m, "valid"]), int(stats.loc[m, "cells"])))


def prompt_heatmap(metrics_dir, out_prefix):
    """Reasoning × instruction grid of one stated model, per dataset (validation splits included, marked):
    pass@1 and largest pass@k minus the no-prompt cell (single turn); the pair chosen on validation is boxed."""
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
        from .groups import is_validation

        split = " (validation)" if is_validation(pd.Series([dataset])).item() else " (test)"
        where = "" if choice is None else ("; box: chosen on " + choice.chosen_on if choice.on_validation
                                           else "; box: max on test")
        ax.set_title(f"Δ pass@{k} (pp), {short(model, 20)}\n{short(dataset, 24)}{split}{where}", fontsize=5)
        fig.colorbar(image, ax=ax, shrink=0.8, pad=0.02, aspect=30)
    axes[0].set_ylabel("reasoning prompt")
    return save(fig, out_prefix)


def instruction_types(metrics_dir, out_prefix):
    """pass@1 per instruction prompt, with no reasoning prompt (single turn, base models), one panel per test
    dataset, one bar per model, 95% problem-bootstrap intervals."""
    table = read_table(metrics_dir, "pass_at_k")
    rows = test_only(table[(table["turns"] == 1) & (table["reasoning"] == NO_PROMPT) & (table["k"] == 1)
                           & ~table["finetuned"].astype(bool) & ~table["cot_retry"].astype(bool)])
    datasets = sorted(d for d, g in rows.groupby("dataset") if g["instruction"].nunique() >= 2)
    fig, axes = facet_figure(len(datasets), cols=1, panel_height=1.8, width=6.8)
    if not datasets:
        not_in_run(axes[0], "two or more instruction prompts (single turn, no reasoning prompt) on a test split")
        return save(fig, out_prefix)
    for ax, dataset in zip(axes, datasets):
        sub_all = rows[rows["dataset"] == dataset]
        labels = [NO_PROMPT] + sorted(i for i in sub_all["instruction"].astype(str).unique() if i != NO_PROMPT)
        models = sorted(sub_all["model"].astype(str).unique())
        width = 0.8 / len(models)
        for j, model in enumerate(models):
            sub = pd.concat([cell_rows(sub_all, model, dataset, instruction=i) for i in labels])
            sub = sub.set_index("instruction").reindex(labels)
            ax.bar(np.arange(len(labels)) + (j - (len(models) - 1) / 2) * width, 100 * sub["value"], width,
                   yerr=errorbars(sub), **ERRORBAR, label=short(model, 30))
        ax.set_xticks(np.arange(len(labels)), [short(x, 22) for x in labels], rotation=15, ha="right")
        ax.set_ylabel("pass@1 (%)")
        ax.set_title(f"{dataset}: single turn, no reasoning prompt", fontsize=6)
        percent_axis(ax, 100 * sub_all["ci_high"].fillna(sub_all["value"]))
    shared_legend(fig, axes, ncol=4)
    return save(fig, out_prefix)


def n_at_k_curves(metrics_dir, out_prefix):
    """pass n@k against the attempt budget k for one stated (model, dataset) per panel: the base model without
    prompts, with the chosen CoT pair, and its RFT model without prompts, all at the facet's multi-turn setting."""
    table = read_table(metrics_dir, "n_at_k")
    passes = read_table(metrics_dir, "pass_at_k")
    bases = rft_bases(table) if not table.empty else {}
    panels = []  # (base model, dataset, RFT model or None)
    for tuned, base in bases.items():
        panels += [(base, d, tuned) for m, d in facets(table, finetuned=True) if m == tuned]
    if not panels:
        panels = [(m, d, None) for m, d in facets(table)]
    fig, axes = facet_figure(len(panels))
    if not panels:
        not_in_run(axes[0], "any n@k budget within samples × turns on a test split")
        return save(fig, out_prefix)
    for ax, (model, dataset, tuned) in zip(axes, panels):
        facet = table[(table["model"] == model) & (table["dataset"] == dataset)]
        multi = main_multi_turn(facet)
        turns, feedback = multi if multi else (1, None)
        choice = choose(passes, model, dataset)
        curves = [("base", cell_rows(table, model, dataset, turns=turns, feedback=feedback))]
        if choice:
            curves.append(("base + CoT (chosen pair)", cell_rows(table, model, dataset, turns=turns, feedback=feedback,
                                                                 reasoning=choice.reasoning,
                                                                 instruction=choice.instruction)))
        if tuned:
            curves.append(("RFT", cell_rows(table, tuned, dataset, turns=turns, feedback=feedback, finetuned=True)))
        shown = pd.concat([rows for _, rows in curves])
        for label, rows in curves:
            if not rows.empty:
                budget_lines(ax, rows, label)
        missing = [name for name, rows in curves if rows.empty] + ([] if tuned else ["RFT"])
        extra = f"t={turns}" + (f" fb={feedback}" if feedback else "")
        if choice:
            extra += f"; CoT {choice.describe()}"
        if missing:
            extra += "\nnot in this run: " + ", ".join(missing)
        facet_title(ax, model, dataset, extra)
        if not shown.empty:
            budget_axis(ax, shown)
    shared_legend(fig, axes)
    return save(fig, out_prefix)
