"""Which kernel serves a trace: the command's flags first, then settings (pyproject or the
editor), else the local kernel; and the gateway token kept out of every repr."""

from __future__ import annotations

from layerlint.config import Settings, settings_from_mapping
from layerlint.trace.runner import kernel_choice


def test_flags_win_over_settings(monkeypatch):
    monkeypatch.delenv("LAYERLINT_GATEWAY_TOKEN", raising=False)
    monkeypatch.delenv("JUPYTER_GATEWAY_AUTH_TOKEN", raising=False)
    settings = Settings(trace_existing_kernel="kernel-1.json")
    assert kernel_choice(settings) == {"existing": "kernel-1.json"}
    assert kernel_choice(settings, existing="kernel-2.json") == {"existing": "kernel-2.json"}
    gateway = kernel_choice(settings, gateway_url="https://gw:8888")["gateway"]
    assert gateway.url == "https://gw:8888" and gateway.validate_cert and gateway.token is None
    assert kernel_choice(Settings(trace_memory_limit=2048)) == {"memory_limit_mb": 2048}


def test_editor_settings_choose_a_gateway_and_the_environment_token_wins(monkeypatch):
    settings = settings_from_mapping({
        "traceGatewayUrl": "https://gw:8888", "traceGatewayToken": "from-settings",
        "traceGatewayKernel": "python3-gpu", "traceGatewayValidateCert": False})
    monkeypatch.delenv("JUPYTER_GATEWAY_AUTH_TOKEN", raising=False)
    monkeypatch.delenv("LAYERLINT_GATEWAY_TOKEN", raising=False)
    gateway = kernel_choice(settings)["gateway"]
    assert (gateway.token, gateway.kernel_name, gateway.validate_cert) == (
        "from-settings", "python3-gpu", False)
    monkeypatch.setenv("JUPYTER_GATEWAY_AUTH_TOKEN", "from-jupyter-env")
    assert kernel_choice(settings)["gateway"].token == "from-jupyter-env"
    monkeypatch.setenv("LAYERLINT_GATEWAY_TOKEN", "from-env")
    gateway = kernel_choice(settings)["gateway"]
    assert gateway.token == "from-env"
    assert "from-" not in repr(gateway) + repr(settings)
