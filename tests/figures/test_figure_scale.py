"""Every figure of a grid shaped like the paper's (models x datasets x prompt pairs x feedback, CoT-retry, RFT,
validation) stays a readable size: at most 4,000 px a side, at least a column wide. The full paper grid, with its
timing target, is benchmarks/figures_scale.py (BENCHMARKS.md "Figures at paper scale")."""

from __future__ import annotations

import itertools

import pytest
from PIL import Image

from mtcodegen.cli import main

MODELS = ("a_8b", "a_70b", "b_8b", "b_70b", "c_70b")
PAIRS = list(itertools.product(("none", "r1", "r2"), ("none", "i1", "i2")))
FEEDBACK = ("binary", "failed_tests", "failed_and_passed_tests", "ldb_block")
LEVELS = {"cc/test": ["A", "B", "C", "D"], "taco/test": ["EASY", "MEDIUM", "MEDIUM_HARD", "HARD", "VERY_HARD"],
          "cc/valid": ["A", "B"]}


@pytest.fixture(scope="module")
def big_tables(tmp_path_factory, kit):
    Tables, label, noise = kit.Tables, kit.label, kit.noise

    cells = []
    for model, dataset, (r, i) in itertools.product(MODELS, ("cc/test", "taco/test"), PAIRS):
        cells.append(label(model, dataset, r, i))
        cells += [label(model, dataset, r, i, feedback=f, turns=3) for f in FEEDBACK]
        cells.append(label(model, dataset, r, i, turns=3, cot_retry=True))
        if dataset == "cc/test":
            cells.append(label(model, "cc/valid", r, i))
    cells += [label("rft_c_70b", d, r, i, turns=t, finetuned=True) for d in ("cc/test", "taco/test")
              for r, i in PAIRS[:4] for t in (1, 3)]
    cells += [label("c_70b", "cc/test", turns=t) for t in (2, 4, 5)]
    assert len(cells) > 600
    value = (lambda c, m, e=None: 0.05 + 0.4 * noise(c["name"], m, e))
    return Tables(cells, value, ks=(1, 10, 100), pairs=((1, 3), (10, 30), (10, 100), (33, 100), (100, 300)),
                  samples=200, levels=LEVELS, similarity=20).write(tmp_path_factory.mktemp("big"))


def _figures():
    from mtcodegen.figures.cli import FIGURES

    return sorted(FIGURES)


@pytest.mark.slow  # ~35 CPU-s for the fifteen figures of a 600-cell grid
@pytest.mark.parametrize("name", _figures())
def test_figure_of_a_paper_shaped_grid_fits_4000_px(name, big_tables, tmp_path):
    assert main(["figure", name, "--metrics-dir", str(big_tables), "--out-prefix", str(tmp_path / name)]) == 0
    with Image.open(tmp_path / f"{name}.png") as image:
        width, height = image.size
    assert max(width, height) <= 4000, (width, height)
    assert min(width, height) >= 600, (width, height)  # not shrunk into an unreadable thumbnail
