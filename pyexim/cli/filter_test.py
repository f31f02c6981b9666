"""``-bf`` / ``-bF``: test a user and/or system filter against a message on stdin (spec: "Testing
a new filter file"; Exim: exim.c filter test setup, filtertest.c, receive.c in filter-test mode).

The message is read as Exim reads it for a filter test: the header section with
receive.c's rules (a leading ``From `` line gives the sender unless -f was used, a
``Return-path:`` header gives the return path), the local fix-ups a locally
submitted message gets (Message-Id:, From:, Sender:, Date:), then the body as
filtertest.c's read_message_body reads it (dots are not unstuffed, a line holding
only a dot ends it, CRs stay). Output goes to stdout exactly as Exim prints it.

Not done as Exim does (yet): header addresses are not qualified or rewritten (Exim
runs rewrite_header on a local message), global rewrite rules are not applied to
generated addresses, and ``uucp_from_pattern`` is always Exim's default.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass

from pyexim.cli.args import Invocation
from pyexim.cli.main import config_file_for
from pyexim.errors import ConfigError, ConfigErrors

# The replacement for a line of -bf output (tests swap it for a list's append).
Write = Callable[[str], None]

# Exim refuses -f addresses longer than this (EXIM_DISPLAYMAIL_MAX).
_DISPLAYMAIL_MAX = 1024


@dataclass
class Caller:
    """The user running the test: the envelope's defaults come from here (exim.c)."""

    login: str
    name: str           # gecos name, after gecos_pattern/gecos_name
    home: str
    uid: int
    gids: tuple[int, ...]
    trusted: bool


@dataclass
class TestMessage:
    """A message read in filter-test mode: typed headers, and the body variables' data."""

    headers: list            # pyexim.message.HeaderLine, typed
    from_line_sender: str | None
    body: bytes              # as read_message_body stores it (nothing converted)
    body_linecount: int
    body_zerocount: int
    header_size: int         # bytes of the header section as Exim counts them
    header_lines: int        # physical lines read in the header section


def read_test_message(data: bytes, dot_ends: bool) -> TestMessage:
    """Split *data* as receive_msg + read_message_body do when a filter is being tested.

    A non-header line that ends the header section is counted in the size but not
    put in the body (Exim's filter test drops it), and a message whose headers end at
    end of input, or at a "." line, has no body at all.
    """
    from pyexim.message import _Reader, _scan_headers, encode
    # receive.c's header loop is message.py's; its private scanner is used because
    # the public parse_message() reads the body with -bm's rules, not filtertest.c's.
    reader = _Reader(data)
    scan = _scan_headers(reader, dot_ends=dot_ends, smtp=False, from_line_allowed=True)
    rest = reader.rest()
    header_size = sum(len(encode(h.text)) for h in scan.headers)
    lines = sum(h.text.count("\n") for h in scan.headers)
    for extra in (scan.from_line, scan.first_body_line):
        if extra is not None:
            raw = extra if isinstance(extra, bytes) else encode(extra)
            header_size += len(raw)
            lines += raw.count(b"\n")
    ended_by_blank = not (scan.ended_by_dot or scan.at_eof or scan.first_body_line is not None)
    if ended_by_blank:
        header_size += 1
        lines += 1
    body, linecount, zeros = b"", 0, 0
    if not scan.ended_by_dot and not scan.at_eof and rest:
        body, linecount, zeros = _read_body(rest, dot_ends)
    sender = scan.from_sender.decode("latin-1") if scan.from_sender is not None else None
    return TestMessage(scan.headers, sender, body, linecount, zeros, header_size, lines)


