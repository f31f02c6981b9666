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
generated addresses, ``uucp_from_pattern`` is always Exim's default, and the caller's
name is not made a valid RFC 2822 phrase (parse_fix_phrase).
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import sys
from collections.abc import Callable, Sequence

from pyexim.address import AddressError, extract_address, find_at, quote_local_part
from pyexim.cli.args import Invocation
from pyexim.cli.common import Abort, command_line_sender, load_config_or_report
from pyexim.expand import ExpansionContext, ExpansionError, ExpansionOptions, expand_string
from pyexim.expand.context import HeaderView
from pyexim.filter import filter_kind
from pyexim.filter.engine import EngineEnv
from pyexim.filter.env import Envelope
from pyexim.filter.exim_run import EximFilterOptions, run_exim_filter
from pyexim.filter.exim_syntax import FilterSyntaxError, parse_exim_filter
from pyexim.filter.forward import parse_forward_list
from pyexim.filter.result import Outcome
from pyexim.filter.sieve import SieveOptions, run_sieve
from pyexim.message import (
    HTYPE_FROM,
    HTYPE_ID,
    HTYPE_OLD,
    HTYPE_SENDER,
    UUCP_FROM_PATTERN,
    HeaderLine,
    HeaderTyping,
    encode,
    header_kind,
    read_filter_test_body,
    scan_header_section,
    type_received_headers,
)
from pyexim.record import record
from pyexim.regex import RegexError, compile_pcre, groups_of
from pyexim.spool.msgid import MessageIdGenerator
from pyexim.strings import C_SPACE

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyexim.config.model import Config

# Where -bf output goes: one line at a time, without its newline.
Write = Callable[[str], None]



# ---------------------------------------------------------------------------------------
# The message

@record
class TestMessage:
    """A message read in filter-test mode: its headers, and the body variables' data."""

    headers: list[HeaderLine]
    from_line_sender: str | None       # $1 of a leading "From " line
    from_line_match: tuple[str, ...]   # $0, $1... of that match: Exim leaves them set
    body: bytes                        # as read_message_body stores it (nothing converted)
    body_linecount: int
    body_zerocount: int
    header_size: int                   # bytes of the header section as Exim counts them
    header_lines: int                  # physical lines read in the header section


def read_test_message(data: bytes, dot_ends: bool) -> TestMessage:
    """Split *data* as receive_msg + read_message_body do when a filter is being tested.

    A non-header line that ends the header section is counted in the size but not
    put in the body (Exim's filter test drops it), and a message whose headers end at
    end of input, or at a "." line, has no body at all. The body is read by -bem's
    reader, which is the same function of Exim's (filtertest.c read_message_body):
    with dot_ends a "." line ends it, other dots stay, empty lines are not counted.
    """
    # receive.c's header loop, then filtertest.c's body reader (parse_message() would
    # read the body with -bm's rules).
    scan, rest = scan_header_section(data, dot_ends=dot_ends)
    header_size = sum(len(encode(h.text)) for h in scan.headers)
    lines = sum(h.text.count("\n") for h in scan.headers)
    for extra in (scan.from_line, scan.first_body_line):
        if extra is not None:
            header_size += len(extra)
            lines += extra.count(b"\n")
    if not (scan.ended_by_dot or scan.at_eof or scan.first_body_line is not None):
        header_size += 1          # the blank line
        lines += 1
    body, linecount, zeros = b"", 0, 0
    if not scan.ended_by_dot and not scan.at_eof and rest:
        body, linecount, zeros = read_filter_test_body(rest, dot_ends)
    sender = scan.from_sender.decode("latin-1") if scan.from_sender is not None else None
    match = UUCP_FROM_PATTERN.match(scan.from_line) if scan.from_line is not None else None
    numeric = tuple((g or b"").decode("latin-1") for g in (match.group(0), *match.groups())
                    ) if match else ()
    return TestMessage(scan.headers, sender, numeric, body, linecount, zeros, header_size, lines)


def _visible(text: str) -> str:
    """$message_body's form: newlines and NULs become spaces."""
    return text.replace("\n", " ").replace("\0", " ")


