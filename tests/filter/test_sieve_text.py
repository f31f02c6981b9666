"""Sieve string helpers: encoded characters, quoted-printable, mailto URIs (Exim's sieve.c)."""

from __future__ import annotations

import pytest

from pyexim.filter.sieve_text import (
    MailtoUri, SieveTextError, decode_encoded_characters, parse_mailto, quoted_printable)


@pytest.mark.parametrize("text, decoded", [
    ("${hex:41 42}", "AB"),
    ("${HEX: 4 }x", "\x04x"),
    ("a${hex:}b", "a${hex:}b"),                      # malformed: left alone
    ("${hex:4g}", "${hex:4g}"),
    ("${unicode:fc}", "\xc3\xbc"),                   # UTF-8 bytes of U+00FC
    ("${unicode:0 41 1F600}", "\x00A\xf0\x9f\x98\x80"),
    ("${unicode:zz}", "${unicode:zz}"),
    ("no braces ${hex:41", "no braces ${hex:41"),
])
def test_encoded_characters(text: str, decoded: str) -> None:
    assert decode_encoded_characters(text) == decoded


@pytest.mark.parametrize("text", ["${unicode:110000}", "${unicode:d800}", "${unicode:1234567}"])
def test_unicode_out_of_range(text: str) -> None:
    with pytest.raises(SieveTextError, match="unicode character out of range"):
        decode_encoded_characters(text)


@pytest.mark.parametrize("text, encoded", [
    ("plain text", "plain text"),
    ("a=b", "a=3Db"),
    ("line\r\nnext", "line\nnext"),
    ("trailing space \r\n", "trailing space=20\n"),
    ("\xc3\xbc", "=C3=BC"),
    ("x" * 80, "x" * 73 + "=\n" + "x" * 7),
])
def test_quoted_printable(text: str, encoded: str) -> None:
    assert quoted_printable(text) == encoded


def test_mailto() -> None:
    uri = parse_mailto("mailto:a@b%2Cc@d?x-h=1&subject=hi")
    # Exim files each field under its value's name and leaves the values empty.
    assert uri == MailtoUri(recipients=["c@d", "a@b"], headers="1: \nhi: \n")


@pytest.mark.parametrize("uri, message", [
    ("xmpp:a@b", "Unknown URI scheme"),
    ("mailto:%2Ca@b", "Missing addr-spec in URI"),
    ("mailto:a%zz", "Invalid URI encoding"),
    ("mailto:a@b?subject", "Missing equal after hname"),
    ("mailto:a@b?subject=x y", "Syntactically invalid URI"),
])
def test_mailto_errors(uri: str, message: str) -> None:
    with pytest.raises(SieveTextError) as caught:
        parse_mailto(uri)
    assert str(caught.value) == message
