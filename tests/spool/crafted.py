"""A spool written by pyexim's own code, for the -bp goldens.

make_goldens.py writes this spool, lets real Exim list it (-bp, -bpu, -bpa, -bpc) and
records the output with the time it ran; test_queue.py writes the same spool again and
checks that pyexim lists it identically. Everything here is a function of ``now``.
"""

from __future__ import annotations

import os

from pyexim.message import Envelope, HeaderLine, Recipient
from pyexim.spool.header_file import SpoolHeader, format_header_file
from pyexim.spool.msgid import make_message_id
from pyexim.spool.store import Spool
from pyexim.spool.tree import ExactTree

# (name, age in seconds, size -bp shows, extras); extras tweak the header or the files.
# The sizes sit on string_format_size()'s boundaries.
MESSAGES: list[tuple[str, int, int, dict]] = [
    ("fresh", 0, 200, {}),
    ("59s", 59, 999, {}),
    ("1m", 60, 1023, {}),
    ("89m", 89 * 60 + 59, 1024, {}),
    ("91m", 91 * 60, 1075, {}),
    ("2h30", 150 * 60, 10 * 1024 - 1, {}),
    ("72h", 72 * 3600, 10 * 1024, {}),
    ("73h", 73 * 3600 + 1, 500 * 1024 + 511, {}),
    ("30d", 30 * 86400, 1024 * 1024 - 1, {}),
    ("1M", 86400, 1024 * 1024, {}),
    ("9M", 3600, 10 * 1024 * 1024 - 1, {}),
    ("10M", 7200, 10 * 1024 * 1024, {}),
    ("future", -300, 300, {}),
    ("frozen", 600, 400, {"frozen_at": -1}),
    ("untrusted", 700, 400, {"sender_set_untrusted": True, "login": "mallory"}),
    ("null sender", 800, 400, {"sender": ""}),
    ("delivered", 900, 400, {"delivered": ["b@oracle.test", "extra@oracle.test"]}),
    ("journal", 1000, 400, {"journal": ["c@oracle.test", "zz@generated.test"]}),
    ("split", 1100, 400, {"split": True}),
    ("bad headers", 1200, 400, {"corrupt": "headers"}),
    ("bad envelope", 1300, 400, {"corrupt": "envelope"}),
    ("no data file", 1400, 400, {"no_data": True}),
]

PID = 4242


def _header(now: int, index: int, age: int, extras: dict) -> SpoolHeader:
    received = now - age
    message_id = make_message_id(received, (index * 5000) % 1_000_000, PID + index)
    recipients = [Recipient("a@oracle.test"), Recipient("b@oracle.test"),
                  Recipient("c@oracle.test", orcpt="rfc822;c@oracle.test", dsn_flags=0x0C)]
    header = SpoolHeader(
        message_id=message_id, originator_login=extras.get("login", "root"),
        originator_uid=0, originator_gid=0,
        envelope=Envelope(extras.get("sender", "sender@client.example"), recipients),
        received_time=received, received_time_usec=(index * 5000) % 1_000_000,
        received_protocol="local", ident="root", body_linecount=index * 7,
        max_received_linelength=49, deliver_firsttime=True,
        sender_set_untrusted=extras.get("sender_set_untrusted", False),
        headers=[HeaderLine(f"Received: from root by oracle.test with local\n\tid {message_id}\n",
                            "P"),
                 HeaderLine("From: sender@client.example\n", "F"),
                 HeaderLine(f"Subject: crafted message {index}\n")],
    )
    if extras.get("frozen_at"):
        header.frozen_at = received + 5
    if "delivered" in extras:
        header.nonrecipients = ExactTree.from_names(extras["delivered"])
    return header


def _body(size: int) -> bytes:
    line = b"x" * 49 + b"\n"
    return (line * (size // 50 + 1))[:size]


def write_crafted_spool(spool: Spool, now: int) -> list[str]:
    """Write every MESSAGES entry into *spool*; returns their ids in table order."""
    ids: list[str] = []
    for index, (_, age, listed_size, extras) in enumerate(MESSAGES):
        header = _header(now, index, age, extras)
        body_size = listed_size - header.header_size - 1
        ids.append(header.message_id)
        subdir = header.message_id[5] if extras.get("split") else ""
        input_dir = spool.dir_path("input", subdir)
        os.makedirs(input_dir, exist_ok=True)
        if spool.owner is not None and os.geteuid() == 0:
            os.chown(input_dir, *spool.owner)
        if not extras.get("no_data"):
            with spool.create_data_file(header.message_id, _body(body_size), subdir):
                pass
        data = format_header_file(header)
        if extras.get("corrupt") == "headers":
            data = data.replace(b"Subject: crafted", b"Subject:\0crafted")
        elif extras.get("corrupt") == "envelope":
            data = data.replace(b"<sender@client.example>", b"sender@client.example")
        path = spool.path("input", subdir, header.message_id, "-H")
        with open(path, "wb") as handle:
            handle.write(data)
        if spool.owner is not None and os.geteuid() == 0:
            os.chown(path, *spool.owner)
        if "journal" in extras:
            spool.journal_append(header.message_id, extras["journal"], subdir)
    return ids