def _is_resent(header: HeaderLine) -> bool:
    return header.text[:7].lower() == "resent-"


def _return_path_value(text: str) -> str:
    """The address in a Return-path: header: after its 12 characters, trimmed, <> removed."""
    value = text[12:].strip(C_SPACE)
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1]
    return value


# ---------------------------------------------------------------------------------------
# The caller

@record
class Caller:
    """The user running the test: the envelope's defaults come from here (exim.c)."""

    login: str
    name: str           # Exim's originator_name
    home: str
    uid: int
    gid: int
    trusted: bool


def caller_of(config: Config) -> Caller:
    """The calling user, with Exim's trust rules (root, the Exim user, trusted_users/groups)."""
    uid, gid = os.getuid(), os.getgid()
    try:
        entry = pwd.getpwuid(uid)
        login, home, gecos = entry.pw_name, entry.pw_dir, entry.pw_gecos
    except KeyError:
        login, home, gecos = str(uid), "/", ""
    if "&" in gecos:
        # Unix convention: '&' in the gecos field stands for the login, capitalised.
        gecos = gecos.replace("&", login[:1].upper() + login[1:], 1)
    groups = {gid, *os.getgroups()}
    trusted_users = {_user_id(u) for u in _listed(config.option("trusted_users"))}
    trusted_groups = {_group_id(g) for g in _listed(config.option("trusted_groups"))}
    trusted = (uid in (0, _user_id(config.option("exim_user"))) or uid in trusted_users
               or bool(groups & trusted_groups))
    return Caller(login, gecos, home, uid, gid, trusted)


def _listed(value: object) -> Sequence[object]:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return value
    return [item for item in str(value).split(":") if item]


def _user_id(value: object) -> int | None:
    return _account_id(value, lambda name: pwd.getpwnam(name).pw_uid)


def _group_id(value: object) -> int | None:
    return _account_id(value, lambda name: grp.getgrnam(name).gr_gid)


def _account_id(value: object, lookup: Callable[[str], int]) -> int | None:
    """A uid or gid as an option holds it: a number, or a name to look up (None if unknown)."""
    if isinstance(value, int) or value is None:
        return value
    text = str(value)
    try:
        return int(text) if text.isdigit() else lookup(text)
    except KeyError:
        return None


# ---------------------------------------------------------------------------------------
# The test

