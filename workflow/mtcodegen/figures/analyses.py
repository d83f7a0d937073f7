"""Analysis figures: similarity of consecutive attempts, non-code text, and reproduced vs reported numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .groups import NO_PROMPT, SETTINGS, facets, feedback_order, main_multi_turn, rft_bases, test_only
from .performance import facet_title, turn_summary
from .selection import cell_rows
from .style import ERRORBAR, facet_figure, figure, not_in_run, read_table, save, short

BINS = np.linspace(0, 1, 21)


def _density(ax, values: pd.Series, label: str) -> None:
    """A normalized histogram drawn as a step line: honest for a few dozen values, where a KDE would invent."""
    density, edges = np.histogram(values, bins=BINS, density=True)
    ax.stairs(density, edges, label=f"{label} (n={len(values)})")


SIMILARITY_COLUMNS = ("name", "model", "dataset", "reasoning", "instruction", "feedback", "turns", "cot_retry",
                      "finetuned", "similarity")


def _plain_similarity(metrics_dir) -> pd.DataFrame:
    """The similarity rows of no-prompt, non-retry cells on test splits (the only ones these figures draw):
    the table has a row per pair of consecutive attempts, so only the needed columns are read."""
    table = read_table(metrics_dir, "similarity", columns=SIMILARITY_COLUMNS)
    table = table[(table["reasoning"] == NO_PROMPT) & (table["instruction"] == NO_PROMPT)
                  & ~table["cot_retry"].astype(bool)]
    return test_only(table)


def _axes_labels(ax) -> None:
    ax.set_xlabel("similarity of consecutive attempts (token difflib ratio)", fontsize=5)
    ax.set_ylabel("density")
    ax.legend(frameon=False, loc="upper left", fontsize=5)


def similarity_feedback(metrics_dir, out_prefix):
    """Density of the similarity of consecutive attempts, one curve per execution-feedback type: no-prompt
    multi-turn cells of one stated base model and test dataset per panel, at the panel's main turn count."""
    table = _plain_similarity(metrics_dir)
    keys = facets(table)
    fig, axes = facet_figure(len(keys))
    if not keys:
        not_in_run(axes[0], "no-prompt multi-turn cells whose consecutive attempts both have code")
        return save(fig, out_prefix)
    for ax, (model, dataset) in zip(axes, keys):
        facet = table[(table["model"] == model) & (table["dataset"] == dataset) & ~table["finetuned"].astype(bool)]
        turns, _ = main_multi_turn(facet)
        for feedback in feedback_order(facet.loc[facet["turns"] == turns, "feedback"].unique()):
            _density(ax, cell_rows(facet, model, dataset, turns=turns, feedback=feedback)["similarity"], feedback)
        facet_title(ax, model, dataset, f"{turns} turns, no prompt")
        _axes_labels(ax)
    return save(fig, out_prefix)


def similarity_rft(metrics_dir, out_prefix):
    """The same densities for a base model and its RFT model, no prompt at evaluation, per test dataset."""
    table = _plain_similarity(metrics_dir)
    panels = []
    if not table.empty:
        for tuned, base in rft_bases(table).items():
            panels += [(base, tuned, d) for m, d in facets(table, finetuned=True) if m == tuned]
    fig, axes = facet_figure(len(panels))
    if not panels:
        not_in_run(axes[0], "no-prompt multi-turn cells of both a base and its RFT model")
        return save(fig, out_prefix)
    for ax, (base, tuned, dataset) in zip(axes, panels):
        facet = table[(table["model"] == tuned) & (table["dataset"] == dataset)]
        turns, feedback = main_multi_turn(facet)
        for label, model, finetuned in (("base", base, False), ("RFT", tuned, True)):
            rows = cell_rows(table, model, dataset, turns=turns, feedback=feedback, finetuned=finetuned)
            if not rows.empty:
                _density(ax, rows["similarity"], label)
        facet_title(ax, base, dataset, f"RFT: {tuned}; {turns} turns, fb={feedback}, no prompt")
        _axes_labels(ax)
    return save(fig, out_prefix)


