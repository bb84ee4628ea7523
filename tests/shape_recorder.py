"""Runtime side of the static-shape ground truth: runs fixture programs under the real framework
and records, for every layer call, the fixture lines it belongs to and its output shape.

Each layer/module records the fixture line that constructed it; each call records that line and
the fixture line it was called from (if any), with the output shape (batch included). Usage:
`python tests/shape_recorder.py FRAMEWORK OUT.json FIXTURE.py...` (FRAMEWORK: tensorflow|torch);
the JSON maps each fixture path to `{"records": [[line, column, [dims...]], ...], "error":
str|null}`.
"""

from __future__ import annotations

import json
import os
import sys
import traceback


def _fixture_site(paths: set[str]) -> tuple[int, int] | None:
    """(line, 0-based column) of the innermost fixture instruction on the stack: the call
    expression being run (`self.head(h)`, or the `Dense(10)` being constructed)."""
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_filename in paths:
            positions = list(frame.f_code.co_positions())
            line, _, column, _ = positions[frame.f_lasti // 2]
            return (line, column) if line is not None and column is not None else None
        frame = frame.f_back
    return None


def _dims(value) -> list | None:
    shape = getattr(value, "shape", None)
    if shape is None:
        return None
    return [dim if isinstance(dim, int) else None for dim in tuple(shape)]


def main() -> int:
    framework, out_path, *files = sys.argv[1:]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    paths = {os.path.abspath(file) for file in files}
    records: list = []
    if framework == "torch":
        import torch.nn as base
        layer_class = base.Module
    else:
        import keras
        layer_class = keras.layers.Layer
    original_init, original_call = layer_class.__init__, layer_class.__call__

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        object.__setattr__(self, "_shape_recorder_site", _fixture_site(paths))

    def call(self, *args, **kwargs):
        output = original_call(self, *args, **kwargs)
        dims = _dims(output)
        if dims is not None:
            for site in {getattr(self, "_shape_recorder_site", None), _fixture_site(paths)}:
                if site is not None:
                    records.append([*site, dims])
        return output

    layer_class.__init__, layer_class.__call__ = init, call
    results = {}
    for file in files:
        records.clear()
        error = None
        namespace = {"__name__": "fixture", "__file__": os.path.abspath(file)}
        try:
            with open(file, encoding="utf-8") as handle:
                code = compile(handle.read(), os.path.abspath(file), "exec")
            exec(code, namespace)
            namespace["run"]()
        except Exception as exc:  # the fixture's crash is data here
            error = "".join(traceback.format_exception_only(type(exc), exc))
        results[file] = {"records": list(records), "error": error}
    with open(out_path, "w", encoding="utf-8") as handle:
        json.dump(results, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
