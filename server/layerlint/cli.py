"""The `layerlint` command line: one subcommand per module under `layerlint.commands`."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from layerlint import __version__
from layerlint.config import SettingsError

SUBCOMMANDS = ("check", "serve", "trace")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="layerlint",
        description="Find Keras/PyTorch model-code bugs before they run.",
    )
    parser.add_argument("--version", action="version", version=f"layerlint {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in SUBCOMMANDS:
        module = importlib.import_module(f"layerlint.commands.{name}")
        sub = subparsers.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return 2 if exit_.code not in (0, None) else 0
    try:
        return int(args.run(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except SettingsError as error:  # an invalid configuration: say where and stop, as ruff does
        print(f"layerlint: invalid configuration\n{error}", file=sys.stderr)
        return 2
    except Exception as error:  # an internal error must still exit 2 with a message
        print(f"layerlint: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
