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
import pwd
import sys
from typing import IO, Any

from pyexim.cli.args import Invocation
from pyexim.cli.main import config_file_for
from pyexim.errors import ConfigError, ConfigErrors
from pyexim.expand import (
    ExpansionContext,
    ExpansionError,
    HeaderView,
    expand_string,
    to_engine,
)
from pyexim.expand.configured import context_from_config
from pyexim.expand.strings import from_bytes_text, to_bytes_text
from pyexim.taint import Tainted

# Exim's limits: -be arguments are checked like addresses (EXIM_EMAILADDR_MAX), lines
# are read with fgets() into 1024 bytes, and a line is copied into big_buffer.
ARGUMENT_MAX = 256
READ_CHUNK = 1023
LINE_MAX = 16383


def run(invocation: Invocation) -> int:
    """Run -be/-bem for *invocation*; 0 (Exim's status even when expansions fail)."""
    from pyexim.config import load_config
    from pyexim.config.options import panic_die_text
    path = config_file_for(invocation)
    try:
        config = load_config(path, invocation.macros)
    except ConfigErrors as errors:
        sys.stderr.write(panic_die_text(errors.errors[0], "pyexim"))
        return 1
    except ConfigError as error:
        sys.stderr.write(panic_die_text(error, "pyexim"))
        return 1
    ctx = prepare(config, invocation, path)
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


def read_input_line(stream: IO[bytes], out: IO[bytes]) -> bytes | None:
    """One logical input line after a ``> `` prompt (Exim's get_stdinput).

    Trailing white space is removed; a final backslash joins the next physical line
    (its leading white space removed). At the end of input a newline is printed and
    None returned.
    """
    out.write(b"> ")
    out.flush()
    parts: list[bytes] = []
    had_input = False
    first = True
    while True:
        chunk = stream.readline(READ_CHUNK)
        if not chunk:
            break
        had_input = True
        chunk = chunk.rstrip(b" \t\n\v\f\r")
        if not first:
            chunk = chunk.lstrip(b" \t\n\v\f\r")
        first = False
        parts.append(chunk)
        if not chunk or not chunk.endswith(b"\\"):
            break
        parts[-1] = chunk[:-1]
    if had_input:
        return b"".join(parts)
    out.write(b"\n")
    return None


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

def caller_identity() -> tuple[str, int, int]:
    """The caller's login name, uid and gid, as Exim finds them."""
    uid, gid = os.getuid(), os.getgid()
    try:
        name = pwd.getpwuid(uid).pw_name
    except KeyError:
        name = str(uid)
    return name, uid, gid


def _split_port(value: str) -> tuple[str, int | None]:
    """Exim's host_address_extract_port for -oMa/-oMi: a trailing .port or :port."""
    if value.startswith("[") and "]" in value:
        address, _, rest = value[1:].partition("]")
        port = rest[1:] if rest[:1] in (":", ".") else ""
        return address, int(port) if port.isdigit() else None
    from pyexim import hostaddr
    if hostaddr.is_ip_address(value) or "." not in value:
        return value, None
    head, _, tail = value.rpartition(".")
    if tail.isdigit() and hostaddr.is_ip_address(head):
        return head, int(tail)
    return value, None


def context_for(config: Any, invocation: Invocation, path: str) -> ExpansionContext:
    """The expansion context of a -be run: the configuration's values, then the caller
    and the -f / -oM / -p settings of the command line."""
    ctx = context_from_config(config, path)
    values = ctx.values
    caller, uid, gid = caller_identity()
    qualify_domain = str(values.get("qualify_domain") or "")
    values.update({
        "caller_uid": uid, "caller_gid": gid, "originator_uid": uid, "originator_gid": gid,
        "initial_cwd": to_engine(os.getcwd()),
    })
    inv = invocation
    sender = inv.sender if inv.sender is not None else f"{caller}@{qualify_domain}"
    values["sender_address"] = to_engine(sender.strip("<>") if sender in ("<>",) else sender)
    values["authenticated_id"] = Tainted(inv.authenticated_id) if inv.authenticated_id \
        else caller
    values["authenticated_sender"] = Tainted(inv.authenticated_sender) \
        if inv.authenticated_sender else f"{caller}@{qualify_domain}"
    values["sender_ident"] = Tainted(inv.ident) if inv.ident else caller
    if inv.received_protocol:
        values["received_protocol"] = inv.received_protocol
    if inv.authenticator:
        values["sender_host_authenticated"] = inv.authenticator
    if inv.host_name:
        values["sender_host_name"] = Tainted(to_engine(inv.host_name))
    if inv.host_address:
        address, port = _split_port(inv.host_address)
        values["sender_host_address"] = Tainted(address)
        values["sender_host_port"] = port or 0
    if inv.interface_address:
        address, port = _split_port(inv.interface_address)
        values["interface_address"] = address
        values["interface_port"] = port if port is not None else -1
    return ctx


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
    body, lines, zeros = read_test_body(rest, dot_ends)
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


def read_test_body(data: bytes, dot_ends: bool) -> tuple[bytes, int, int]:
    """The body as Exim's filter-test reader takes it: (body, $body_linecount,
    $body_zerocount). With *dot_ends* a line of "." ends it and blank lines are not
    counted (filtertest.c's read_message_body)."""
    if not data:
        return b"", 0, 0
    zeros = data.count(0)
    if not dot_ends:
        lines = data.count(b"\n")
        body = data
    else:
        out = bytearray()
        lines = 0
        state = 1  # 0: in a line; 1: after a newline; 2: after newline and dot
        for ch in data:
            if state == 0:
                if ch == 10:
                    lines += 1
                    state = 1
            elif state == 1:
                if ch == 46:
                    state = 2
                    continue
                if ch != 10:
                    state = 0
            else:
                if ch == 10:
                    break
                out.append(46)
                state = 0
            out.append(ch)
        body = bytes(out)
    if not body or body[-1:] != b"\n":
        lines += 1
    return body, lines, zeros


def _body_view(text: str, keep_newlines: bool) -> str:
    """$message_body: NULs (and newlines, unless message_body_newlines) as spaces."""
    text = text.replace("\0", " ")
    return text if keep_newlines else text.replace("\n", " ")


__all__ = ["LineTester", "context_for", "prepare", "read_input_line", "run"]
