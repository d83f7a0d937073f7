"""One page per cell of a plan, each offering the other cells over the same problems (the default config's
plan, and the paper grid's)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from mtcodegen.browser.pages import plan_pages
from mtcodegen.config import load_config
from mtcodegen.plan import build_plan

ROOT = Path(__file__).resolve().parents[2]


def _plan(name):
    return build_plan(load_config(yaml.safe_load((ROOT / name).read_text()), root=ROOT), root=ROOT)


@pytest.mark.parametrize("config", ["tests/config_base.yaml", "config.yaml"])
def test_a_page_per_cell_and_peers_over_the_same_split(config):
    plan = _plan(config)
    pages = plan_pages(plan)
    cells = {c.execute.hash: c for c in plan.cells + ([plan.rft_cell] if plan.rft_cell else [])}
    assert sorted(p.execute.hash for p in pages.values()) == sorted(cells)
    # Truth from the labels alone: cells over the same dataset/split are each other's peers.
    by_split = defaultdict(set)
    for cell in cells.values():
        by_split[cell.label["dataset"]].add(cell.name)
    for page in pages.values():
        peers = {name for name, _ in page.peers}
        assert peers == by_split[page.label["dataset"]] - {page.name}, page.name
        assert all(hash_ in pages and pages[hash_].name == name for name, hash_ in page.peers)
        assert page.peer_args() == [f"{name}=../{hash_}" for name, hash_ in page.peers]
    assert len(set(pages)) == len(pages) and all(len(h) == 16 for h in pages)


def test_the_hash_follows_the_cell_and_its_peers_not_the_order(monkeypatch):
    plan = _plan("tests/config_base.yaml")
    first = plan_pages(plan)
    plan.cells.reverse()
    assert plan_pages(plan).keys() == first.keys()
    dropped = plan.cells.pop()  # a cell less: the pages of its split change, the other splits' stay
    fewer = plan_pages(plan)
    by_cell = {p.name: h for h, p in first.items()}
    for h, page in fewer.items():
        same_split = page.label["dataset"] == dropped.label["dataset"]
        assert (by_cell[page.name] == h) is (not same_split), page.name
    assert dropped.name not in {p.name for p in fewer.values()}
    import mtcodegen.browser.pages as pages_module

    monkeypatch.setattr(pages_module, "_CODE", ["0" * 16])  # other browser code: every page is new
    assert not set(plan_pages(plan)) & set(fewer)


def test_selected_pages():
    from mtcodegen.browser.pages import selected

    pages = plan_pages(_plan("tests/config_base.yaml"))
    names = {h: p.name for h, p in pages.items()}
    assert selected(pages, "all") == list(pages) and selected(pages, "none") == []
    some = sorted(names.values())[0]
    assert [names[h] for h in selected(pages, [some, some])] == [some]  # each page once
    star = selected(pages, ["*"])
    assert sorted(star) == sorted(pages)
    with pytest.raises(ValueError, match=r"browser.cells: pattern 'nosuchcell\*' matches no cell of this config"):
        selected(pages, ["nosuchcell*"])
    with pytest.raises(ValueError, match=r"expected 'all', 'none' or a list"):
        selected(pages, "some")


@pytest.mark.slow  # builds the paper plan (3,170 cells): minutes on a busy 2-core machine
def test_the_paper_config_names_cells_that_exist():
    plan = _plan("configs/paper.yaml")
    from mtcodegen.browser.pages import selected

    pages = plan_pages(plan)
    chosen = {pages[h].name for h in selected(pages, plan.config["browser"]["cells"])}
    assert 2 <= len(chosen) <= 20 and any(name.startswith("rft_") for name in chosen)