class FilterTest:
    """One -bf/-bF run: the configuration, the envelope and the message, and the output."""

    def __init__(self, invocation: Invocation, config: Config, out: Write):
        self.inv = invocation
        self.config = config
        self.out = out
        self.qualify_sender = str(config.option("qualify_domain"))
        self.qualify_recipient = str(config.option("qualify_recipient"))

    # --- helpers ----------------------------------------------------------------
    def expand(self, text: str, numeric: Sequence[str] = ()) -> str:
        """Expand *text* in a context with the configuration's values only."""
        ctx = ExpansionContext(config=self.config)
        ctx.values.update(self.config_values())
        ctx.match_strings = list(numeric)
        return expand_string(text, ctx)

    def config_values(self) -> dict[str, object]:
        return {"primary_hostname": self.config.option("primary_hostname"),
                "qualify_domain": self.qualify_sender,
                "qualify_recipient": self.qualify_recipient}

    @staticmethod
    def qualified(address: str, domain: int, qualify: str) -> str:
        """*address* with @qualify added when it has no domain (the empty address stays)."""
        if not address or domain:
            return address
        return f"{quote_local_part(address)}@{qualify}"

    def rewrite_recipient(self, address: str) -> str:
        """Exim's rewrite_address_qualify for recipients (rewrite rules are not applied)."""
        return address if find_at(address) >= 0 else f"{address}@{self.qualify_recipient}"

    # --- the envelope -----------------------------------------------------------
    def command_line_sender(self) -> str | None:
        """The -f sender, qualified; None without -f. Abort for a bad one, as Exim."""
        if self.inv.sender is None:
            return None
        return command_line_sender(self.inv.sender, self.qualify_sender)

    def from_line_sender(self, message: TestMessage) -> str | None:
        """The sender a leading "From " line gives (uucp_from_sender); None if unusable."""
        template = str(self.config.option("uucp_from_sender"))
        try:
            text = (message.from_line_sender or "" if template == "$1"
                    else self.expand(template, message.from_line_match))
            found = extract_address(text, allow_null=True)
        except (ExpansionError, AddressError):
            return None         # Exim ignores a "From " line it cannot use
        return self.qualified(found.address, found.domain, self.qualify_sender)

    def gecos_name(self, caller: Caller) -> str:
        """The caller's name: -F, else the gecos field through gecos_pattern/gecos_name."""
        if self.inv.sender_name is not None:
            return self.inv.sender_name
        pattern = self.config.option("gecos_pattern")
        template = self.config.option("gecos_name")
        if pattern is None or template is None:
            return caller.name
        try:
            match = compile_pcre(str(pattern)).search(caller.name)
            if match is None:
                return caller.name
            return self.expand(str(template), [match.group(0), *groups_of(match)])
        except (RegexError, ExpansionError):
            return caller.name   # Exim keeps the gecos field when these fail

    def new_message_id(self) -> str:
        number = self.config.option("localhost_number")
        return MessageIdGenerator(
            localhost_number=number if isinstance(number, int) else None).next_id()

    # --- running ----------------------------------------------------------------
    def run(self) -> int:
        files = self.open_filters()
        caller = caller_of(self.config)
        sender = self.command_line_sender()
        forced = sender is not None
        # With -f (and no -F) Exim leaves the caller's name empty.
        caller.name = self.gecos_name(caller) if not forced or self.inv.sender_name else ""
        if sender is None:
            sender = self.qualified(caller.login, 0, self.qualify_sender)
        sender_local = not forced      # a local sender, unless -f was used

        message = read_test_message(sys.stdin.buffer.read(), self.inv.dot_ends)
        if message.from_line_sender is not None and not forced:
            taken = self.from_line_sender(message)
            if taken is not None:
                sender = taken
                caller.name, sender_local = "", False
                self.out('Sender taken from "From " line')
        if not message.headers:
            self.out("Warning: no message headers read")
        return_path = self.type_headers(message.headers, caller, sender_local)
        message_id = self.new_message_id()
        LocalFixups(self, caller, sender, sender_local, forced, message_id).apply(
            message.headers)
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

        envelope = Envelope(local_part=local_part, domain=domain, sender_address=sender,
                            return_path=return_path, prefix=inv.filter_prefix,
                            suffix=inv.filter_suffix, home=caller.home, message_id=message_id,
                            message_size=message.header_size + len(message.body))
        ctx = self.context(message, envelope, recipient, caller)
        runner = FilterRunner(self, ctx, envelope, message.from_line_match)
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
                raise Abort(f"pyexim: failed to open {path}: {error.strerror}") from None
        return files

    def type_headers(self, headers: list[HeaderLine], caller: Caller,
                     sender_local: bool) -> str | None:
        """Flag the headers as receive.c does; the Return-path: value, if there is one."""
        option = self.config.option
        kinds = [header_kind(h.text) for h in headers]
        type_received_headers(headers, HeaderTyping(
            sender_local=sender_local, trusted_caller=caller.trusted,
            return_path_remove=bool(option("return_path_remove")),
            delivery_date_remove=bool(option("delivery_date_remove")),
            envelope_to_remove=bool(option("envelope_to_remove"))))
        return_path = None
        for header, kind in zip(headers, kinds):
            if kind == "p":         # each one counts; the last wins
                return_path = _return_path_value(header.text)
                self.out('Return-path taken from "Return-path:" header line')
        return return_path

    def context(self, message: TestMessage, envelope: Envelope, recipient: str,
                caller: Caller) -> ExpansionContext:
        """The expansion context the filters see."""
        option = self.config.option
        visible = int(str(option("message_body_visible")))
        body = message.body.decode("latin-1")
        ctx = ExpansionContext(config=self.config, options=ExpansionOptions(
            headers_charset=str(option("headers_charset")),
            print_topbitchars=bool(option("print_topbitchars")),
            check_rfc2047_length=bool(option("check_rfc2047_length")),
            message_body_visible=visible))
        ctx.values.update(self.config_values())
        ctx.values.update({
            "sender_address": envelope.sender_address, "return_path": envelope.return_path,
            "local_part": envelope.local_part, "domain": envelope.domain,
            "original_local_part": envelope.local_part, "original_domain": envelope.domain,
            "local_part_prefix": envelope.prefix or "",
            "local_part_suffix": envelope.suffix or "", "home": envelope.home,
            "message_id": envelope.message_id, "message_size": envelope.message_size,
            "message_body_size": len(message.body), "body_linecount": message.body_linecount,
            "body_zerocount": message.body_zerocount,
            "message_linecount": message.header_lines, "received_protocol": "local",
            "originator_uid": caller.uid, "originator_gid": caller.gid,
            "caller_uid": caller.uid, "caller_gid": caller.gid, "recipients_count": 1,
        })
        ctx.headers = [HeaderView(h.text, h.type) for h in message.headers]
        ctx.message_body = _visible(body[:visible])
        ctx.message_body_end = _visible(body[-visible:] if visible else "")
        ctx.recipients = [recipient]
        ctx.first_delivery = True
        return ctx


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
        self.headers: list[HeaderLine] = []

    def add(self, text: str, kind: str, at_end: bool = True) -> HeaderLine:
        line = HeaderLine(text, kind)
        if at_end:
            self.headers.append(line)
        else:
            self.headers.insert(0, line)
        return line

    def apply(self, headers: list[HeaderLine]) -> None:
        """Add what is missing to *headers*, in place."""
        self.headers = headers
        option = self.test.config.option
        resents = any(_is_resent(h) for h in headers)
        prefix = "Resent-" if resents else ""
        dated = any(header_kind(h.text) == "d" and (not resents or _is_resent(h))
                    for h in headers)
        from_header = self.gecos_from(resents)
        if not any(h.type == HTYPE_ID for h in headers):
            domain = self.id_part("message_id_header_domain", r"[^A-Za-z0-9.]",
                                  str(option("primary_hostname")))
            text = self.id_part("message_id_header_text",
                                r"[\x00-\x1f ()<>@,;:\\\".\[\]\x7f]", "")
            self.add(f"{prefix}Message-Id: <E{self.message_id}{'.' if text else ''}{text}"
                     f"@{domain}>\n", HTYPE_ID, at_end=not resents)
        if from_header is None:
            from_header = self.add_from(prefix)
        if (from_header is not None and option("local_from_check") and self.sender_local
                and not self.caller.trusted):
            self.add_sender(from_header, prefix)
        if not dated:
            self.add(f"{prefix}Date: {self.test.expand('$tod_full')}\n", " ",
                     at_end=not resents)

    def gecos_from(self, resents: bool) -> HeaderLine | None:
        """The From: that Sender: checks; one that is just the login gets name and domain."""
        login = self.caller.login
        from_header = None
        for header in list(self.headers):
            if header.type != HTYPE_FROM or (resents and not _is_resent(header)):
                continue
            from_header = header
            value = header.text[header.text.index(":") + 1:].lstrip(C_SPACE)[:-1]
            if value.lower() == login.lower():
                name = "Resent-From" if _is_resent(header) else "From"
                header.type = HTYPE_OLD
                from_header = self.add(f"{name}: {self.caller.name} <{login}@"
                                       f"{self.test.qualify_sender}>\n", HTYPE_FROM)
        return from_header

    def add_from(self, prefix: str) -> HeaderLine | None:
        """A From: for a message without one: the caller's name and the sender."""
        use_name = not self.caller.trusted or self.test.inv.sender_name is not None or (
            not self.forced)
        name = self.caller.name if use_name else ""
        if self.sender:
            address = self.sender
        elif self.sender_local:
            address = f"{self.caller.login}@{self.test.qualify_sender}"
        else:
            return None
        line = self.add(f"{prefix}From: {name}{' <' if name else ''}{address}"
                        f"{'>' if name else ''}\n", HTYPE_FROM)
        # Exim checks Sender: against a From: it made for the empty sender only in
        # submission mode, which a filter test never is.
        return line if self.sender else None

    def id_part(self, name: str, bad: str, default: str) -> str:
        """message_id_header_domain/_text: expanded, with unwanted characters made '-'."""
        setting = self.test.config.option(name)
        if setting is None:
            return default
        try:
            value = self.test.expand(str(setting))
        except ExpansionError:
            return default      # Exim logs the failure and keeps the default
        return re.sub(bad, "-", value) if value else default

    def add_sender(self, from_header: HeaderLine, prefix: str) -> None:
        """Add Sender: when an untrusted local caller's From: is not its own address."""
        login = self.caller.login
        own = f"{login}@{self.test.qualify_sender}"
        text = from_header.text
        try:
            found = extract_address(text[text.index(":") + 1:])
            matches = (found.address.lower() == own.lower()
                       or (not found.domain and found.address.lower() == login.lower()))
        except AddressError:
            matches = False
        if not matches:
            self.add(f"{prefix}Sender: {self.caller.name} <{own}>\n", HTYPE_SENDER)


