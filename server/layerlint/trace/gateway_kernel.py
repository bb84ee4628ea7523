"""A kernel started through Jupyter Kernel Gateway or Enterprise Gateway (`--gateway-url URL`):
the engine people already run to put kernels on GPU servers and clusters (Kubernetes, YARN,
Docker). No protocol of our own: the gateway's REST API starts, interrupts, restarts and
deletes the kernel, and its websocket channels carry the Jupyter messages, as jupyter_server's
gateway client does.

    POST   {url}/api/kernels                    {"name": kernel}  -> {"id": ...}
    GET    {url}/api/kernels/{id}               404 once it is gone
    POST   {url}/api/kernels/{id}/interrupt
    POST   {url}/api/kernels/{id}/restart
    DELETE {url}/api/kernels/{id}
    WS     {url}/api/kernels/{id}/channels      JSON messages with a "channel" field

The token goes in the `Authorization: token ...` header only (never in a URL, so never in a
proxy's or the gateway's access log) and is kept out of every message: errors are passed
through `redact`. TLS certificates are verified unless the settings say otherwise. The
kernel's file system is not ours: the runner sends the model's source and its sibling modules
(`remote = True`).
"""

from __future__ import annotations

import contextlib
import json
import os
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from layerlint.trace.kernel import START_TIMEOUT_S, Kernel, KernelStartError

TOKEN_ENVIRONMENT = ("LAYERLINT_GATEWAY_TOKEN", "JUPYTER_GATEWAY_AUTH_TOKEN")
"""Where the token is read, in order (the second is jupyter_server's gateway client's)."""
REQUEST_TIMEOUT_S = 60.0
ALIVE_CHECK_S = 2.0
PROTOCOL_VERSION = "5.3"


class GatewayError(KernelStartError):
    """The gateway refused or could not be reached (the message never holds the token)."""


@dataclass(frozen=True)
class GatewaySettings:
    url: str
    token: str | None = field(default=None, repr=False)
    """Never shown: not in repr, messages (`redact`) or URLs."""
    kernel_name: str | None = None
    """The gateway's kernel spec (None: its default)."""
    validate_cert: bool = True
    ca_certs: str | None = None


def token_from_environment(setting: str | None = None) -> str | None:
    for name in TOKEN_ENVIRONMENT:
        if os.environ.get(name):
            return os.environ[name]
    return setting or None


