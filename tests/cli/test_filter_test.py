"""-bf/-bF: reading the test message as Exim does, and the command-line failures.

The sizes and counts are what real Exim's $message_size, $message_body_size,
$body_linecount and $message_linecount show for the same input under -bf.
"""

from __future__ import annotations

import pytest

from pyexim.cli.filter_test import read_test_message
from tests.conftest import run_pyexim
from tests.filter.gen_goldens import CONFIG


@pytest.mark.parametrize("data, dot_ends, size, body, lines, header_lines", [
    (b"Subject: x\nnot a header line\nsecond\n", True, 36, b"second\n", 1, 2),
    (b"Subject: x\n", True, 11, b"", 0, 1),
    (b"Subject: x\n\n", True, 12, b"", 0, 2),
    (b"", True, 1, b"", 0, 1),
    (b"Subject: x\n\n.\n", True, 12, b"", 1, 2),
    (b"Subject: x\n\na\n..b\n.\nafter\n", True, 18, b"a\n..b\n", 2, 2),
    (b"Subject: x\n.\nafter\n", True, 11, b"", 0, 1),
    (b"Subject: x\r\n\r\na\r\nb", True, 16, b"a\r\nb", 2, 2),
    (b"Subject: x\n\na\n.\nb\n", False, 18, b"a\n.\nb\n", 3, 2),
    (b"Subject: x\n\na\n\nb\n", True, 17, b"a\n\nb\n", 2, 2),
    (b"From a@b Wed Feb 05 10:47:05 2003\nTo: fred\n\nbody\n", True, 49, b"body\n", 1, 3),
], ids=["non-header-line", "eof-after-header", "blank-then-eof", "empty", "dot-after-blank",
        "dots-kept", "dot-in-headers", "crlf", "no-dot-ends", "empty-line-not-counted",
        "from-line"])
def test_message_reading(data: bytes, dot_ends: bool, size: int, body: bytes, lines: int,
                         header_lines: int) -> None:
    message = read_test_message(data, dot_ends)
    assert message.header_size + len(message.body) == size
    assert message.body == body
    assert message.body_linecount == lines
    assert message.header_lines == header_lines


def test_from_line_match_is_kept() -> None:
    message = read_test_message(b"From a@b Wed Feb  5 10:47:05 2003\n\n", True)
    assert message.from_line_sender == "a@b"
    assert message.from_line_match == ("From a@b Wed Feb  5 10:47", "a@b")


def test_missing_filter_file() -> None:
    result = run_pyexim("-C", str(CONFIG), "-bf", "/nonexistent/filter", stdin=b"")
    assert result.returncode == 1
    assert result.stderr == b"pyexim: failed to open /nonexistent/filter: No such file or directory\n"
    assert result.stdout == b""


def test_bad_sender(tmp_path) -> None:
    script = tmp_path / "f"
    script.write_text("# Exim filter\n")
    result = run_pyexim("-C", str(CONFIG), "-f", "a b c", "-bf", str(script), stdin=b"")
    assert result.returncode == 1
    assert result.stderr == (b'pyexim: bad -f address "a b c": missing or malformed local part '
                             b'(expected word or "<")\n')


def test_default_recipient_is_the_caller(tmp_path) -> None:
    import os
    import pwd
    script = tmp_path / "f"
    script.write_text("# Exim filter\n")
    result = run_pyexim("-C", str(CONFIG), "-bf", str(script), stdin=b"Subject: x\n\n")
    login = pwd.getpwuid(os.getuid()).pw_name
    assert f"Recipient   = {login}@qualify.example\n".encode() in result.stdout
    assert result.returncode == 0
