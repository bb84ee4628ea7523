"""Finding an input a layer accepts: call patterns, dtypes and ranks tried in a fixed order.

The order is part of the output (the first accepted input is recorded), so it comes from the
framework adapter and is never shuffled.
"""

from __future__ import annotations

from .construction import Construction, construct
from .framework import Framework
from .probe_inputs import CallSpec
from .stable_text import summarize_error


def find_working_call(fw: Framework, cls: type, plan: Construction) -> tuple[CallSpec | None, str]:
    """Try call patterns, dtypes and ranks until a layer accepts the input in both modes.

    Some layers pass any input through at inference and check it only in training mode
    (tf-keras RandomFlip); an input accepted at inference alone is the fallback.
    """
    first_error, inference_only = "", None
    for pattern in fw.call_patterns:
        for dtype in fw.input_dtypes:
            for rank in fw.input_ranks:
                spec = CallSpec(pattern, dtype, rank)
                try:
                    fw.seed()
                    layer, _ = construct(cls, plan)
                    fw.call(layer, spec.inputs(fw), pattern, False)
                    inference_only = inference_only or spec
                    fw.call(layer, spec.inputs(fw), pattern, True)
                    return spec, ""
                except Exception as exc:
                    first_error = first_error or summarize_error(exc)
    return inference_only, first_error