def non_code_rft(metrics_dir, out_prefix):
    """Mean share of non-code text in a response (± one standard deviation), no-prompt cells, per test
    dataset: the RFT model against its base model, single turn and the main multi-turn setting (every base
    model when the run has no RFT model)."""
    table = test_only(read_table(metrics_dir, "non_code"))
    table = table[(table["turn"].astype(str) == "all") & (table["reasoning"] == NO_PROMPT)
                  & (table["instruction"] == NO_PROMPT) & ~table["cot_retry"].astype(bool)]
    datasets = sorted(table["dataset"].astype(str).unique())
    fig, axes = facet_figure(len(datasets), panel_height=1.8)
    if not datasets:
        not_in_run(axes[0], "no-prompt cells with responses on a test split")
        return save(fig, out_prefix)
    pairs = rft_bases(table)
    for ax, dataset in zip(axes, datasets):
        facet = table[table["dataset"] == dataset]
        tuned = [t for t in pairs if (facet["model"] == t).any()]
        models = [(pairs[t], False) for t in tuned] + [(t, True) for t in tuned] if tuned else \
            [(m, False) for m in sorted(facet["model"].astype(str).unique())]
        models = list(dict.fromkeys(models))
        multi = main_multi_turn(facet[~facet["finetuned"].astype(bool)] if not tuned else
                                facet[facet["finetuned"].astype(bool)])
        settings = [("single turn", None, None)] + ([(f"{multi[0]} turns, fb={multi[1]}", *multi)] if multi else [])
        # A setting none of the panel's models has is left out (not drawn as an empty slot).
        settings = [st for st in settings if any(not cell_rows(facet, m, dataset, turns=st[1], feedback=st[2],
                                                                 finetuned=f).empty for m, f in models)]
        width = 0.8 / len(models)
        for j, (model, finetuned) in enumerate(models):
            values, sds = [], []
            for _, turns, feedback in settings:
                row = cell_rows(facet, model, dataset, turns=turns, feedback=feedback, finetuned=finetuned)
                values.append(100 * row["non_code_fraction"].iloc[0] if not row.empty else np.nan)
                sds.append(100 * row["non_code_fraction_sd"].iloc[0] if not row.empty else 0)
            ax.bar(np.arange(len(settings)) + (j - (len(models) - 1) / 2) * width, values, width, yerr=sds,
                   label=model + (" (RFT)" if finetuned else ""), **ERRORBAR)
        ax.set_xticks(np.arange(len(settings)), [s[0] for s in settings])
        ax.set_ylabel("non-code share (%)")
        ax.set_ylim(0, 100)
        ax.set_title(f"{dataset}, no prompt" + ("" if tuned else "\nnot in this run: RFT model"), fontsize=6)
        ax.legend(frameon=False, fontsize=5, loc="upper right")
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
    n_at_k = read_table(metrics_dir, "n_at_k")
    passes = read_table(metrics_dir, "pass_at_k")
    # The one cell that reports each setting (prompt pairs chosen on validation), never the best cell on test.
    metrics = sorted(set(ref["metric"].astype(str)))
    ours = pd.concat([turn_summary(n_at_k, passes, metrics=metrics, settings=SETTINGS),
                      turn_summary(passes, passes, metrics=metrics, settings=SETTINGS)], ignore_index=True)
    fig, axes = figure()
    ax = axes[0, 0]
    pairs = []
    for _, row in ref.iterrows():
        match = ours[(ours["metric"] == row["metric"]) & (ours["setting"] == row["setting"])
                     & (ours["dataset"].astype(str).str.startswith(str(row["dataset"])))]
        if (match["model_label"] == str(row["model"])).any():
            match = match[match["model_label"] == str(row["model"])]
        for _, hit in match.iterrows():
            pairs.append((float(row["value"]), 100 * hit["value"], f"{row['metric']} {hit['model_label']}"))
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