class GatewayKernel(Kernel):
    """A kernel on a gateway, started by layerlint (so it may restart and delete it)."""

    remote = True

    def __init__(self, settings: GatewaySettings) -> None:
        super().__init__(_public_url(settings.url))
        self.settings = settings
        self.kernel_id: str | None = None
        self._socket: Any = None
        self._session = uuid.uuid4().hex
        self._dead = False
        self._last_check = 0.0

    # -- REST ---------------------------------------------------------------------------------

    def _request(self, method: str, path: str, body: Any = None,
                 timeout: float = REQUEST_TIMEOUT_S) -> Any:
        url = self.settings.url.rstrip("/") + path
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json", **self._auth_headers()}
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=timeout,
                                        context=self._ssl_context()) as response:
                text = response.read().decode("utf-8", errors="replace")
        except urllib.error.HTTPError as error:
            raise self._http_error(method, path, error) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise GatewayError(self.redact(
                f"cannot reach the gateway at {self.label}: {reason}")) from None
        return json.loads(text) if text.strip() else None

    def _http_error(self, method: str, path: str, error: urllib.error.HTTPError) -> GatewayError:
        if error.code in (401, 403):
            source = "no token was given" if not self.settings.token else "the token was refused"
            return GatewayError(
                f"the gateway at {self.label} answered HTTP {error.code} ({source}): set "
                f"{TOKEN_ENVIRONMENT[0]} (or {TOKEN_ENVIRONMENT[1]}) to the gateway's token")
        detail = ""
        with contextlib.suppress(Exception):
            detail = json.loads(error.read().decode("utf-8", errors="replace")).get("message", "")
        status = _GatewayHttpStatus(self.redact(
            f"the gateway at {self.label} answered HTTP {error.code} to {method} {path}"
            + (f": {detail}" if detail else "")))
        status.code = error.code
        return status

    def _auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.settings.token}"} if self.settings.token else {}

    def _ssl_context(self) -> ssl.SSLContext | None:
        if not self.settings.url.startswith("https:"):
            return None
        if not self.settings.validate_cert:
            return ssl._create_unverified_context()
        return ssl.create_default_context(cafile=self.settings.ca_certs)

    def redact(self, text: str) -> str:
        token = self.settings.token
        return text.replace(token, "***") if token else text

    # -- life -------------------------------------------------------------------------------

    def ensure_started(self) -> bool:
        if self.kernel_id is not None and self.is_alive():
            return True
        if self.kernel_id is not None:
            self.restart()
        else:
            self.start()
        return False

    def start(self) -> None:
        body = {"name": self.settings.kernel_name} if self.settings.kernel_name else {}
        model = self._request("POST", "/api/kernels", body)
        if not isinstance(model, dict) or "id" not in model:
            raise GatewayError(f"the gateway at {self.label} did not return a kernel: {model!r}")
        self.kernel_id = model["id"]
        self._connect()

    def _connect(self) -> None:
        try:
            import websocket
        except ImportError as error:
            raise KernelStartError(
                "tracing through a gateway needs websocket-client beside layerlint: "
                "`pip install 'layerlint[trace]'`") from error
        self._close_socket()
        parsed = urllib.parse.urlsplit(self.settings.url)
        scheme = "wss" if parsed.scheme == "https" else "ws"
        path = parsed.path.rstrip("/") + f"/api/kernels/{self.kernel_id}/channels"
        url = urllib.parse.urlunsplit((scheme, parsed.netloc, path, "", ""))
        sslopt: dict[str, Any] = {}
        if scheme == "wss":
            if not self.settings.validate_cert:
                sslopt = {"cert_reqs": ssl.CERT_NONE, "check_hostname": False}
            elif self.settings.ca_certs:
                sslopt = {"ca_certs": self.settings.ca_certs}
        header = [f"{key}: {value}" for key, value in self._auth_headers().items()]
        try:
            self._socket = websocket.create_connection(url, header=header, sslopt=sslopt,
                                                       timeout=REQUEST_TIMEOUT_S)
        except Exception as error:
            raise GatewayError(self.redact(
                f"cannot open the kernel's channels at {self.label}: {error}")) from None
        self._dead = False
        self._wait_for_ready()
        self.executions = 0
        self.state = {}

    def _wait_for_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            msg_id = self._send("shell", "kernel_info_request", {})
            answer_by = time.monotonic() + 2.0
            while time.monotonic() < answer_by:
                message = self._receive(0.5)
                if message is None:
                    continue
                if (message.get("channel") == "shell"
                        and message.get("parent_header", {}).get("msg_id") == msg_id):
                    return
        raise GatewayError(f"the kernel on {self.label} did not answer in {START_TIMEOUT_S:g} s")

    def is_alive(self) -> bool:
        if self.kernel_id is None or self._socket is None or self._dead:
            return False
        now = time.monotonic()
        if now - self._last_check > ALIVE_CHECK_S:
            self._last_check = now
            try:
                model = self._request("GET", f"/api/kernels/{self.kernel_id}", timeout=10)
            except _GatewayHttpStatus as error:
                if error.code == 404:
                    self._dead = True
            except GatewayError:
                pass  # the gateway is slow to answer: the websocket tells us if it is gone
            else:
                if isinstance(model, dict) and model.get("execution_state") == "dead":
                    self._dead = True
        return not self._dead

    def interrupt(self) -> None:
        if self.kernel_id is not None:
            with contextlib.suppress(GatewayError):
                self._request("POST", f"/api/kernels/{self.kernel_id}/interrupt")

    def restart(self) -> None:
        """A fresh kernel process: through the gateway's restart, or a new kernel when the old
        one is gone."""
        if self.kernel_id is None:
            self.start()
            return
        try:
            self._request("POST", f"/api/kernels/{self.kernel_id}/restart")
        except _GatewayHttpStatus:
            # Gone (404), or the gateway's own restarter is at it (500): a new kernel instead.
            self.shutdown()
            self.start()
            return
        self._connect()

    def shutdown(self) -> None:
        kernel_id, self.kernel_id = self.kernel_id, None
        self._close_socket()
        if kernel_id is not None:
            with contextlib.suppress(GatewayError):
                self._request("DELETE", f"/api/kernels/{kernel_id}", timeout=10)

    def _close_socket(self) -> None:
        socket, self._socket = self._socket, None
        if socket is not None:
            with contextlib.suppress(Exception):
                socket.close()

    # -- messages ---------------------------------------------------------------------------

    def _send(self, channel: str, msg_type: str, content: dict[str, Any]) -> str:
        msg_id = uuid.uuid4().hex
        message = {
            "header": {"msg_id": msg_id, "msg_type": msg_type, "username": "layerlint",
                       "session": self._session, "version": PROTOCOL_VERSION,
                       "date": datetime.now(timezone.utc).isoformat()},
            "parent_header": {}, "metadata": {}, "content": content, "channel": channel,
            "buffers": [],
        }
        try:
            self._socket.send(json.dumps(message))
        except Exception as error:
            self._dead = True
            raise GatewayError(self.redact(f"the kernel's channels closed: {error}")) from None
        return msg_id

    def _receive(self, timeout: float) -> dict[str, Any] | None:
        import websocket

        if self._socket is None:
            return None
        try:
            self._socket.settimeout(max(timeout, 0.001))
            text = self._socket.recv()
        except websocket.WebSocketTimeoutException:
            return None
        except (websocket.WebSocketConnectionClosedException, OSError):
            self._dead = True
            return None
        if not text:
            return None
        message = json.loads(text)
        message.setdefault("msg_type", message.get("header", {}).get("msg_type"))
        if (message.get("channel") == "iopub" and message.get("msg_type") == "status"
                and message.get("content", {}).get("execution_state") in
                ("restarting", "autorestarting", "dead")):
            self._dead = True  # the gateway saw the kernel process die
        return message

    def _send_execute(self, code: str) -> str:
        return self._send("shell", "execute_request", {
            "code": code, "silent": False, "store_history": False, "user_expressions": {},
            "allow_stdin": False, "stop_on_error": True})

    def _next_iopub(self, timeout: float) -> dict[str, Any] | None:
        message = self._receive(timeout)
        if message is None or message.get("channel") != "iopub":
            return None
        return message


class _GatewayHttpStatus(GatewayError):
    code = 0


def _public_url(url: str) -> str:
    """The URL without credentials or query (what messages may show)."""
    parsed = urllib.parse.urlsplit(url)
    netloc = parsed.hostname or ""
    if parsed.port:
        netloc += f":{parsed.port}"
    return urllib.parse.urlunsplit((parsed.scheme, netloc, parsed.path, "", ""))
