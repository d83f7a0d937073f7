"""pass@1 of the code held after each turn, per (model, dataset): plain multi-turn for each feedback type,
multi-turn CoT and CoT-retry with the chosen pair (default feedback), 95% problem-bootstrap bands."""

from __future__ import annotations

from ..groups import facets, feedback_order, main_multi_turn
from ..parts import facet_title, shared_legend
from ..selection import cell_rows, choose
from ..style import facet_figure, not_in_run, percent_axis, read_table, save

CATEGORY = "1. Multi-turn"


def draw(metrics_dir, out_prefix):
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
