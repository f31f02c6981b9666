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
import time
from typing import IO, TYPE_CHECKING, Any

from pyexim import EXIM_COMPAT_VERSION
from pyexim.cli.args import Invocation
from pyexim.cli.main import config_file_for
from pyexim.errors import ConfigError, ConfigErrors
from pyexim.expand import (
    ExpansionContext,
    ExpansionError,
    ExpansionOptions,
    HeaderView,
    expand_string,
    from_engine,
    to_engine,
)
from pyexim.expand.strings import from_bytes_text, to_bytes_text
from pyexim.taint import Tainted

if TYPE_CHECKING:
    from pyexim.resolver import HostNames

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

def _option(config: Any, name: str, default: object = None) -> object:
    try:
        value = config.option(name)
    except KeyError:
        return default
    return default if value is None else value


def _int_option(config: Any, name: str, default: int) -> int:
    value = _option(config, name, default)
    return value if isinstance(value, int) else default


def _text(value: object) -> str:
    """A configuration value as engine text."""
    return to_engine(str(value))


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
    """The expansion context of a -be run: config values, caller, -oM settings."""
    caller, uid, gid = caller_identity()
    qualify_domain = _text(_option(config, "qualify_domain", ""))
    primary = _text(_option(config, "primary_hostname", ""))
    absolute = os.path.abspath(path)
    values: dict[str, object] = {
        "primary_hostname": primary,
        "smtp_active_hostname": primary,
        "qualify_domain": qualify_domain,
        "qualify_recipient": _text(_option(config, "qualify_recipient", qualify_domain)),
        "spool_directory": _text(_option(config, "spool_directory", "")),
        "spf_guess": _text(_option(config, "spf_guess", "")),
        "log_file_path": _text(_option(config, "log_file_path", "")),
        "bounce_return_size_limit": _int_option(config, "bounce_return_size_limit", 0),
        "exim_path": _text(_option(config, "exim_path", sys.argv[0])),
        "config_file": to_engine(absolute),
        "config_dir": to_engine(os.path.dirname(absolute)),
        "initial_cwd": to_engine(os.getcwd()),
        "exim_version": EXIM_COMPAT_VERSION,
        "compile_number": "1",
        "compile_date": time.strftime("%d-%b-%Y %H:%M:%S", time.localtime(
            os.path.getmtime(__file__))),
        "caller_uid": uid, "caller_gid": gid,
        "originator_uid": uid, "originator_gid": gid,
        "localhost_number": _int_option(config, "localhost_number", 0),
        "interface_port": -1,
    }
    exim_user = _option(config, "exim_user", None)
    try:
        entry = pwd.getpwnam(str(exim_user)) if exim_user is not None else None
    except KeyError:
        entry = None
    if entry is not None:
        values["exim_uid"], values["exim_gid"] = entry.pw_uid, entry.pw_gid
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
    options = ExpansionOptions(
        headers_charset=str(_option(config, "headers_charset", "UTF-8")),
        print_topbitchars=bool(_option(config, "print_topbitchars", False)),
        check_rfc2047_length=bool(_option(config, "check_rfc2047_length", True)),
        header_insert_maxlen=_int_option(config, "header_insert_maxlen", 64 * 1024),
        strict_acl_vars=bool(_option(config, "strict_acl_vars", False)),
        message_body_visible=_int_option(config, "message_body_visible", 500),
        message_body_newlines=bool(_option(config, "message_body_newlines", False)),
        allow_domain_literals=bool(_option(config, "allow_domain_literals", False)),
        allow_utf8_domains=bool(_option(config, "allow_utf8_domains", False)),
        strip_excess_angle_brackets=bool(_option(config, "strip_excess_angle_brackets",
                                                 False)),
        strip_trailing_dot=bool(_option(config, "strip_trailing_dot", False)),
        perl_startup=_option(config, "perl_startup", None),  # type: ignore[arg-type]
        timestamps_utc=bool(_option(config, "timestamps_utc", False)),
    )
    ctx = ExpansionContext(config=config, values=values, options=options,
                           named_lists=_named_lists(config),
                           environ=exim_environment(config),
                           panic_log=_panic_log)
    ctx.lookup_context = _lookup_context(config, ctx)
    ctx.host_name_lookup = _host_name_lookup
    return ctx


def prepare(config: Any, invocation: Invocation, path: str) -> ExpansionContext:
    """The context of a -be run, with the configuration's ACLs ready for ${acl}."""
    from pyexim.acl.local import attach_to_expansion
    ctx = context_for(config, invocation, path)
    attach_to_expansion(config, ctx)     # ${acl ...} runs the ACL engine
    return ctx


def _named_lists(config: Any) -> dict[str, dict[str, Any]]:
    """The configuration's named lists, their values as engine text."""
    from pyexim.expand.context import NamedListView
    out: dict[str, dict[str, Any]] = {}
    for kind, lists in getattr(config, "named_lists", {}).items():
        out[kind] = {name: NamedListView(to_engine(named.value), named.cached)
                     for name, named in lists.items()}
    return out


def _lookup_context(config: Any, ctx: ExpansionContext) -> Any:
    from pyexim.lookups.context import LookupContext
    options = {name: _option(config, name) for name in
               ("primary_hostname", "dns_retrans", "dns_retry", "host_lookup_order",
                "dns_use_edns0", "dns_dnssec_ok")}
    return LookupContext(clock=ctx.clock, options=options,
                         log=lambda message, panic: _panic_log(message) if panic else None)


def _host_name_lookup(ctx: ExpansionContext) -> str | None:
    """Find the sender host's name from its address ($sender_host_name), once."""
    address = str(ctx.values.get("sender_host_address") or "")
    try:
        names: HostNames = ctx.lookup_context.resolver.host_name_lookup(address)
    except Exception:  # noqa: BLE001 - a resolver that cannot start counts as a deferral
        ctx.values["host_lookup_deferred"] = 1
        return None
    if names.status == "ok" and names.name:
        ctx.values["sender_host_name"] = Tainted(names.name)
        return names.name
    if names.status == "again":
        ctx.values["host_lookup_deferred"] = 1
    else:
        ctx.values["host_lookup_failed"] = 1
    return None


def exim_environment(config: Any) -> dict[str, str]:
    """The environment Exim keeps: keep_environment names (patterns allowed), then
    add_environment settings; everything else is purged, as Exim does at start-up."""
    from pyexim.expand.strings import iter_list
    keep = _option(config, "keep_environment", None)
    kept: dict[str, str] = {}
    if keep:
        from pyexim import lists
        for name, value in os.environ.items():
            result = lists.match_string_list(name, str(keep), lists.SimpleListContext(),
                                             caseless=False)
            if result.matched:
                kept[name] = value
    add = _option(config, "add_environment", None)
    if add:
        for item in iter_list(str(add)):
            name, sep, value = item.partition("=")
            if sep:
                kept[name] = value
    return {to_engine(k): to_engine(v) for k, v in kept.items()}


def _panic_log(message: str) -> None:
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    sys.stdout.flush()
    sys.stderr.write(f"{stamp} {from_engine(message)}\n")


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
