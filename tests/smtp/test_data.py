"""DATA framing and the spooled body form, table by table, each fed whole and octet by octet."""

from __future__ import annotations

import pytest

from pyexim.smtp.data import ChunkModeTracker, DotDecoder, dot_stuff, spool_body

#: (wire after DATA's 354, message data, octets after the end, lf_only); None = no end yet.
FRAMING = [
    ("simple", b"a\r\n.\r\n", b"a\r\n", b"", False),
    ("empty", b".\r\n", b"", b"", False),
    ("empty-lf", b".\n", b"", b"", False),
    ("stuffed", b"..a\r\n.\r\n", b".a\r\n", b"", False),
    ("stuffed-middle", b"a\r\n..\r\n.\r\n", b"a\r\n.\r\n", b"", False),
    ("dot-not-stuffed-needed", b"a\r\n.b\r\n.\r\n", b"a\r\nb\r\n", b"", False),
    ("trailing-bytes", b"a\r\n.\r\nQUIT\r\n", b"a\r\n", b"QUIT\r\n", False),
    ("lf-mode-end", b"a\n.\n", b"a\n", b"", True),
    ("lf-mode-crlf-end", b"a\n.\r\n", b"a\n", b"", True),
    ("lf-mode-mixed", b"a\nb\r\n.\n", b"a\nb\r\n", b"", True),
    ("crlf-mode-lf-dot-lf", b"a\r\nb\n.\nc\r\n.\r\n", b"a\r\nb\n.\nc\r\n", b"", False),
    ("crlf-mode-crlf-dot-lf", b"a\r\n.\nb\r\n.\r\n", b"a\r\n\nb\r\n", b"", False),
    ("crlf-mode-cr-dot-cr", b"a\r\nb\r.\rc\r\n.\r\n", b"a\r\nb\r.\rc\r\n", b"", False),
    ("crlf-mode-dot-cr-x", b"a\r\n.\rx\r\n.\r\n", b"a\r\n\rx\r\n", b"", False),
    ("crlf-mode-dot-crcrlf", b"a\r\n.\r\r\n.\r\n", b"a\r\n\r\r\n", b"", False),
    ("crlf-mode-dot-space", b"a\r\n. \r\n.\r\n", b"a\r\n \r\n", b"", False),
    ("crlf-mode-dot-nul", b"a\r\n.\x00\r\n.\r\n", b"a\r\n\x00\r\n", b"", False),
    ("unterminated", b"a\r\nb", None, b"", False),
    ("unterminated-dot", b"a\r\n.", None, b"", False),
    ("unterminated-dot-cr", b"a\r\n.\r", None, b"", False),
    ("first-line-bare-cr", b"a\rb\n.\n", b"a\rb\n", b"", True),
    ("first-line-crcrlf", b"a\r\r\n.\r\n", b"a\r\r\n", b"", False),
    ("empty-first-line-lf", b"\n.\n", b"\n", b"", True),
    ("nul-and-8bit", b"\x00\xff\r\n.\r\n", b"\x00\xff\r\n", b"", False),
    ("long-line", b"x" * 100000 + b"\r\n.\r\n", b"x" * 100000 + b"\r\n", b"", False),
]


def _decode(pieces: list[bytes]) -> tuple[bytes, bytes, DotDecoder]:
    dec = DotDecoder()
    out, pending = b"", b""
    for piece in pieces:
        pending += piece
        if dec.ended:
            continue
        data, used = dec.decode(pending)
        out += data
        pending = pending[used:]
    return out, pending, dec


@pytest.mark.parametrize("bytewise", [False, True], ids=["whole", "bytewise"])
@pytest.mark.parametrize("name, wire, data, rest, lf_only", FRAMING, ids=[c[0] for c in FRAMING])
def test_framing(name: str, wire: bytes, data: bytes | None, rest: bytes, lf_only: bool,
                 bytewise: bool) -> None:
    pieces = [wire[i:i + 1] for i in range(len(wire))] if bytewise else [wire]
    out, pending, dec = _decode(pieces)
    if data is None:
        assert not dec.ended
        return
    assert dec.ended and out == data and pending == rest and dec.lf_only is lf_only
    assert dec.wire_size == len(wire) - len(rest)


@pytest.mark.parametrize("body, lf_only, bdat, spooled", [
    (b"a\r\nb\r\n", False, False, b"a\nb\n"),
    (b"a\nb\r\n", False, False, b"a b\n"),
    (b"a\nb\r\n", True, False, b"a\nb\n"),
    (b"a\rb\r\n", False, False, b"a\nb\n"),
    (b"a\r\r\nb", False, False, b"a\n\nb"),
    (b"a\nb", False, True, b"a\nb\n"),
    (b"a\r", False, True, b"a\n"),
    (b"", False, True, b""),
])
def test_spool_body(body: bytes, lf_only: bool, bdat: bool, spooled: bytes) -> None:
    assert spool_body(body, lf_only=lf_only, bdat=bdat) == spooled


@pytest.mark.parametrize("pieces, lf_only", [
    ([b"a\r\n"], False), ([b"a\n"], True), ([b"a\r", b"\nb\n"], False), ([b"a", b"\n"], True),
    ([b"", b"x\r\n"], False),
])
def test_chunk_mode(pieces: list[bytes], lf_only: bool) -> None:
    tracker = ChunkModeTracker()
    for piece in pieces:
        tracker.feed(piece)
    assert tracker.lf_only is lf_only


def test_dot_stuff_round_trips() -> None:
    text = b".a\r\n..b\r\nc.\r\n.\r\n"
    dec = DotDecoder()
    data, _ = dec.decode(dot_stuff(text) + b".\r\n")
    assert dec.ended and data == text
