"""The page's server: bound to 127.0.0.1 unless told otherwise, cleaned up when it stops."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import secrets
import signal
import socket
import tempfile
import threading
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from generator.errors import ServeError
from generator.i18n import _
from generator.options import PackOptions
from generator.web.app import create_app
from generator.web.batches import BatchStore

LOOPBACK = "127.0.0.1"
LOOPBACK_NAMES = ("127.0.0.1", "localhost")


class QuietHandler(WSGIRequestHandler):
    """No line per request on the facilitator's terminal; errors are still logged."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class WebServer:
    """Serves the page from a private temporary folder that goes when the server stops."""

    def __init__(self, host: str = LOOPBACK, port: int = 0, base: PackOptions | None = None):
        self.root = Path(tempfile.mkdtemp(prefix="buurtkaart-serve-"))
        self.store = BatchStore(self.root, base)
        # Bound here, not by werkzeug: on a taken port it prints and exits instead of raising.
        try:
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            listener = socket.create_server((host, port), family=family)
        except OSError as exc:
            self.store.close()
            # create_server appends the address to strerror; a failed name lookup has no errno
            errno = exc.errno or 0
            reason = os.strerror(errno) if errno > 0 else _("no such address on this computer")
            raise ServeError(
                _(
                    "cannot serve the page on {address} ({reason}); choose another --port, or "
                    "leave it out to take a free one"
                ).format(address=f"{host}:{port}", reason=reason)
            ) from exc
        with listener:  # werkzeug serves on a duplicate of its descriptor
            self._server: BaseWSGIServer = make_server(
                host,
                port,
                _unready,
                threaded=True,
                request_handler=QuietHandler,
                fd=listener.fileno(),
            )
        self.port = int(self._server.socket.getsockname()[1])
        shown = LOOPBACK if host in ("0.0.0.0", "::", "") else host
        self.url = f"http://{f'[{shown}]' if ':' in shown else shown}:{self.port}/"
        self._server.app = create_app(
            self.store, _host_headers(host, self.port), secrets.token_urlsafe(32)
        )

    def __enter__(self) -> WebServer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def serve_forever(self) -> None:
        self._server.serve_forever(poll_interval=0.2)

    def serve_until_stopped(self) -> None:
        """Serve until Ctrl-C or SIGTERM; the caller's ``with`` block then cleans up."""
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, _interrupt)
        try:
            self.serve_forever()
        except KeyboardInterrupt:
            return

    def shutdown(self) -> None:
        """Stop ``serve_forever`` running on another thread."""
        self._server.shutdown()

    def close(self) -> None:
        self._server.server_close()
        self.store.close()


def _unready(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    raise RuntimeError("the page's application is set right after the socket is bound")


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _host_headers(host: str, port: int) -> set[str]:
    """The Host headers that name this server; any other is refused (DNS rebinding)."""
    names = {host.lower(), *LOOPBACK_NAMES}
    if host in ("0.0.0.0", "::", ""):
        # Listening everywhere: this machine's own names and addresses name it too.
        machine = socket.gethostname()
        names.add(machine.lower())
        with contextlib.suppress(OSError):  # a machine whose own name does not resolve
            names.update(socket.gethostbyname_ex(machine)[2])
    return {f"[{name}]:{port}" if ":" in name else f"{name}:{port}" for name in names}
