"""``-be`` and ``-bem``: expansion test mode (Exim: exim.c expansion_test_line, get_stdinput).

Each argument is expanded and printed on a line of its own; without arguments, lines
are read from standard input, each answer prefixed by ``> `` (the prompt, printed
before each read, as Exim prints it when readline is not in use). A line ending in
a backslash continues on the next. The configuration's macros are substituted in
every line first, and a line that starts with an upper-case letter defines a macro.
``-bem FILE`` first reads a message from FILE, so that ``$h_...``, ``$message_body``,
``$message_size`` and the like have values. Failures print ``Failed: `` and Exim's
message; the exit status is 0 either way, as with Exim.
"""

from __future__ import annotations

import os
import sys

from pyexim.cli.args import Invocation
from pyexim.cli.common import context_for, load_config_or_report, read_input_line
from pyexim.cli.main import config_file_for
from pyexim.errors import ConfigError
from pyexim.expand import (
    ExpansionContext,
    ExpansionError,
    HeaderView,
    expand_string,
    to_engine,
)
from pyexim.message import read_filter_test_body
from pyexim.strings import from_bytes_text, to_bytes_text
from pyexim.taint import Tainted

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO, Any

# Exim's limits: -be arguments are checked like addresses (EXIM_EMAILADDR_MAX), lines
# are read with fgets() into 1024 bytes, and a line is copied into big_buffer.
ARGUMENT_MAX = 256
LINE_MAX = 16383


def run(invocation: Invocation) -> int:
    """Run -be/-bem for *invocation*; 0 (Exim's status even when expansions fail)."""
    config = load_config_or_report(invocation)
    if config is None:
        return 1
    ctx = prepare(config, invocation, config_file_for(invocation))
    out = sys.stdout.buffer
    if invocation.expansion_message_file:
        status = load_message(ctx, config, invocation.expansion_message_file,
                              invocation.dot_ends)
        if status:
            return status
    tester = LineTester(config.macro_table(), ctx, out)
    if invocation.arguments:
        for argument in invocation.arguments:
            raw = os.fsencode(argument)
            if len(raw) > ARGUMENT_MAX:
                out.flush()
                sys.stderr.write(f"pyexim: length limit exceeded ({len(raw)} > "
                                 f"{ARGUMENT_MAX}) for: recipient\n")
                return 1
            tester.test(raw)
    else:
        while True:
            line = read_input_line(sys.stdin.buffer, out)
            if line is None:
                break
            tester.test(line)
    out.flush()
    return 0


class LineTester:
    """Expand (or define a macro from) one line, printing what Exim prints."""

    def __init__(self, macros: Any, ctx: ExpansionContext, out: IO[bytes]):
        self.macros = macros
        self.ctx = ctx
        self.out = out

    def test(self, raw: bytes) -> None:
        line = raw[:LINE_MAX].decode("utf-8", "surrogateescape")
        line = self.macros.expand(line)[0]
        if line[:1].isascii() and line[:1].isupper():
            from pyexim.config.options import panic_die_text
            try:
                name = self.macros.define(line, None)
            except ConfigError as error:
                self.out.flush()
                sys.stderr.write(panic_die_text(error, "pyexim"))
                return
            self.out.write(f"Defined macro '{name}'\n".encode("utf-8", "surrogateescape"))
            return
        try:
            result = expand_string(to_engine(line), self.ctx)
        except ExpansionError as error:
            self.out.write(b"Failed: " + from_bytes_text(error.message) + b"\n")
            return
        self.out.write(from_bytes_text(result) + b"\n")


# ---------------------------------------------------------------------------
# The context -be runs in

def prepare(config: Any, invocation: Invocation, path: str) -> ExpansionContext:
    """The context of a -be run, with the configuration's ACLs ready for ${acl}."""
    from pyexim.acl.local import attach_to_expansion
    ctx = context_for(config, invocation, path)
    attach_to_expansion(config, ctx)     # ${acl ...} runs the ACL engine
    return ctx


# ---------------------------------------------------------------------------
# -bem: a message from a file

def load_message(ctx: ExpansionContext, config: Any, filename: str,
                 dot_ends: bool = True) -> int:
    """Read the -bem message into *ctx* (headers, body, sizes, the id Exim gives it)."""
    from pyexim.message import parse_message, type_received_headers
    from pyexim.spool.msgid import make_message_id
    try:
        with open(filename, "rb") as handle:
            data = handle.read()
    except OSError as error:
        sys.stderr.write(f"pyexim: failed to open {filename}: {error.strerror}\n")
        return 1
    parsed = parse_message(data, dot_ends=dot_ends)
    type_received_headers(parsed.headers)
    values = ctx.values
    head, rest = split_header_section(data)
    body, lines, zeros = read_filter_test_body(rest, dot_ends)
    values["message_size"] = len(head) + len(body)
    values["message_body_size"] = len(body)
    values["body_linecount"] = lines
    values["body_zerocount"] = zeros
    values["max_received_linelength"] = parsed.max_received_linelength
    values["message_linecount"] = head.count(b"\n") + lines
    now = ctx.clock()
    message_id = make_message_id(int(now), int((now % 1) * 1_000_000), ctx.pid)
    values["message_id"] = message_id
    headers = [HeaderView(Tainted(to_engine(h.text)), h.type) for h in parsed.headers]
    names = {h.text.split(":", 1)[0].strip().lower() for h in parsed.headers}
    # Exim's fix-ups for a locally submitted message: Message-Id and Date if missing.
    if "message-id" not in names:
        primary = str(values.get("primary_hostname", ""))
        headers.append(HeaderView(f"Message-Id: <E{message_id}@{primary}>\n", "I"))
    if "date" not in names:
        from pyexim.expand.evaluator import Evaluator
        from pyexim.expand.variables import tod_full
        headers.append(HeaderView(f"Date: {tod_full(Evaluator(ctx))}\n", " "))
    ctx.headers = headers
    text = to_bytes_text(body)
    visible = ctx.options.message_body_visible
    ctx.message_body = Tainted(_body_view(text[:visible], ctx.options.message_body_newlines))
    ctx.message_body_end = Tainted(_body_view(text[-visible:] if visible else "",
                                              ctx.options.message_body_newlines))
    ctx.recipients = []
    return 0


def split_header_section(data: bytes) -> tuple[bytes, bytes]:
    """The header section as Exim's reception consumes it, and the rest (the body).

    The section ends after an empty line, or after the first line that is neither a
    header nor a continuation: that line is read with the headers (it counts in the
    size and line count) but is not part of the body the filter-test reader sees.
    """
    pos = 0
    seen_header = False
    while pos < len(data):
        end = data.find(b"\n", pos)
        end = len(data) if end < 0 else end + 1
        line = data[pos:end].rstrip(b"\r\n")
        if not line:
            return data[:end], data[end:]
        is_continuation = seen_header and line[:1] in (b" ", b"\t")
        colon = line.find(b":")
        name = line[:colon].rstrip(b" \t") if colon > 0 else b""
        is_header = bool(name) and all(33 <= c <= 126 and c != 58 for c in name)
        if not (is_continuation or is_header):
            return data[:end], data[end:]
        seen_header = True
        pos = end
    return data, b""


def _body_view(text: str, keep_newlines: bool) -> str:
    """$message_body: NULs (and newlines, unless message_body_newlines) as spaces."""
    text = text.replace("\0", " ")
    return text if keep_newlines else text.replace("\n", " ")


__all__ = ["LineTester", "prepare", "run"]
