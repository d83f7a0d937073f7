"""Shared look and the plumbing every figure uses: paper column width, table loading, saving, empty panels."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on cluster nodes

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from ..jsonl import atomic_path  # noqa: E402

COLUMN_WIDTH = 3.3  # inches: one column of the paper's two-column layout
PAGE_WIDTH = 6.8  # inches: both columns (facet grids)
MAX_PIXELS = 4000  # per side of a PNG: larger ones are unreadable in a report, and PIL refuses huge ones
RC = {
    "font.size": 7, "axes.titlesize": 7, "axes.labelsize": 7, "legend.fontsize": 6, "xtick.labelsize": 6,
    "ytick.labelsize": 6, "lines.linewidth": 1.2, "axes.spines.top": False, "axes.spines.right": False,
    "savefig.dpi": 300, "pdf.fonttype": 42,  # TrueType in PDFs, so text stays editable
}


def figure(rows: int = 1, cols: int = 1, height: float = 2.2, width: float = COLUMN_WIDTH):
    plt.rcParams.update(RC)
    fig, axes = plt.subplots(rows, cols, figsize=(width, height), squeeze=False, constrained_layout=True)
    return fig, axes


def facet_figure(count: int, cols: int = 2, panel_height: float = 1.6, width: float = PAGE_WIDTH,
                 sharey: bool = False):
    """A grid of ``count`` panels (one per stated model and dataset), unused panels hidden; one column of the
    paper when there is one panel. Returns the figure and the flat list of the ``count`` panels."""
    count = max(1, count)
    cols = min(cols, count)
    rows = -(-count // cols)
    fig, axes = figure(rows, cols, height=0.5 + panel_height * rows, width=COLUMN_WIDTH if cols == 1 else width)
    flat = list(axes.flat)
    for ax in flat[count:]:
        ax.set_axis_off()
    if sharey:
        for ax in flat[1:count]:
            ax.sharey(flat[0])
    return fig, flat[:count]


def read_table(metrics_dir: str | Path, name: str, columns=None) -> pd.DataFrame:
    """One metrics table; ``columns`` reads only those (the similarity table has a row per attempt pair)."""
    path = Path(metrics_dir) / f"{name}.csv"
    if not path.exists():
        raise FileNotFoundError(f"metrics table not found: {path} (run `mtcodegen metrics` first)")
    if columns is None:
        return pd.read_csv(path)
    header = pd.read_csv(path, nrows=0).columns
    missing = [c for c in columns if c not in header]
    if missing:
        raise ValueError(f"{path}: metrics table lacks column(s) {', '.join(missing)}")
    return pd.read_csv(path, usecols=list(columns))


def not_in_run(ax, what: str) -> None:
    """An explicit empty panel: the figure builds, and the reader sees why it shows nothing."""
    ax.set_axis_off()
    ax.text(0.5, 0.5, f"not in this run:\n{what}", ha="center", va="center", fontsize=7, color="0.35",
            transform=ax.transAxes, wrap=True)


def save(fig, out_prefix: str | Path) -> list[Path]:
    """Write ``<prefix>.pdf`` and ``<prefix>.png``, each atomically; the PNG's resolution is lowered if needed
    so that neither side exceeds MAX_PIXELS."""
    out_prefix = Path(out_prefix)
    dpi = min(RC["savefig.dpi"], int((MAX_PIXELS - 1) / max(fig.get_size_inches())))
    out_prefix.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for ext in ("pdf", "png"):
        target = out_prefix.with_name(out_prefix.name + f".{ext}")
        with atomic_path(target, suffix=f".{ext}") as tmp:
            fig.savefig(tmp, format=ext, dpi=dpi)
        written.append(target)
    plt.close(fig)
    return written


def legend_below(fig, ax, entries: int, columns: int = 1) -> None:
    """A legend under the axes (cell names are long): the figure grows instead of the lines being hidden."""
    rows = -(-entries // columns)
    fig.set_figheight(fig.get_figheight() + 0.12 * rows)
    ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=columns, fontsize=5)


def percent_axis(ax, tops) -> None:
    """A solve-rate axis from about 0: all-zero results show as zero bars on a readable scale, not a ±0.04 band."""
    top = max([float(t) for t in tops if t == t] + [0.0])  # t == t drops NaN
    upper = min(100.0, max(10.0, 1.15 * top)) if top <= 100 else 1.05 * top
    ax.set_ylim(-0.03 * upper, upper)  # a little below 0, so that a line at 0 % is not hidden by the axis


ERRORBAR = {"capsize": 1.5, "error_kw": {"elinewidth": 0.6, "ecolor": "0.25"}}


LABEL_PARTS = (("model", "{}"), ("dataset", "{}"), ("reasoning", "r={}"), ("instruction", "i={}"),
               ("feedback", "fb={}"), ("turns", "t={}"), ("cot_retry", "retry={}"))


def cell_labels(frame, wrap: bool = False) -> dict[str, str]:
    """Cell name -> a legend label made of only the label columns that differ between the frame's cells
    ('r=none i=step_by_step' rather than the full name); ``wrap`` puts the prompts on a second line."""
    cells = frame.drop_duplicates("name").set_index("name")
    varying = [(col, fmt) for col, fmt in LABEL_PARTS if col in cells and cells[col].astype(str).nunique() > 1]
    labels = {}
    for name, row in cells.iterrows():
        head = " ".join(fmt.format(row[c]) for c, fmt in varying if c in ("model", "dataset"))
        tail = " ".join(fmt.format(row[c]) for c, fmt in varying if c not in ("model", "dataset"))
        labels[name] = ("\n" if wrap and head and tail else " ").join(filter(None, (head, tail))) or str(name)
    return labels


def short(name: str, width: int = 28) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"
