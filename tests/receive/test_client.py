"""The client as logs and Received: headers show it (Exim's host_build_sender_fullhost)."""

from __future__ import annotations

import pytest

from pyexim.expand import ExpansionContext
from pyexim.log.selector import LogSelector
from pyexim.receive.client import Client, canonical_address

ALL_PORTS = LogSelector.parse("+incoming_port")


@pytest.mark.parametrize("values,selector,fullhost,rcvhost", [
    ({}, LogSelector(), "[192.0.2.1]", "[192.0.2.1]"),
    ({"sender_helo_name": "helo.ex"}, LogSelector(), "(helo.ex) [192.0.2.1]",
     "[192.0.2.1] (helo=helo.ex)"),
    ({"sender_helo_name": "helo.ex", "sender_ident": "joe"}, LogSelector(),
     "(helo.ex) [192.0.2.1]", "[192.0.2.1] (helo=helo.ex ident=joe)"),
    ({"sender_helo_name": "[192.0.2.1]"}, LogSelector(), "([192.0.2.1]) [192.0.2.1]",
     "[192.0.2.1]"),
    ({"sender_host_name": "name.ex", "sender_helo_name": "helo.ex"}, LogSelector(),
     "name.ex (helo.ex) [192.0.2.1]", "name.ex ([192.0.2.1] helo=helo.ex)"),
    ({"sender_host_name": "name.ex", "sender_helo_name": "NAME.ex"}, LogSelector(),
     "name.ex [192.0.2.1]", "name.ex ([192.0.2.1])"),
    ({"sender_host_name": "name.ex", "sender_ident": "joe"}, LogSelector(),
     "name.ex [192.0.2.1]", "name.ex ([192.0.2.1] ident=joe)"),
    ({"sender_host_port": 2525, "sender_helo_name": "h.ex"}, ALL_PORTS,
     "(h.ex) [192.0.2.1]:2525", "[192.0.2.1] (port=2525 helo=h.ex)"),
], ids=["bare", "helo", "helo-ident", "helo-literal", "name", "name-is-helo", "name-ident",
        "port"])
def test_fullhost_and_rcvhost(values: dict[str, object], selector: LogSelector,
                              fullhost: str, rcvhost: str) -> None:
    ctx = ExpansionContext(values={"sender_host_address": "192.0.2.1", **values})
    client = Client(ctx, selector)
    client.rebuild()
    assert (ctx.values["sender_fullhost"], ctx.values["sender_rcvhost"]) == (fullhost, rcvhost)


def test_host_and_ident() -> None:
    ctx = ExpansionContext(values={"sender_host_address": "192.0.2.1",
                                   "sender_helo_name": "h.ex", "sender_ident": "joe"})
    client = Client(ctx, LogSelector())
    assert client.host_and_ident(True) == "H=(h.ex) [192.0.2.1] U=joe"
    local = Client(ExpansionContext(values={"sender_ident": "joe"}), LogSelector())
    assert local.host_and_ident(True) == "U=joe"


@pytest.mark.parametrize("address,canonical", [
    ("192.0.2.1", "192.0.2.1"), ("::1", "0000:0000:0000:0000:0000:0000:0000:0001"),
    ("2001:DB8::5", "2001:0db8:0000:0000:0000:0000:0000:0005"),
])
def test_canonical_address(address: str, canonical: str) -> None:
    assert canonical_address(address) == canonical
