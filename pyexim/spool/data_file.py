"""The -D spool file: the message body (spec: "Format of spool files"; Exim: receive.c,
spool_in.c spool_open_datafile).

The file is one line naming it, ``ID-D``, then the body exactly as the -H file's
counts describe it: LF line endings and no dot-stuffing, or, when the -H file says
``-spool_file_wireformat``, the CRLF bytes that arrived by BDAT. Exim locks the first
line (its length is where the body starts) while a process works on the message.
"""

from __future__ import annotations

from pyexim.spool.header_file import SpoolFormatError
from pyexim.spool.msgid import IdFormat, id_format_of

__all__ = ["data_file_prefix", "format_data_file", "lock_length", "parse_data_file"]


def data_file_prefix(message_id: str) -> bytes:
    """The first line of the -D file: ``ID-D`` and a newline."""
    return f"{message_id}-D\n".encode("ascii")


def lock_length(message_id: str) -> int:
    """Bytes Exim locks at the start of the -D file (SPOOL_DATA_START_OFFSET)."""
    fmt: IdFormat = id_format_of(message_id)
    return fmt.data_start_offset


def format_data_file(message_id: str, body: bytes) -> bytes:
    """The whole -D file for *body*."""
    return data_file_prefix(message_id) + body


def parse_data_file(data: bytes, *, file: str = "-D file", message_id: str | None = None) -> bytes:
    """The body held by a -D file; SpoolFormatError when its first line is not ``ID-D``.

    With *message_id*, the id line must name that message.
    """
    newline = data.find(b"\n")
    first = data[:newline] if newline >= 0 else data
    try:
        text = first.decode("ascii")
        id_format_of(text[:-2])
    except (UnicodeDecodeError, ValueError):
        raise SpoolFormatError(file, f"first line is not a message id followed by -D: "
                                     f"{first[:40]!r}", line=1) from None
    if newline < 0 or not text.endswith("-D"):
        raise SpoolFormatError(file, f"first line is not a message id followed by -D: "
                                     f"{first[:40]!r}", line=1)
    if message_id is not None and text[:-2] != message_id:
        raise SpoolFormatError(file, f"id line {text!r} does not match the file name "
                                     f"({message_id})", line=1)
    return data[newline + 1:]
