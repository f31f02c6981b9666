"""pyexim.hostaddr: Exim's textual IP address rules."""

from __future__ import annotations

import ipaddress

import pytest

from pyexim.hostaddr import (host_aton, host_is_in_net, host_mask, host_nmtoa,
                             ip_mask_offset, is_ip_address, reverse_name)


# Checked with the oracle: ${if isip{...}} and match_ip lists (Debian's Exim 4.96 uses
# the inet_pton-based check of later Exim releases).
@pytest.mark.parametrize("text,plain,masked", [
    ("1.2.3.4", 4, 4),
    ("01.2.3.4", 0, 0),             # inet_pton: no leading zeros
    ("1.2.3.256", 0, 0),
    ("1.2.3", 0, 0),
    ("1.2.3.4/24", 0, 4),
    ("1.2.3.4/", 0, 4),             # an empty mask is /0
    ("1.2.3.4/x", 0, 0),
    ("1.2.3.4/-1", 0, 0),
    ("1.2.3.4 ", 0, 0),
    ("::1", 6, 6),
    ("::", 6, 6),
    ("1::", 6, 6),
    ("abcd::dcba", 6, 6),
    ("::ffff:1.2.3.4", 6, 6),
    ("1:2:3:4:5:6:1.2.3.4", 6, 6),
    ("1:2:3:4:5:1.2.3.4", 0, 0),
    ("fe80::1%eth0", 6, 6),
    ("fe80::1%e/th", 0, 0),         # scope and mask together
    ("1.2.3.4%x", 0, 0),            # IPv4 has no scope
    ("2001:db8::/32", 0, 6),
    (":1", 0, 0),
    ("1:2:3:4:5:6:7:8:9", 0, 0),
    ("12345::1", 0, 0),
    ("1::2::3", 0, 0),
    ("", 0, 0),
    ("name", 0, 0),
])
def test_is_ip_address(text: str, plain: int, masked: int) -> None:
    assert is_ip_address(text) == plain
    assert is_ip_address(text, allow_mask=True) == masked


@pytest.mark.parametrize("text", ["::1", "1::", "abcd::dcba", "::ffff:1.2.3.4", "a::b:c",
                                  "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:1.2.3.4", "::", "0::0:1"])
def test_host_aton_v6(text: str) -> None:
    words = host_aton(text)
    value = 0
    for w in words:
        value = (value << 32) | w
    assert value == int(ipaddress.ip_address(text))


def test_host_aton_v4() -> None:
    assert host_aton("1.2.3.4") == [0x01020304]
    assert host_aton("255.255.255.255") == [0xFFFFFFFF]


@pytest.mark.parametrize("address,mask,sep,text", [
    ("1.2.3.4", 24, ".", "1.2.3.0/24"),
    ("1.2.3.4", -1, ".", "1.2.3.4"),
    ("1.2.3.4", 0, ".", "0.0.0.0/0"),
    ("abcd::dcba", -1, ".", "abcd.0000.0000.0000.0000.0000.0000.dcba"),
    ("abcd::dcba", 16, ":", "abcd:0000:0000:0000:0000:0000:0000:0000/16"),
    ("2001:db8::1", 36, ":", "2001:0db8:0000:0000:0000:0000:0000:0000/36"),
])
def test_mask_and_text(address: str, mask: int, sep: str, text: str) -> None:
    assert host_nmtoa(host_mask(host_aton(address), mask), mask, sep) == text


@pytest.mark.parametrize("host,net,result", [
    ("1.2.3.4", "1.2.3.0/24", True),
    ("1.2.4.4", "1.2.3.0/24", False),
    ("1.2.3.4", "1.2.3.4", True),
    ("::ffff:1.2.3.4", "1.2.3.0/24", True),
    ("1.2.3.4", "::ffff:1.2.3.4", False),        # only the host side is converted
    ("2001:db8::1", "2001:db8::/32", True),
    ("2001:db9::1", "2001:db8::/32", False),
    ("1.2.3.4", "0.0.0.0/0", True),
    ("1.2.3.4", "2001:db8::/32", False),
])
def test_host_is_in_net(host: str, net: str, result: bool) -> None:
    assert host_is_in_net(host, net, ip_mask_offset(net)) is result


def test_reverse_names() -> None:
    assert reverse_name("192.0.2.1") == "1.2.0.192.in-addr.arpa"
    assert reverse_name("2001:db8::1") == (
        "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.")