def _read_body(rest: bytes, dot_ends: bool) -> tuple[bytes, int, int]:
    """filtertest.c read_message_body: (body, $body_linecount, $body_zerocount).

    With dot_ends, a line holding only "." ends the body and its dot is not kept; a
    dot starting any other line is kept (no unstuffing), and empty lines are not
    counted (Exim counts a newline only after a non-empty line). Copied on purpose.
    """
    zeros = rest.count(b"\0")
    if not dot_ends:
        body = rest
        linecount = body.count(b"\n")
    else:
        out = bytearray()
        linecount = 0
        state = 1                      # 0: in a line, 1: after a newline, 2: after "\n."
        for ch in rest:
            if state == 1:
                if ch == 0x2E:
                    state = 2
                    continue
                if ch != 0x0A:
                    state = 0
            elif state == 2:
                if ch == 0x0A:
                    break
                out.append(0x2E)
                state = 0
            elif ch == 0x0A:
                linecount += 1
                state = 1
            out.append(ch)
        body = bytes(out)
    if not body or not body.endswith(b"\n"):
        linecount += 1
    return body, linecount, zeros


def caller_of(config: object) -> Caller:
    """The calling user, with Exim's trust rules (root, the Exim user, trusted_users/groups)."""
    uid = os.getuid()
    try:
        entry = pwd.getpwuid(uid)
        login, home, gecos = entry.pw_name, entry.pw_dir, entry.pw_gecos
    except KeyError:
        login, home, gecos = str(uid), "/", ""
    if "&" in gecos:
        # Unix convention: '&' in the gecos field stands for the login, capitalised.
        gecos = gecos.replace("&", login[:1].upper() + login[1:], 1)
    gids = tuple(sorted({os.getgid(), *os.getgroups()}))
    option = getattr(config, "option")
    exim_uid = _as_id(option("exim_user"), pwd.getpwnam)
    trusted_users = [_as_id(u, pwd.getpwnam) for u in _listed(option("trusted_users"))]
    trusted_groups = [_as_id(g, grp.getgrnam) for g in _listed(option("trusted_groups"))]
    trusted = (uid in (0, exim_uid) or uid in trusted_users
               or any(g in trusted_groups for g in gids))
    return Caller(login, gecos, home, uid, gids, trusted)


def _listed(value: object) -> list[object]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [v for v in str(value).split(":") if v]


def _as_id(value: object, lookup: Callable[[str], object]) -> int | None:
    if isinstance(value, int):
        return value
    if value is None:
        return None
    text = str(value)
    if text.isdigit():
        return int(text)
    try:
        entry = lookup(text)
    except KeyError:
        return None
    return int(getattr(entry, "pw_uid", getattr(entry, "gr_gid", -1)))


