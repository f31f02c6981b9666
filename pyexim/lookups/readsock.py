"""The readsock lookup behind ``${readsocket}`` (Exim: lookups/readsock.c).

The "file" is a socket: ``inet:host:port`` or a Unix socket path; the key is the request
written to it. Options: ``timeout=`` (default 5s), ``shutdown=no``, ``eol=`` (replaces each
line ending in the reply), ``send=no``, ``cache=yes`` (results are not cached otherwise),
``tls=`` (not available in pyexim: defers with a message saying so).
"""

from __future__ import annotations

import socket

from pyexim.lookups.base import QUERY, Expander, Found, LookupDefer, LookupType
from pyexim.strings import unprinting
from pyexim.timevalue import read_time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _connect(spec: str, timeout: float) -> socket.socket:
    if spec.startswith("inet:"):
        server = spec[5:]
        colon = server.rfind(":")
        if colon < 0:
            raise LookupDefer(f"missing port for readsocket {spec}")
        host, port_text = server[:colon], server[colon + 1:]
        if port_text[:1].isdigit():
            try:
                port = int(port_text, 0)
            except ValueError as exc:
                raise LookupDefer(f"invalid port number {port_text}") from exc
        else:
            try:
                port = socket.getservbyname(port_text, "tcp")
            except OSError as exc:
                raise LookupDefer(f'unknown port "{port_text}"') from exc
        if host.startswith("[") and host.endswith("]"):
            host = host[1:-1]
        try:
            return socket.create_connection((host, port), timeout=timeout)
        except OSError as exc:
            raise LookupDefer(f"failed to connect to {host} [{port}]: "
                              f"{exc.strerror or exc}") from exc
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(spec)
    except socket.timeout as exc:
        sock.close()
        raise LookupDefer("socket connect timed out") from exc
    except OSError as exc:
        sock.close()
        raise LookupDefer(f"failed to connect to socket {spec}: {exc.strerror}") from exc
    return sock


class Readsock(LookupType):
    """``readsock``: query style; the socket specification comes as the file name."""

    name = "readsock"
    style = QUERY

    def find(self, handle: Any, filename: str | None, key: str, opts: str | None,
             ctx: Any, *, expand: Expander | None = None) -> Found | None:
        timeout = 5
        shutdown = True
        eol: str | None = None
        cache = False
        send = True
        for item in (opts or "").split(","):
            item = item.strip()
            if item.startswith("timeout="):
                timeout = read_time(item[8:])
            elif item.startswith("shutdown="):
                shutdown = item[9:] != "no"
            elif item.startswith("tls=") and item[4:] != "no":
                raise LookupDefer("TLS connect failed: readsocket over TLS is not "
                                  "available in pyexim")
            elif item.startswith("eol="):
                eol = unprinting(item[4:])
            elif item == "cache=yes":
                cache = True
            elif item == "send=no":
                send = False
        if not filename:
            return None
        sock = _connect(filename, max(timeout, 0.001))
        try:
            if send and key:
                try:
                    sock.sendall(key.encode("latin-1"))
                except OSError as exc:
                    raise LookupDefer(f"request write to socket failed: {exc.strerror}") from exc
            if shutdown:
                try:
                    sock.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
            chunks = []
            try:
                while True:
                    data = sock.recv(65536)
                    if not data:
                        break
                    chunks.append(data)
            except socket.timeout as exc:
                raise LookupDefer("socket read timed out") from exc
        finally:
            sock.close()
        text = b"".join(chunks).decode("latin-1")
        if eol is not None:
            text = "".join(line[:-1] + eol if line.endswith("\n") else line
                           for line in text.splitlines(keepends=True))
        return Found(text, ttl=None if cache else 0)


def readsocket(spec: str, request: str, options: str | None, ctx: Any) -> str:
    """Connect to *spec*, send *request*, return the reply (``${readsocket}``).

    *options* are the lookup options as Exim builds them for the expansion item
    (``timeout=5s,shutdown=no,eol=...``). Raises LookupDefer when the socket fails.
    """
    found = READSOCK.find(None, spec, request if request else "DUMMY",
                          options if request else ",".join(filter(None, ["send=no",
                                                                         options])), ctx)
    return found.data if found is not None and found.data is not None else ""


READSOCK = Readsock()
