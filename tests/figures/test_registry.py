"""The figure registry: one module and one caption per figure in figures/catalog/, and every consumer (the
`mtcodegen figure` command, the Snakemake rules, the report) takes its list from it; a module that breaks the
contract is refused naming the module and what it lacks."""

from __future__ import annotations

import re
import types

import pytest

from mtcodegen.cli import main
from mtcodegen.figures.registry import CATALOG_DIR, FigureError, figures, load


def _module(**attributes):
    module = types.ModuleType("mtcodegen.figures.catalog.fake")
    module.__file__ = "/somewhere/fake.py"
    module.__dict__.update(attributes)
    return module


def _draw(metrics_dir, out_prefix):
    return []


@pytest.fixture
def captions(tmp_path):
    (tmp_path / "fake.rst").write_text("A caption.\n")
    return tmp_path


def test_every_module_of_the_catalog_is_a_figure_with_its_caption():
    modules = sorted(p.stem for p in CATALOG_DIR.glob("*.py") if not p.stem.startswith("_"))
    assert sorted(figures()) == modules
    assert sorted(p.stem for p in CATALOG_DIR.glob("*.rst")) == modules
    for figure in figures().values():
        assert re.fullmatch(r"\d\. \S.*", figure.category), figure.category


@pytest.mark.parametrize("attributes,error", [
    ({"CATEGORY": "1. X"}, "defines no draw"),
    ({"draw": _draw}, "defines no CATEGORY"),
    ({"draw": _draw, "CATEGORY": " "}, "defines no CATEGORY"),
    ({"draw": _draw, "CATEGORY": "1. X", "READS": ("metrics", "weather")}, "READS ['metrics', 'weather']"),
    ({"draw": _draw, "CATEGORY": "1. X", "READS": ()}, "READS []"),
    ({"draw": _draw, "CATEGORY": "1. X", "EXTRA_OUTPUTS": {"png": True}}, "EXTRA_OUTPUTS ['png']"),
    ({"draw": _draw, "CATEGORY": "1. X", "EXTRA_OUTPUTS": {"tar.gz": True}}, "EXTRA_OUTPUTS ['tar.gz']"),
])
def test_a_module_that_breaks_the_contract_is_refused_naming_it(attributes, error, captions):
    with pytest.raises(FigureError) as caught:
        load("fake", _module(**attributes), captions)
    assert "figure module mtcodegen.figures.catalog.fake (/somewhere/fake.py)" in str(caught.value)
    assert error in str(caught.value)


def test_a_figure_without_its_caption_is_refused(tmp_path, captions):
    module = _module(draw=_draw, CATEGORY="1. X")
    with pytest.raises(FigureError, match=r"its caption .*fake\.rst is missing or empty"):
        load("fake", module, tmp_path / "elsewhere")
    (captions / "fake.rst").write_text("  \n")
    with pytest.raises(FigureError, match="missing or empty"):
        load("fake", module, captions)


def test_declared_outputs_and_what_the_report_shows(captions):
    figure = load("fake", _module(draw=_draw, CATEGORY="3. Y", EXTRA_OUTPUTS={"csv": True, "md": False}), captions)
    assert figure.outputs == ("pdf", "png", "csv", "md")
    assert figure.reported == ("png", "csv")
    assert figure.reads == ("metrics",) and figure.category == "3. Y"
    with pytest.raises(ValueError, match="figure fake needs --metrics-dir"):
        figure.draw("out")


def test_the_command_offers_exactly_the_registered_figures(capsys):
    with pytest.raises(SystemExit):
        main(["figure", "--help"])
    listed = re.search(r"one of: (.+?)\n\n", capsys.readouterr().out, re.S).group(1)
    assert sorted(re.split(r"[,\s]+", listed.strip())) == sorted(figures())
    with pytest.raises(SystemExit):
        main(["figure", "no_such_figure", "--out-prefix", "x"])
    assert "invalid choice: 'no_such_figure'" in capsys.readouterr().err


def test_the_rules_name_no_figure(project_root):
    """figures.smk derives its rules from the registry: no figure name is written in it."""
    rules = (project_root / "workflow" / "rules" / "figures.smk").read_text()
    named = [name for name in figures() if re.search(rf"\b{name}\b", rules)]
    assert named == []
    assert not list((project_root / "workflow" / "report").glob(f"{next(iter(figures()))}.rst"))
