"""The `layerlint` command line: one subcommand per module under `layerlint.commands`."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from layerlint import __version__
from layerlint.config import SettingsError

SUBCOMMANDS = ("check", "serve", "trace")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every subcommand, or of `only` that one (its module alone is imported:
    `layerlint serve` does not load the check command's batch machinery, ~3 MiB)."""
    parser = argparse.ArgumentParser(
        prog="layerlint",
        description="Find Keras/PyTorch model-code bugs before they run.",
    )
    parser.add_argument("--version", action="version", version=f"layerlint {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in [only] if only is not None and only in SUBCOMMANDS else SUBCOMMANDS:
        module = importlib.import_module(f"layerlint.commands.{name}")
        sub = subparsers.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(arguments[0] if arguments else None)
    try:
        args = parser.parse_args(arguments)
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