class FilterTest:
    """One -bf/-bF run: the configuration, the envelope and the message, and the output."""

    def __init__(self, invocation: Invocation, config: object, out: Write):
        self.inv = invocation
        self.config = config
        self.out = out
        self.option = getattr(config, "option")
        self.qualify_sender = str(self.option("qualify_domain"))
        self.qualify_recipient = str(self.option("qualify_recipient"))

    # --- the envelope ---------------------------------------------------------
    def command_line_sender(self) -> tuple[str | None, bool]:
        """(-f sender or None, whether -f was given); UsageError-style exit on a bad one."""
        from pyexim.address import AddressError, AddressOptions, extract_address
        text = self.inv.sender
        if text is None:
            return None, False
        if len(text) > _DISPLAYMAIL_MAX:
            raise _Abort(f"pyexim: -f argument too long ({len(text)} > {_DISPLAYMAIL_MAX})")
        if not text:
            return "", True
        try:
            found = extract_address(text, allow_null=True, options=AddressOptions(
                allow_domain_literals=True, strip_trailing_dot=True))
        except AddressError as error:
            raise _Abort(f'pyexim: bad -f address "{text}": {error}') from None
        return self.qualified(found.address, found.domain, self.qualify_sender), True

    @staticmethod
    def qualified(address: str, domain: int, qualify: str) -> str:
        """*address* with @qualify added when it has no domain (the empty address stays)."""
        from pyexim.address import quote_local_part
        if not address or domain:
            return address
        return f"{quote_local_part(address)}@{qualify}"

    def rewrite_recipient(self, address: str) -> str:
        """Exim's rewrite_address_qualify for recipients (rewrite rules are not applied)."""
        from pyexim.address import find_at
        return address if find_at(address) >= 0 else f"{address}@{self.qualify_recipient}"

    # --- running --------------------------------------------------------------
    def run(self) -> int:
        from pyexim.message import HeaderTyping, type_received_headers
        files = self.open_filters()
        caller = caller_of(self.config)
        sender, forced = self.command_line_sender()
        # With -f (and no -F) Exim leaves the caller's name empty.
        caller.name = self.gecos_name(caller) if not forced or self.inv.sender_name else ""
        if sender is None:
            sender = self.qualified(caller.login, 0, self.qualify_sender)
        # Exim treats the caller as a local sender unless -f was used.
        sender_local = not forced

        data = sys.stdin.buffer.read()
        message = read_test_message(data, self.inv.dot_ends)
        if message.from_line_sender is not None and not forced:
            sender = self.from_line_sender(message.from_line_sender, sender)
        if not message.headers:
            self.out("Warning: no message headers read")
        typing = HeaderTyping(sender_local=sender_local, trusted_caller=caller.trusted,
                              return_path_remove=bool(self.option("return_path_remove")),
                              delivery_date_remove=bool(self.option("delivery_date_remove")),
                              envelope_to_remove=bool(self.option("envelope_to_remove")))
        raw_kinds = [_kind(h.text) for h in message.headers]
        type_received_headers(message.headers, typing)
        return_path = None
        for header, kind in zip(message.headers, raw_kinds):
            if kind == "p":
                return_path = _return_path_value(header.text)
                self.out('Return-path taken from "Return-path:" header line')
        message_id = self.new_message_id()
        fixups = LocalFixups(self, caller, sender, sender_local, forced, message_id)
        fixups.apply(message.headers, raw_kinds)

        if return_path is None:
            self.out("Return-path copied from sender")
            return_path = sender
        else:
            self.out(f"Return-path = {return_path or '<>'}")
        self.out(f"Sender      = {sender or '<>'}")
        inv = self.inv
        domain = inv.filter_domain if inv.filter_domain is not None else self.qualify_recipient
        local_part = inv.filter_local_part if inv.filter_local_part is not None else caller.login
        recipient = f"{inv.filter_prefix or ''}{local_part}{inv.filter_suffix or ''}@{domain}"
        self.out(f"Recipient   = {recipient}")
        if inv.filter_prefix is not None:
            self.out(f"Prefix    = {inv.filter_prefix}")
        if inv.filter_suffix is not None:
            self.out(f"Suffix    = {inv.filter_suffix}")

        from pyexim.filter.env import Envelope
        envelope = Envelope(local_part=local_part, domain=domain, sender_address=sender,
                            return_path=return_path, prefix=inv.filter_prefix,
                            suffix=inv.filter_suffix, home=caller.home, message_id=message_id,
                            message_size=message.header_size + len(message.body))
        ctx = self.context(message, envelope, recipient, caller)
        ctx.headers = [_view(h) for h in message.headers]
        runner = FilterRunner(self, ctx, envelope)
        for path, text, system in files:
            if not runner.run(path, text, system):
                return 1
        return 0

    def open_filters(self) -> list[tuple[str, str, bool]]:
        """Read the filter files first (system, then user), as Exim opens them early."""
        wanted = []
        if self.inv.filter_test_system is not None:
            wanted.append((self.inv.filter_test_system, True))
        if self.inv.filter_test_user is not None:
            wanted.append((self.inv.filter_test_user, False))
        files = []
        for path, system in wanted:
            try:
                with open(path, "rb") as handle:
                    files.append((path, handle.read().decode("latin-1"), system))
            except OSError as error:
                raise _Abort(f"pyexim: failed to open {path}: {error.strerror}") from None
        return files

    def gecos_name(self, caller: Caller) -> str:
        """The caller's name: -F, else the gecos field through gecos_pattern/gecos_name."""
        if self.inv.sender_name is not None:
            return self.inv.sender_name
        pattern, name = self.option("gecos_pattern"), self.option("gecos_name")
        if pattern is None or name is None:
            return caller.name
        from pyexim.regex import RegexError, compile_pcre, groups_of
        try:
            match = compile_pcre(str(pattern)).search(caller.name)
        except RegexError:
            return caller.name
        if match is None:
            return caller.name
        try:
            return self.expand(str(name), [match.group(0), *groups_of(match)])
        except Exception as error:   # noqa: BLE001 - Exim keeps the gecos name on failure
            del error
            return caller.name

    def expand(self, text: str, numeric: list[str] | None = None) -> str:
        """Expand *text* in a bare context (config values only)."""
        from pyexim.expand import expand_string
        from pyexim.expand.context import ExpansionContext
        ctx = ExpansionContext(config=self.config)
        ctx.values.update(self.config_values())
        if numeric:
            ctx.match_strings = numeric
        return expand_string(text, ctx)

    def config_values(self) -> dict[str, object]:
        return {"primary_hostname": self.option("primary_hostname"),
                "qualify_domain": self.qualify_sender,
                "qualify_recipient": self.qualify_recipient}

    def from_line_sender(self, matched: str, sender: str) -> str:
        """The sender a leading "From " line gives (uucp_from_sender), when it parses."""
        from pyexim.address import AddressError, extract_address
        template = str(self.option("uucp_from_sender"))
        try:
            text = matched if template == "$1" else self.expand(template, ["", matched])
            found = extract_address(text, allow_null=True)
        except Exception:   # noqa: BLE001 - Exim ignores a "From " line it cannot use
            return sender
        self.out('Sender taken from "From " line')
        return self.qualified(found.address, found.domain, self.qualify_sender)

    def new_message_id(self) -> str:
        from pyexim.spool.msgid import MessageIdGenerator
        number = self.option("localhost_number")
        return MessageIdGenerator(localhost_number=number if isinstance(number, int)
                                  else None).next_id()

    def context(self, message: TestMessage, envelope: object, recipient: str,
                caller: Caller) -> object:
        """The expansion context the filters see."""
        from pyexim.expand.context import ExpansionContext, ExpansionOptions
        from pyexim.filter.env import Envelope
        assert isinstance(envelope, Envelope)
        visible = int(str(self.option("message_body_visible")))
        body = message.body.decode("latin-1")
        options = ExpansionOptions(
            headers_charset=str(self.option("headers_charset")),
            print_topbitchars=bool(self.option("print_topbitchars")),
            check_rfc2047_length=bool(self.option("check_rfc2047_length")),
            message_body_visible=visible)
        ctx = ExpansionContext(config=self.config, options=options)
        ctx.values.update(self.config_values())
        ctx.values.update({
            "sender_address": envelope.sender_address, "return_path": envelope.return_path,
            "local_part": envelope.local_part, "domain": envelope.domain,
            "original_local_part": envelope.local_part, "original_domain": envelope.domain,
            "local_part_prefix": envelope.prefix or "", "local_part_suffix": envelope.suffix or "",
            "home": envelope.home, "message_id": envelope.message_id,
            "message_size": envelope.message_size, "message_body_size": len(message.body),
            "body_linecount": message.body_linecount, "body_zerocount": message.body_zerocount,
            "message_linecount": message.header_lines, "received_protocol": "local",
            "originator_uid": caller.uid, "originator_gid": os.getgid(),
            "caller_uid": caller.uid, "caller_gid": os.getgid(),
            "recipients_count": 1,
        })
        ctx.message_body = _visible(body[:visible])
        ctx.message_body_end = _visible(body[-visible:] if visible else "")
        ctx.recipients = [recipient]
        ctx.first_delivery = True
        return ctx


