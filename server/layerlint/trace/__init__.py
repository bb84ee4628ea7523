"""The shape trace: run the model once in a warm Jupyter kernel and show real shapes on the
source lines. Runs user code, so only on an explicit request (see README.md in this folder).

- `runner.run_trace(TraceRequest)`: the one entry point (CLI, LSP); never raises.
- `kernel`: the warm kernel process; `probe/`: the code that runs inside it.
- `input_shapes`, `targets`: static helpers (ast only); `results`: the result model;
  `table`: text and HTML rendering; `staleness`: dropping results when the text changes.
"""
