"""The `mtcodegen` command: one subcommand per stage, each usable without Snakemake.

Subcommands live in their stage modules and are imported only when called, so that `mtcodegen judge` does
not pay for importing torch. A stage module provides ``add_arguments(parser)`` and ``run(args) -> int``.

Global options, used by the Snakemake rules: ``--manifest PATH --spec JSON`` writes the provenance manifest
(docs/provenance.md) after the subcommand succeeds.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time

from .stages import STAGES

# Commands that are not a content-addressed stage: name -> (module, one-line help). A stage's command comes
# from its entry in mtcodegen.stages.STAGES (add a stage there, not here).
TOOLS: dict[str, tuple[str, str]] = {
    "check-config": ("mtcodegen.commands.check_config", "validate a config and print its grid"),
    "index": ("mtcodegen.commands.index", "write the readable-name -> hash index of a config's results"),
    "gc": ("mtcodegen.commands.gc", "list (or --delete) results that no given config references"),
    "judge": ("mtcodegen.sandbox.cli", "judge a program on a tests file in the sandbox"),
    "verify-data": ("mtcodegen.data.verify", "run reference solutions on their own stored tests (trusted code)"),
    "figure": ("mtcodegen.figures.cli", "draw one figure (PDF + PNG) from the metrics tables"),
    "reference-table": ("mtcodegen.figures.reference", "check the paper's reported numbers (every row cited)"),
    "browse": ("mtcodegen.browser.cli", "build a cell's static HTML trajectory browser page"),
}
COMMANDS: dict[str, tuple[str, str]] = {**TOOLS, **{s.command: (s.module, s.help) for s in STAGES}}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mtcodegen", description=__doc__.split("\n\n")[0])
    parser.add_argument("--manifest", help="write a provenance manifest here after success")
    parser.add_argument("--spec", help="the node specification (JSON) recorded in the manifest")
    parser.add_argument("--name", default="", help="readable node name recorded in the manifest")
    parser.add_argument("--supersedes", action="append", default=[], metavar="DIR",
                        help="before running, move this result directory (one derived from the node's previous "
                             "output) to results/superseded/ (provenance.supersede)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (_, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    # Parse the global options and the command name; the command parses the rest itself.
    args, rest = parser.parse_known_args(argv)
    module_name, help_text = COMMANDS[args.command]
    module = importlib.import_module(module_name)
    sub = argparse.ArgumentParser(prog=f"mtcodegen {args.command}", description=help_text)
    module.add_arguments(sub)
    sub_args = sub.parse_args(rest)
    started = time.time()
    if args.supersedes:
        from .provenance import supersede

        for directory in args.supersedes:
            moved = supersede(directory)
            if moved:
                print(f"mtcodegen: {directory} was derived from the output being recomputed: moved to {moved}",
                      file=sys.stderr)
    try:
        code = module.run(sub_args) or 0
    except (ValueError, FileNotFoundError) as err:  # bad input: a clear one-line message, no traceback
        print(f"mtcodegen {args.command}: error: {err}", file=sys.stderr)
        return 2
    if code == 0 and args.manifest:
        from .provenance import write_manifest

        write_manifest(args.manifest, args.name, json.loads(args.spec) if args.spec else {}, started)
    return code


if __name__ == "__main__":
    sys.exit(main())
