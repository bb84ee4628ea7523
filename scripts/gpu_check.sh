#!/usr/bin/env bash
# The shape trace's GPU path, measured on a machine with an NVIDIA GPU:
#   1. `layerlint trace --device gpu` on a small Keras model: the device reported is the GPU;
#   2. TensorFlow memory growth: while the warm trace kernel holds its model, a second process
#      can still take most of the card (the kernel did not reserve it all);
#   3. the trace's peak GPU memory (TensorFlow's allocator peak inside the kernel);
#   4. the probe's overhead on the GPU (`python -m bench.trace_overhead --device gpu`).
# Usage: scripts/gpu_check.sh [OUT_DIR]      (PYTHON=... to pick the interpreter)
# Writes gpu_check.json (and the benchmark's JSON) to OUT_DIR (default: a temporary folder).
# Exit: 0 all checks passed; 1 a check failed; 3 no GPU here (nothing was measured).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python}"
OUT="${1:-$(mktemp -d -t layerlint-gpu-check-XXXXXX)}"
mkdir -p "$OUT"

if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L >/dev/null 2>&1; then
    echo "gpu_check: no NVIDIA GPU on this machine (nvidia-smi is missing or sees none);" \
         "nothing was measured. Run this on a GPU machine." >&2
    exit 3
fi
if ! "$PYTHON" -c "import tensorflow as tf, sys; sys.exit(0 if tf.config.list_physical_devices('GPU') else 1)" \
        >/dev/null 2>&1; then
    echo "gpu_check: nvidia-smi sees a GPU but TensorFlow in $PYTHON does not (a CPU-only" \
         "build, or CUDA libraries missing: pip install 'tensorflow[and-cuda]'); nothing was measured." >&2
    exit 3
fi

cd "$ROOT"
export PYTHONPATH="$ROOT/server${PYTHONPATH:+:$PYTHONPATH}" TF_CPP_MIN_LOG_LEVEL=2
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT/gpu.txt"

status=0
"$PYTHON" - "$OUT" <<'PY' || status=$?
"""Checks 1-3 in one warm kernel; the second process of check 2 runs beside it."""
import json, os, subprocess, sys, tempfile, textwrap
from pathlib import Path

from layerlint.trace.kernel import TraceKernel
from layerlint.trace.runner import TraceRequest, run_trace

out = Path(sys.argv[1])
model = Path(tempfile.mkdtemp()) / "gpu_model.py"
model.write_text(textwrap.dedent('''
    import keras
    from keras import layers

    # layerlint: input-shape=32,64,64,3
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.conv = layers.Conv2D(64, 3, padding="same")
            self.bn = layers.BatchNormalization()
            self.pool = layers.GlobalAveragePooling2D()
            self.head = layers.Dense(10)

        def call(self, x):
            return self.head(self.pool(self.bn(self.conv(x))))
'''))
report = {"checks": {}}
kernel = TraceKernel(sys.executable)
try:
    cold = run_trace(TraceRequest(path=str(model), device="gpu", timeout=600), kernel=kernel)
    warm = run_trace(TraceRequest(path=str(model), device="gpu", timeout=600), kernel=kernel)
    devices = sorted({call.device for call in warm.calls if call.device})
    report.update(status=warm.status, device=warm.device, layer_devices=devices,
                  first_trace_s=cold.elapsed_s, warm_trace_s=warm.elapsed_s)
    report["checks"]["device_is_gpu"] = warm.status == "ok" and "GPU" in (warm.device or "")
    with kernel.lock:
        peak = kernel.execute(
            "import json, tensorflow as tf\n"
            "print('PEAK ' + json.dumps(tf.config.experimental.get_memory_info('GPU:0')))",
            timeout=60)
    line = next(l for l in peak.output.splitlines() if l.startswith("PEAK "))
    info = json.loads(line[5:])
    report["trace_peak_gpu_mb"] = info["peak"] / 2**20
    report["kernel_current_gpu_mb"] = info["current"] / 2**20
    total = int(subprocess.check_output(
        ["nvidia-smi", "--query-gpu=memory.total", "--format=csv,noheader,nounits"],
        text=True).split()[0])
    used = int(subprocess.check_output(
        ["nvidia-smi", "--query-gpu=memory.used", "--format=csv,noheader,nounits"],
        text=True).split()[0])
    report["gpu_total_mb"], report["gpu_used_with_warm_kernel_mb"] = total, used
    # A second process asks for half the card, without memory growth: it gets it only if the
    # trace kernel left it free.
    half = total // 2
    second = subprocess.run([sys.executable, "-c", textwrap.dedent(f'''
        import tensorflow as tf
        gpu = tf.config.list_physical_devices("GPU")[0]
        tf.config.set_logical_device_configuration(
            gpu, [tf.config.LogicalDeviceConfiguration(memory_limit={half})])
        with tf.device("GPU:0"):
            x = tf.zeros(({half} * 2**20 // 4 // 2,), tf.float32)  # a quarter of the card
            print("SECOND OK", float(tf.reduce_sum(x)))
    ''')], capture_output=True, text=True, timeout=300)
    report["second_process_ok"] = "SECOND OK" in second.stdout
    report["checks"]["memory_growth_left_room"] = (
        report["second_process_ok"] and used < total * 0.5)
    if not report["second_process_ok"]:
        report["second_process_stderr"] = second.stderr[-2000:]
finally:
    kernel.shutdown()
(out / "gpu_check.json").write_text(json.dumps(report, indent=2))
print(json.dumps(report, indent=2))
sys.exit(0 if all(report["checks"].values()) else 1)
PY

echo "probe overhead on the GPU (same run, both models):"
"$PYTHON" -m bench.trace_overhead --device gpu --json | tee "$OUT/trace_overhead_gpu.json"
echo "gpu_check: results in $OUT"
exit $status