class FilterRunner:
    """Runs each filter file as filtertest.c's filter_runtest does."""

    def __init__(self, test: FilterTest, ctx: ExpansionContext, envelope: Envelope,
                 numeric: tuple[str, ...]):
        self.test = test
        self.ctx = ctx
        self.envelope = envelope
        self.system_n: tuple[int, ...] = (0,) * 10
        # $0.. left by the "From " line match; the first Exim filter to end clears them.
        self.numeric = numeric

    def run(self, path: str, text: str, system: bool) -> bool:
        """Test one filter; False when it had an error (the exit status becomes 1)."""
        out = self.test.out
        kind = filter_kind(text)
        if system and kind == "forward":
            kind = "exim"
        label = {"exim": "Exim filter", "sieve": "Sieve filter", "forward": "forward file"}
        out(f'Testing {label[kind]} file "{path}"')
        out("")
        if kind == "forward":
            return self.forward(text)
        env = EngineEnv(self.ctx, self.test.rewrite_recipient)
        verbose = self.test.inv.verbose
        trace = _stderr if verbose else _ignore
        if kind == "sieve":
            run_sieve(text, env, self.envelope, SieveOptions(testing=True, verbose=verbose),
                      report=out, trace=trace)
            return True
        permitted = frozenset({"defer", "fail", "freeze"}) if system else frozenset()
        numeric, self.numeric = self.numeric, ()
        try:
            parsed = parse_exim_filter(text, system_filter=system, permitted=permitted)
        except FilterSyntaxError as error:
            out(f"Filter error: {error}")
            return False
        options = EximFilterOptions(system_filter=system, permitted=permitted,
                                    system_variables=self.system_n, testing=True,
                                    verbose=verbose)
        recipients = self.ctx.recipients
        if not system:
            self.ctx.recipients = None      # $recipients only in system filters
        result = run_exim_filter(parsed, env, self.envelope, options, report=out, trace=trace,
                                 numeric=numeric)
        self.ctx.recipients = recipients
        if system:
            self.system_n = result.n_values     # the user filter's $sn0..$sn9
        return result.outcome != Outcome.ERROR

    def forward(self, text: str) -> bool:
        """A plain .forward file: what it would generate (newest first, as Exim lists them)."""
        out = self.test.out
        result = parse_forward_list(text, self.envelope.domain, self.test.rewrite_recipient)
        if result.outcome == Outcome.FAIL:
            out('exim: forward file contains ":fail:"')
        elif result.outcome == Outcome.BLACKHOLE:
            out('exim: forwardfile contains ":blackhole:"')
        elif result.outcome == Outcome.ERROR:
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


def _ignore(line: str) -> None:
    del line


def run(invocation: Invocation) -> int:
    """Run -bf/-bF; 0 when every filter ran without error, else 1."""
    config = load_config_or_report(invocation)
    if config is None:
        return 1
    stdout = sys.stdout.buffer

    def out(line: str) -> None:
        stdout.write(line.encode("latin-1", "replace") + b"\n")

    try:
        status = FilterTest(invocation, config, out).run()
    except Abort as abort:
        stdout.flush()
        print(abort, file=sys.stderr)
        return 1
    stdout.flush()
    return status
