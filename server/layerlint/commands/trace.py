"""`layerlint trace FILE[:CLASS]`: run the model once in a kernel (a local one layerlint starts,
a running one with `--existing`, or one on a Jupyter gateway with `--gateway-url`) and print
every layer call with its source line and real shapes.

Exit codes: 0 the trace ran; 1 the model raised (the error is printed mapped to its line), or
the trace timed out, crashed or was interrupted; 2 usage or internal errors, including an
unknown input shape.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import get_args

from layerlint.config import TraceDevice, load_settings

HELP = "Run a model once in a kernel and show real tensor shapes on its source lines."
USER_CODE_FAILED = {"error", "timeout", "crashed", "cancelled"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", metavar="FILE[:CLASS]",
                        help="the model file, optionally with the class, factory or instance "
                             "to trace (default: the outermost model class)")
    parser.add_argument("--input-shape", metavar="1,32,32,3", action="append",
                        help="input shape with the batch dimension, `:dtype` optional "
                             "(1,10:int32); repeat it for several inputs (name=1,32,32,3 for "
                             "a dict input), or give JSON (default: from a `# layerlint: "
                             "input-shape=` comment, keras.Input, a build() call, a concrete "
                             "call in the file, or settings)")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.add_argument("--device", choices=get_args(TraceDevice), default=None,
                        help="auto: the GPU when the framework sees one (default: settings)")
    parser.add_argument("--timeout", type=float, default=None, metavar="S",
                        help="seconds before the run is interrupted (default: settings, 60)")
    parser.add_argument("--python", default=None, metavar="PATH",
                        help="interpreter with the framework for the kernel "
                             "(default: settings, else this interpreter)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--existing", metavar="CONNECTION_FILE", default=None,
                       help="trace in this running kernel (a connection file, or its name in "
                            "Jupyter's runtime folder, as `jupyter console --existing` takes "
                            "it); never restarted or shut down")
    where.add_argument("--gateway-url", metavar="URL", default=None,
                       help="trace in a kernel started through this Jupyter Kernel/Enterprise "
                            "Gateway; the token comes from LAYERLINT_GATEWAY_TOKEN or "
                            "JUPYTER_GATEWAY_AUTH_TOKEN (or the editor setting)")
    parser.add_argument("--gateway-kernel", metavar="NAME", default=None,
                        help="the gateway's kernel spec (default: settings, else its default)")
    parser.add_argument("--verbose", action="store_true",
                        help="name the file where the kernel's own output (TensorFlow's "
                             "start-up lines, ipykernel's warnings) was logged")


def run(args: argparse.Namespace) -> int:
    # imported here, not at the top: `build_parser` imports this module for every command, and
    # `layerlint check` must not pay for the trace machinery it never uses
    from layerlint.trace.input_spec import parse_input_spec
    from layerlint.trace.kernel import shutdown_all
    from layerlint.trace.runner import TraceRequest, kernel_choice, kernel_for, run_trace
    from layerlint.trace.table import render_text

    path_text, target = split_target(args.target)
    path = Path(path_text)
    if not path.is_file():
        print(f"layerlint trace: no such file: {path}", file=sys.stderr)
        return 2
    try:
        spec = parse_input_spec(args.input_shape) if args.input_shape else None
    except ValueError as error:
        print(f"layerlint trace: --input-shape: {error}", file=sys.stderr)
        return 2
    settings = load_settings(path)
    request = TraceRequest(
        path=str(path), target=target, input_shape=spec,
        default_input_shape=settings.input_shape,
        device=args.device or settings.trace_device,
        timeout=args.timeout if args.timeout is not None else settings.trace_timeout,
        python=args.python or settings.python,
        **kernel_choice(settings, args.existing, args.gateway_url, args.gateway_kernel),
    )
    try:
        result = run_trace(request)
        log = kernel_for(request).log_path() if args.verbose else None
    finally:
        shutdown_all()  # a CLI run has no next trace to keep the kernel warm for
    if args.format == "json":
        print(json.dumps(result.to_json(), indent=2))
    else:
        print(render_text(result), end="")
        if result.output.strip():
            print("\noutput of the model's code:\n" + result.output.rstrip())
    if args.verbose:
        print(f"kernel log: {log}" if log else "kernel log: none (the kernel is not local)",
              file=sys.stderr)
    if result.status == "ok":
        return 0
    if result.status in USER_CODE_FAILED:
        return 1
    if args.format != "json" and result.error is not None:
        print(f"layerlint trace: {result.error.message}", file=sys.stderr)
    return 2


def split_target(text: str) -> tuple[str, str | None]:
    """`model.py:Net` -> ("model.py", "Net"); a Windows drive colon is not a separator."""
    head, separator, tail = text.rpartition(":")
    if separator and tail.isidentifier() and head and not (len(head) == 1 and head.isalpha()):
        return head, tail
    return text, None

