"""The iplookup router against a small UDP/TCP server on loopback (no oracle needed).

Exim 4.96 reads at most 7 bytes of the answer (see pyexim.routers.iplookup); the
answers here are short enough for that, and one test shows the cut.
"""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from pyexim.cli.address_test import test_addresses as route_addresses
from pyexim.cli.args import parse_args
from pyexim.config import load_config
from pyexim.routers.chain import RoutingEnv

CONFIG = """\
qualify_domain = test.ex
begin routers
lookup:
  driver = iplookup
  domains = ask.ex
  hosts = 127.0.0.1
  port = {port}
  protocol = {protocol}
  {extra}
fallback:
  driver = accept
  domains = ask.ex
  transport = t
final:
  driver = accept
  transport = t
begin transports
t:
  driver = appendfile
  file = /dev/null
"""


class _Answer:
    text = b"ab@cd.e trailing"
    queries: ClassVar[list[bytes]] = []


class _Udp(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        data, sock = self.request
        _Answer.queries.append(data)
        sock.sendto(_Answer.text, self.client_address)


class _Tcp(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        _Answer.queries.append(self.request.recv(1024))
        self.request.sendall(_Answer.text)


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, int]]:
    udp = socketserver.UDPServer(("127.0.0.1", 0), _Udp)
    tcp = socketserver.TCPServer(("127.0.0.1", 0), _Tcp)
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in (udp, tcp)]
    for thread in threads:
        thread.start()
    yield {"udp": udp.server_address[1], "tcp": tcp.server_address[1]}
    for server in (udp, tcp):
        server.shutdown()
        server.server_close()


def _unused_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _route(tmp_path: Path, address: str, port: int, protocol: str, extra: str,
           answer: bytes = b"ab@cd.e trailing") -> tuple[str, int]:
    conf = tmp_path / "exim.conf"
    conf.write_text(CONFIG.format(port=port, protocol=protocol, extra=extra))
    _Answer.text = answer
    invocation = parse_args(["pyexim", "-C", str(conf), "-bt", address])
    out: list[str] = []
    rc = route_addresses(load_config(str(conf)), invocation, out.append, out.append,
                        env=RoutingEnv(admin=True))
    return "".join(out), rc


@pytest.mark.parametrize("protocol", ["udp", "tcp"])
def test_the_answer_becomes_a_new_address(tmp_path: Path, servers: dict[str, int],
                                          protocol: str) -> None:
    out, rc = _route(tmp_path, "x@ask.ex", servers[protocol], protocol,
                     "query = $local_part@$domain")
    assert (out, rc) == ("ab@cd.e\n    <-- x@ask.ex\n  router = final, transport = t\n", 0)
    assert _Answer.queries[-1] == b"x@ask.ex"


def test_default_query_needs_the_address_echoed(tmp_path: Path,
                                                servers: dict[str, int]) -> None:
    out, _rc = _route(tmp_path, "x@ask.ex", servers["udp"], "udp", "")
    assert _Answer.queries[-1] == b"x@ask.ex x@ask.ex"
    # Only 7 bytes of the answer are read, so the echo never matches: the router declines.
    assert out == "x@ask.ex\n  router = fallback, transport = t\n"


def test_response_pattern_and_reroute(tmp_path: Path, servers: dict[str, int]) -> None:
    extra = "response_pattern = ^(\\w+)=(\\w+)\n  reroute = $2@$1.ex"
    out, _rc = _route(tmp_path, "x@ask.ex", servers["udp"], "udp", extra, answer=b"dom=usr")
    assert out == "usr@dom.ex\n    <-- x@ask.ex\n  router = final, transport = t\n"
    out, _rc = _route(tmp_path, "x@ask.ex", servers["udp"], "udp", extra, answer=b"nomatch")
    assert out == "x@ask.ex\n  router = fallback, transport = t\n"


def test_an_answer_without_at_defers(tmp_path: Path, servers: dict[str, int]) -> None:
    out, rc = _route(tmp_path, "x@ask.ex", servers["udp"], "udp",
                     "query = $local_part@$domain", answer=b"nothing")
    assert rc == 1
    assert out.endswith("x@ask.ex cannot be resolved at this time: lookup router: reroute "
                        "string nothing is not of the form user@domain\n")


@pytest.mark.parametrize(("extra", "expected", "rc"), [
    ("optional", "x@ask.ex\n  router = fallback, transport = t\n", 0),
    ("", ("x@ask.ex cannot be resolved at this time: lookup router: failed to communicate "
         "with any host\n"), 1),
], ids=["optional-passes", "defers"])
def test_no_server(tmp_path: Path, extra: str, expected: str, rc: int) -> None:
    assert _route(tmp_path, "x@ask.ex", _unused_port(), "tcp", extra) == (expected, rc)