def _visible(text: str) -> str:
    """$message_body's form: newlines and NULs become spaces."""
    return text.replace("\n", " ").replace("\0", " ")


def _kind(text: str) -> str:
    from pyexim.message import header_kind
    return header_kind(text)


def _view(header: object) -> object:
    from pyexim.expand.context import HeaderView
    return HeaderView(getattr(header, "text"), getattr(header, "type"))


def _return_path_value(text: str) -> str:
    """The address in a Return-path: header: after its 12 characters, trimmed, <> removed."""
    value = text[12:].strip(" \t\n\v\f\r")
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1]
    return value


class LocalFixups:
    """The headers Exim adds to a locally submitted message (receive.c), in its order."""

    def __init__(self, test: FilterTest, caller: Caller, sender: str, sender_local: bool,
                 forced: bool, message_id: str):
        self.test = test
        self.caller = caller
        self.sender = sender
        self.sender_local = sender_local
        self.forced = forced
        self.message_id = message_id

    def apply(self, headers: list, kinds: list[str]) -> None:
        from pyexim.message import HTYPE_FROM, HTYPE_ID, HTYPE_OLD, HTYPE_SENDER, HeaderLine
        option = self.test.option
        resents = any(h.text[:7].lower() == "resent-" for h in headers)
        prefix = "Resent-" if resents else ""
        qualify = self.test.qualify_sender
        login = self.caller.login

        def add(text: str, kind: str, at_end: bool = True) -> None:
            line = HeaderLine(text, kind)
            if at_end:
                headers.append(line)
            else:
                headers.insert(0, line)

        # A From: that is just the caller's login gets the caller's name and domain.
        from_header = None
        for header in list(headers):
            is_resent = header.text[:7].lower() == "resent-"
            if header.type != HTYPE_FROM or (resents and not is_resent):
                continue
            from_header = header
            value = header.text[header.text.index(":") + 1:].lstrip(" \t\n\v\f\r")[:-1]
            if value.lower() == login.lower():
                name = "Resent-From" if is_resent else "From"
                add(f"{name}: {self.caller.name} <{login}@{qualify}>\n", HTYPE_FROM)
                header.type = HTYPE_OLD
                from_header = headers[-1]
        if not any(h.type == HTYPE_ID for h in headers):
            domain = self.id_part(option("message_id_header_domain"), r"[^A-Za-z0-9.]",
                                  str(option("primary_hostname")))
            text = self.id_part(option("message_id_header_text"), r"[\x00-\x1f ()<>@,;:\\\".\[\]\x7f]", "")
            add(f"{prefix}Message-Id: <E{self.message_id}{'.' if text else ''}{text}@{domain}>\n",
                HTYPE_ID, at_end=not resents)
        if from_header is None:
            oname = self.caller.name if (not self.caller.trusted or self.test.inv.sender_name
                                         is not None or not self.forced) else ""
            if not self.sender:
                if self.sender_local:
                    address = f"{login}@{qualify}"
                    add(f"{prefix}From: {oname}{' <' if oname else ''}{address}"
                        f"{'>' if oname else ''}\n", HTYPE_FROM)
            else:
                add(f"{prefix}From: {oname}{' <' if oname else ''}{self.sender}"
                    f"{'>' if oname else ''}\n", HTYPE_FROM)
                from_header = headers[-1]
        if (from_header is not None and option("local_from_check") and self.sender_local
                and not self.caller.trusted):
            self.sender_header(from_header, prefix, add, HTYPE_SENDER)
        dated = any(kind == "d" and (not resents or h.text[:7].lower() == "resent-")
                    for h, kind in zip(headers, kinds))
        if not dated:
            add(f"{prefix}Date: {self.test.expand('$tod_full')}\n", " ", at_end=not resents)

    def id_part(self, setting: object, bad: str, default: str) -> str:
        """message_id_header_domain/_text: expanded, with unwanted characters made '-'."""
        if setting is None:
            return default
        try:
            value = self.test.expand(str(setting))
        except Exception:   # noqa: BLE001 - Exim logs the failure and uses the default
            return default
        return re.sub(bad, "-", value) if value else default

    def sender_header(self, from_header: object, prefix: str, add: Callable[..., None],
                      kind: str) -> None:
        """Add Sender: when an untrusted local caller's From: is not its own address."""
        from pyexim.address import AddressError, extract_address
        login, qualify = self.caller.login, self.test.qualify_sender
        own = f"{login}@{qualify}"
        text = getattr(from_header, "text")
        try:
            found = extract_address(text[text.index(":") + 1:])
            address = found.address
            matches = (address.lower() == own.lower()
                       or (not found.domain and address.lower() == login.lower()))
        except AddressError:
            matches = False
        if not matches:
            add(f"{prefix}Sender: {self.caller.name} <{own}>\n", kind)


