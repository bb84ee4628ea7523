"""The runner's parts that need no kernel: planning a trace (target, input shape and where it
came from), waiting for a busy kernel, and cleaning the kernel's output and error messages."""

from __future__ import annotations

import sys
import threading

from trace_test_support import EXAMPLE, MODELS

from layerlint.trace.kernel import TraceKernel
from layerlint.trace.probe.entry import core_message
from layerlint.trace.results import TraceResult
from layerlint.trace.runner import TraceRequest, plan, run_trace, without_framework_logs


def planned_request(**fields) -> dict:
    planned = plan(TraceRequest(**fields))
    assert not isinstance(planned, TraceResult), planned
    return planned[1]


def test_shape_sources_in_order_command_file_settings():
    from_file = planned_request(path=str(EXAMPLE), default_input_shape=(9, 9))
    assert from_file["target"] == "FeatureExtractor"
    assert (from_file["input_shape"], from_file["input_shape_source"]) == (
        [1, 32, 32, 3], "call on line 27")
    from_command = planned_request(path=str(EXAMPLE), input_shape=(2, 8, 8, 3))
    assert (from_command["input_shape"], from_command["input_shape_source"]) == (
        [2, 8, 8, 3], "command")
    from_settings = planned_request(path=str(MODELS / "import_error.py"),
                                    default_input_shape=(1, 4))
    assert (from_settings["input_shape"], from_settings["input_shape_source"]) == (
        [1, 4], "settings")


def test_no_shape_known_asks_for_one_and_a_missing_file_is_reported(tmp_path):
    result = plan(TraceRequest(path=str(MODELS / "import_error.py")))
    assert isinstance(result, TraceResult) and result.status == "needs_input_shape"
    assert result.target == "Model"
    missing = plan(TraceRequest(path=str(tmp_path / "gone.py")))
    assert isinstance(missing, TraceResult) and missing.status == "internal_error"


def test_a_trace_cancelled_while_waiting_for_the_kernel_never_starts_it():
    kernel = TraceKernel(sys.executable)
    cancel = threading.Event()
    kernel.lock.acquire()  # another trace is running
    try:
        timer = threading.Timer(0.3, cancel.set)
        timer.start()
        result = run_trace(TraceRequest(path=str(EXAMPLE)), cancel=cancel, kernel=kernel)
    finally:
        kernel.lock.release()
    assert result.status == "cancelled" and not kernel.started


def test_framework_logs_are_dropped_from_the_output():
    output = ("I0000 00:00:1795450256.817359   20991 cudart_stub.cc:31] Could not find cuda\n"
              "WARNING: All log messages before absl::InitializeLog() is called are written\n"
              "the model printed this\n")
    assert without_framework_logs(output) == "the model printed this\n"


def test_core_message_strips_colours_and_the_keras_wrapper():
    wrapped = ("Exception encountered when calling FeatureExtractor.call().\n\n"
               "\x1b[1mInput 0 is incompatible: expected axis -1 to have value 6\x1b[0m\n\n"
               "Arguments received by FeatureExtractor.call():\n  • x=tf.Tensor(...)")
    assert core_message(wrapped) == "Input 0 is incompatible: expected axis -1 to have value 6"
    assert core_message("plain message") == "plain message"