class FilterRunner:
    """Runs each filter file as filtertest.c's filter_runtest does."""

    def __init__(self, test: FilterTest, ctx: object, envelope: object):
        self.test = test
        self.ctx = ctx
        self.envelope = envelope
        self.system_n: tuple[int, ...] = (0,) * 10

    def run(self, path: str, text: str, system: bool) -> bool:
        """Test one filter; False when it had an error (the exit status becomes 1)."""
        from pyexim.filter import filter_kind
        out = self.test.out
        kind = filter_kind(text)
        if system and kind == "forward":
            kind = "exim"
        label = {"exim": "Exim filter", "sieve": "Sieve filter", "forward": "forward file"}
        out(f'Testing {label[kind]} file "{path}"')
        out("")
        if kind == "forward":
            return self.forward(text)
        from pyexim.filter.engine import EngineEnv
        from pyexim.filter.env import Envelope
        assert isinstance(self.envelope, Envelope)
        env = EngineEnv(self.ctx, self.test.rewrite_recipient)   # type: ignore[arg-type]
        trace = _stderr if self.test.inv.verbose else (lambda line: None)
        if kind == "sieve":
            from pyexim.filter.sieve import SieveOptions, run_sieve
            run_sieve(text, env, self.envelope, SieveOptions(testing=True), report=out,
                      trace=trace)
            return True
        from pyexim.filter.exim_run import EximFilterOptions, run_exim_filter
        from pyexim.filter.exim_syntax import FilterSyntaxError, parse_exim_filter
        permitted = frozenset({"defer", "fail", "freeze"}) if system else frozenset()
        options = EximFilterOptions(system_filter=system, permitted=permitted,
                                    system_variables=self.system_n, testing=True,
                                    verbose=self.test.inv.verbose)
        try:
            parsed = parse_exim_filter(text, system_filter=system, permitted=permitted)
        except FilterSyntaxError as error:
            out(f"Filter error: {error}")
            return False
        ctx = self.ctx
        recipients = getattr(ctx, "recipients")
        if not system:
            setattr(ctx, "recipients", None)    # $recipients only in system filters
        result = run_exim_filter(parsed, env, self.envelope, options, report=out, trace=trace)
        setattr(ctx, "recipients", recipients)
        if system:
            # The user filter that follows sees these as $sn0..$sn9.
            self.system_n = result.n_values
        return result.outcome.value != "error"

    def forward(self, text: str) -> bool:
        """A plain .forward file: what it would generate (addresses last-first, as Exim lists)."""
        from pyexim.filter.forward import parse_forward_list
        from pyexim.filter.result import Outcome
        out = self.test.out
        domain = getattr(self.envelope, "domain")
        result = parse_forward_list(text, domain, self.test.rewrite_recipient)
        if result.outcome is Outcome.FAIL:
            out('exim: forward file contains ":fail:"')
        elif result.outcome is Outcome.BLACKHOLE:
            out('exim: forwardfile contains ":blackhole:"')
        elif result.outcome is Outcome.ERROR:
            out(f"exim: error in forward file: {result.error}")
            return False
        if not result.generated:
            out("exim: no addresses generated from forward file")
        else:
            out("exim: forward file generated:")
            for item in reversed(result.generated):
                out(f"  {item.address}")
        return True


def _stderr(line: str) -> None:
    sys.stderr.buffer.write(line.encode("latin-1", "replace") + b"\n")


class _Abort(Exception):
    """Exim gives up before testing: the message goes to stderr and the exit status is 1."""


def run(invocation: Invocation) -> int:
    """Run -bf/-bF; 0 when every filter ran without error, else 1."""
    from pyexim.config import load_config
    from pyexim.config.options import panic_die_text
    try:
        config = load_config(config_file_for(invocation), invocation.macros)
    except ConfigErrors as errors:
        sys.stderr.write(panic_die_text(errors.errors[0], "pyexim"))
        return 1
    except ConfigError as error:
        sys.stderr.write(panic_die_text(error, "pyexim"))
        return 1
    stdout = sys.stdout.buffer

    def out(line: str) -> None:
        stdout.write(line.encode("latin-1", "replace") + b"\n")

    try:
        status = FilterTest(invocation, config, out).run()
    except _Abort as abort:
        stdout.flush()
        print(abort, file=sys.stderr)
        return 1
    stdout.flush()
    return status
