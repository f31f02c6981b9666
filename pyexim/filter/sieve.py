"""Sieve filters (spec: "Sieve filter files"; RFC 5228 and extensions; Exim: sieve.c).

Extensions, as in Exim 4.96: ``fileinto``, ``envelope``, ``copy``, ``subaddress``
(``:user``/``:detail``), ``vacation`` (RFC 5230), ``enotify`` (RFC 5435, mailto only),
``encoded-character``, and the comparators ``i;octet``, ``i;ascii-casemap``
(``en;ascii-casemap``) and ``i;ascii-numeric``. No ``reject``, ``relational``,
``regex``, ``imap4flags`` or ``variables``: Exim does not have them either, and a
script that requires them gets Exim's "unknown capability".

Exim runs a Sieve script the way it reads it: one pass that parses each command
and, when the enclosing blocks are being executed, obeys it at once. So an action
before a later syntax error has happened (its destination is generated), commands
after ``stop`` are never even read, and a ``require`` must precede everything, on
the same line as the previous ``require``'s semicolon. Error messages carry the
scanner's line number at the moment of the error. So this is a hand-written
recursive reader over :class:`~pyexim.filter.sieve_scan.SieveScanner`, for the same
reasons as the Exim filter reader: the exact messages and line numbers are part of
the behaviour (a Lark grammar would parse a different language: it would read the
whole script first and report other lines).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable

from pyexim.address import AddressError, extract_address
from pyexim.errors import NotAvailableError
from pyexim.expand.rfc2047 import decode_2047, quote_2047
from pyexim.filter.addresses import address_list
from pyexim.filter.env import Envelope, FilterEnv, FilterExpansionError
from pyexim.filter.personal import is_personal
from pyexim.filter.result import FilterResult, Generated, Kind, Outcome, Reply
from pyexim.filter.sieve_match import Comparator, MatchError, MatchType, ascii_fold, compare
from pyexim.filter.sieve_scan import SieveError, SieveScanner
from pyexim.filter.sieve_text import MailtoUri, SieveTextError, parse_mailto, quoted_printable
from pyexim.record import record

Report = Callable[[str], None]

# Vacation :days limits (sieve.c VACATION_MIN_DAYS / VACATION_MAX_DAYS); the default is 7.
_VACATION_MIN_DAYS = 1
_VACATION_MAX_DAYS = 31

# Capabilities a script may require; the value says what the require switches on.
_CAPABILITIES = {
    "envelope": "envelope", "fileinto": "fileinto", "encoded-character": "encoded_character",
    "enotify": "enotify", "subaddress": "subaddress", "vacation": "vacation", "copy": "copy",
    "comparator-i;octet": None, "comparator-i;ascii-casemap": None,
    "comparator-en;ascii-casemap": None, "comparator-i;ascii-numeric": "ascii_numeric",
}

# Header names the address test accepts (RFC 5228 section 5.1), compared caselessly.
_ADDRESS_HEADERS = ("from", "to", "cc", "bcc", "sender", "resent-from", "resent-to")

class _Stop(Exception):
    """The ``stop`` command: the rest of the script is not even read."""


@record(frozen=True)
class SieveOptions:
    """The redirect router's Sieve options (already expanded where Exim expands them early).

    ``vacation_directory`` (sieve_vacation_directory) enables ``vacation``;
    ``enotify_mailto_owner`` enables ``enotify``; ``useraddress``/``subaddress`` are the
    expansion strings for envelope ``:user`` and ``:detail`` (sieve_useraddress,
    sieve_subaddress). ``submit`` sends a notification message (envelope sender,
    message text); it is required only when a ``notify`` is obeyed for real.
    """

    vacation_directory: str | None = None
    enotify_mailto_owner: str | None = None
    useraddress: str | None = None
    subaddress: str | None = None
    testing: bool = False
    verbose: bool = False
    submit: Callable[[str, str], None] | None = None
    check_rfc2047_length: bool = True


@record
class _Notification:
    method: str
    importance: str | None
    message: str | None


class _Script(SieveScanner):
    """One run of a Sieve script: the scanner state and what the script has done."""

    def __init__(self, text: str, env: FilterEnv, envelope: Envelope, options: SieveOptions,
                 trace: Report):
        super().__init__(text)
        self.env = env
        self.envelope = envelope
        self.options = options
        self.trace = trace if options.verbose else (lambda line: None)
        self.keep = True
        self.vacation_ran = False
        self.notified: list[_Notification] = []
        self.generated: list[Generated] = []

    def matches(self, key: str, value: str, comparator: Comparator, match: MatchType) -> bool:
        self.trace(f'String comparison (match {match.value}, comparison "{comparator.value}"):')
        self.trace(f"  Search = {key} ({len(key)} chars)")
        self.trace(f"  Inside = {value} ({len(value)} chars)")
        try:
            result = compare(key, value, comparator, match, "ascii_numeric" in self.required)
        except MatchError as error:
            raise SieveError(str(error)) from None
        self.trace(f"  Result {'true' if result else 'false'}")
        return result

    def expand(self, text: str, failure: str = "header string expansion failed") -> str:
        """Expand *text*; a failure becomes a Sieve error with Exim's *failure* message."""
        try:
            return self.env.expand(text, None)
        except FilterExpansionError:
            raise SieveError(failure) from None

    # --- tests -------------------------------------------------------------------
    def test(self, run: bool) -> bool | None:
        """Parse one test (and evaluate it when *run*); None when no test is next."""
        self.white()
        for name, handler in _TESTS:
            if self.identifier(name):
                return handler(self, run)
        return None

    def test_address(self, run: bool) -> bool:
        part, comparator, match = self.tags(address_part=True)
        headers = self.required_list("header string list expected")
        keys = self.required_list("key string list expected")
        for header in headers:
            if ascii_fold(header) not in _ADDRESS_HEADERS:
                raise SieveError("invalid header field")
            if run and self.address_header_matches(header, keys, part, comparator, match):
                return True
        return False

    def address_header_matches(self, header: str, keys: list[str], part: str,
                               comparator: Comparator, match: MatchType) -> bool:
        # Addresses only: no MIME decoding. Groups are allowed in these headers.
        for extracted in address_list(self.raw_header(header), groups=True):
            if extracted is None or part == "detail":
                continue
            piece = extracted.address
            if part in ("user", "localpart"):
                piece = extracted.local_part
            elif part == "domain":
                piece = piece[extracted.domain:]
            for key in keys:
                if self.matches(key, piece, comparator, match):
                    return True
        return False

    # --- headers (Exim builds $rheader_NAME and ${if def:header_NAME} expansions) ----
    @staticmethod
    def exim_name(name: str) -> str:
        """The header name as Exim's expansion ends up reading it.

        Exim quotes ``$``, ``{`` and ``}`` with a backslash (and NUL as ``\\0``) before
        putting the name into an expansion string, and the expansion reads the
        backslashes as part of the name, so such names never match. Copied on purpose.
        """
        out = []
        for c in name:
            out.append("\\0" if c == "\0" else "\\" + c if c in "${}" else c)
        return "".join(out) + ":"

    def raw_header(self, name: str) -> str:
        return self.env.find_header(self.exim_name(name), raw=True) or ""

    def header_exists(self, name: str) -> bool:
        return self.env.find_header(self.exim_name(name), exists_only=True) is not None

    def decoded_header(self, name: str) -> str:
        """A header as Sieve compares it: raw values joined and unfolded, trimmed, decoded.

        Leading blanks go before the newlines are removed, so a blank after a folded
        first line stays, as in Exim.
        """
        value = self.raw_header(name).lstrip(" \t").replace("\n", "").rstrip(" \t")
        decoded, _error = decode_2047(value, self.options.check_rfc2047_length, "utf-8")
        return decoded if decoded is not None else value

    def test_list(self, run: bool) -> list[bool]:
        self.white()
        if self.char() != "(":
            raise SieveError("missing test list")
        self.pos += 1
        results: list[bool] = []
        while True:
            result = self.test(run)
            if result is None:
                raise SieveError("missing test")
            results.append(result)
            self.white()
            if self.char() != ",":
                break
            self.pos += 1
        if self.char() != ")":
            raise SieveError("missing closing paren")
        self.pos += 1
        return results

    def test_allof(self, run: bool) -> bool:
        return all(self.test_list(run))

    def test_anyof(self, run: bool) -> bool:
        return any(self.test_list(run))

    def test_exists(self, run: bool) -> bool:
        names = self.required_list("header string list expected")
        if not run:
            return False
        for name in names:
            if any(not ("!" <= c <= "~" or c >= "\x80") or c == ":" for c in name):
                # Exim builds ${if def:header_NAME ...}; such a name breaks that expansion.
                raise SieveError("header string expansion failed")
            if not self.header_exists(name):
                return False
        return True

    def test_false(self, run: bool) -> bool:
        return False

    def test_true(self, run: bool) -> bool:
        return True

    def test_header(self, run: bool) -> bool:
        _part, comparator, match = self.tags(address_part=False)
        headers = self.required_list("header string list expected")
        keys = self.required_list("key string list expected")
        for header in headers:
            if not header or any(c <= " " or c in ":\x7f" for c in header):
                raise SieveError("invalid header field")
            if not run:
                continue
            if not self.header_exists(header):
                continue
            value = self.decoded_header(header)
            for key in keys:
                if self.matches(key, value, comparator, match):
                    return True
        return False

    def test_not(self, run: bool) -> bool:
        self.white()
        result = self.test(run)
        if result is None:
            raise SieveError("missing test")
        return not result

    def test_size(self, run: bool) -> bool:
        self.white()
        if self.identifier(":over"):
            over = True
        elif self.identifier(":under"):
            over = False
        else:
            raise SieveError("missing :over or :under")
        self.white()
        limit = self.number()
        size = self.envelope.message_size
        return size > limit if over else size < limit

    def test_envelope(self, run: bool) -> bool:
        if "envelope" not in self.required:
            raise SieveError('missing previous require "envelope";')
        part, comparator, match = self.tags(address_part=True)
        parts = self.required_list("envelope string list expected")
        keys = self.required_list("key string list expected")
        for which in parts:
            expression = self.envelope_expression(ascii_fold(which), part)
            if not run or expression is None:
                continue
            value = self.expand(expression)
            for key in keys:
                if self.matches(key, value, comparator, match):
                    return True
        return False

    def envelope_expression(self, which: str, part: str) -> str | None:
        """The expansion Exim uses for an envelope part; None for ``:detail`` without a setting."""
        if which == "from":
            return {"all": "$sender_address", "user": "${local_part:$sender_address}",
                    "localpart": "${local_part:$sender_address}",
                    "domain": "${domain:$sender_address}", "detail": None}[part]
        if which == "to":
            local = "$local_part_prefix$local_part$local_part_suffix"
            return {"all": f"{local}@$domain", "localpart": local, "domain": "$domain",
                    "user": self.options.useraddress or local,
                    "detail": self.options.subaddress}[part]
        raise SieveError("invalid envelope string")

    def test_valid_notify_method(self, run: bool) -> bool:
        if "enotify" not in self.required:
            raise SieveError('missing previous require "enotify";')
        uris = self.required_list("URI string list expected")
        if not run:
            return False
        for uri in uris:
            try:
                parse_mailto(uri)
            except SieveTextError:
                return False
        return True

    def test_notify_method_capability(self, run: bool) -> bool:
        if "enotify" not in self.required:
            raise SieveError('missing previous require "enotify";')
        _part, comparator, match = self.tags(address_part=False)
        uri = self.string()
        if uri is None:
            raise SieveError("missing notification URI string")
        self.white()
        capability = self.string()
        if capability is None:
            raise SieveError("missing notification capability string")
        keys = self.required_list("missing key string list")
        if not run:
            return False
        try:
            parse_mailto(uri)
        except SieveTextError:
            return False
        if ascii_fold(capability) != "online":
            return False
        return any(self.matches(key, "maybe", comparator, match) for key in keys)

    # --- commands ----------------------------------------------------------------
    def block(self, run: bool) -> bool:
        """``{ commands }``; False when no block is next."""
        self.white()
        if self.char() != "{":
            return False
        self.pos += 1
        self.commands(run)
        if self.char() != "}":
            raise SieveError("expecting command or closing brace")
        self.pos += 1
        return True

    def commands(self, run: bool) -> None:
        """Commands until one is not recognised (Exim's parse_commands)."""
        while self.pos < len(self.text):
            self.white()
            for name, handler in _COMMANDS:
                if self.identifier(name):
                    handler(self, run)
                    break
            else:
                return

    def command_if(self, run: bool) -> None:
        self.white()
        cond = self.test(run)
        if cond is None:
            raise SieveError("missing test")
        if run:
            self.trace(f"if {'true' if cond else 'false'}")
        if not self.block(run and cond):
            raise SieveError("missing block")
        unsuccessful = not cond
        while True:
            self.white()
            if not self.identifier("elsif"):
                break
            self.white()
            cond = self.test(run and unsuccessful)
            if cond is None:
                raise SieveError("missing test")
            if run:
                self.trace(f"elsif {'true' if cond else 'false'}")
            if not self.block(run and unsuccessful and cond):
                raise SieveError("missing block")
            if run and unsuccessful and cond:
                unsuccessful = False
        self.white()
        if self.identifier("else") and not self.block(run and unsuccessful):
            raise SieveError("missing block")

    def command_stop(self, run: bool) -> None:
        self.semicolon()
        if run:
            self.pos = len(self.text)
            raise _Stop()

    def command_keep(self, run: bool) -> None:
        self.semicolon()
        if run:
            self.add(Generated("inbox", Kind.FILE, mode=0))
            self.keep = False

    def command_discard(self, run: bool) -> None:
        self.semicolon()
        if run:
            self.keep = False

    def copy_tag(self) -> bool:
        copy = False
        while True:
            self.white()
            if not self.identifier(":copy"):
                return copy
            if "copy" not in self.required:
                raise SieveError('missing previous require "copy";')
            copy = True

    def command_redirect(self, run: bool) -> None:
        copy = self.copy_tag()
        self.white()
        recipient = self.string()
        if recipient is None:
            raise SieveError("missing redirect recipient string")
        if "@" not in recipient.split("\0", 1)[0]:
            raise SieveError("unqualified recipient address")
        if run:
            self.add(Generated(recipient, Kind.ADDRESS))
            if not copy:
                self.keep = False
        self.semicolon()

    def command_fileinto(self, run: bool) -> None:
        if "fileinto" not in self.required:
            raise SieveError('missing previous require "fileinto";')
        copy = self.copy_tag()
        self.white()
        folder = self.string()
        if folder is None:
            raise SieveError("missing fileinto folder string")
        path = folder.split("\0", 1)[0]
        if (not folder or path == ".." or path.startswith("../") or path.endswith("/..")
                or "/../" in path):
            raise SieveError("invalid folder")
        if run:
            self.add(Generated(folder, Kind.FILE, mode=0))
            if not copy:
                self.keep = False
        self.semicolon()

    def add(self, new: Generated) -> None:
        """Add a destination unless it is already there (RFC 5228: no duplicate deliveries)."""
        what = "fileinto" if new.kind == Kind.FILE else "redirect"
        for old in self.generated:
            if old.address == new.address and (new.kind != Kind.FILE
                                                or old.kind in (Kind.FILE, Kind.PIPE, Kind.REPLY)):
                self.trace(f"Repeated {what} `{new.address}' ignored.")
                return
        self.trace(f"{what} `{new.address}'")
        self.generated.append(new)

    def command_notify(self, run: bool) -> None:
        if "enotify" not in self.required:
            raise SieveError('missing previous require "enotify";')
        sender = self.envelope.sender_address
        envelope_from = self.expand(
            "$local_part_prefix$local_part$local_part_suffix@$domain",
            "expansion failure for envelope from") if sender else ""
        sender_text: str | None = None
        importance: str | None = None
        message: str | None = None
        while True:
            self.white()
            if self.identifier(":from"):
                sender_text = self.tagged_string("from string expected")
            elif self.identifier(":importance"):
                importance = self.tagged_string("importance string expected")
                if len(importance) != 1 or importance not in "123":
                    raise SieveError("invalid importance")
            elif self.identifier(":options"):
                self.white()
            elif self.identifier(":message"):
                message = self.tagged_string("message string expected")
            else:
                break
        self.white()
        method = self.string()
        if method is None:
            raise SieveError("missing method string")
        self.semicolon()
        try:
            uri = parse_mailto(method)
        except SieveTextError as error:
            raise SieveError(str(error)) from None
        if run:
            self.notify(method, uri, envelope_from, sender_text, importance, message)

    def notify(self, method: str, uri: MailtoUri, envelope_from: str, sender_text: str | None,
               importance: str | None, message: str | None) -> None:
        if message is None:
            message = uri.subject
        if message is None:
            message = self.decoded_header("Subject")
        if self.header_exists("auto-submitted") and self.decoded_header("Auto-Submitted") != "no":
            self.trace("Ignoring notification, triggering message contains "
                       "Auto-submitted: field.")
            return
        this = _Notification(method, importance, message)
        if this in self.notified:
            self.trace(f"Repeated notification to `{method}' ignored.")
            return
        self.notified.insert(0, this)
        if not self.options.testing:
            self.send_notification(uri, envelope_from, sender_text, message)
        self.trace(f"Notification to `{method}': '{message}'.")

    def send_notification(self, uri: MailtoUri, envelope_from: str, sender_text: str | None,
                          message: str | None) -> None:
        if self.options.submit is None:
            raise NotAvailableError("Sieve notify: no way to submit the notification message")
        own = self.expand("$local_part_prefix$local_part$local_part_suffix@$domain",
                             "expansion failure for envelope from")
        lines = [f"From: {sender_text if sender_text is not None else own}\n"]
        lines += [f"To: {recipient}\n" for recipient in uri.recipients]
        lines.append(f"Auto-Submitted: auto-notified; {self.options.enotify_mailto_owner}\n")
        if uri.headers:
            lines.append(uri.headers)
        subject = message if message is not None else "Notification"
        lines.append(f"Subject: {quote_2047(subject, 'utf-8', True)}\n")
        lines.append("\n")
        if uri.body:
            lines.append(uri.body + "\n")
        self.options.submit(envelope_from, "".join(lines))

    def command_vacation(self, run: bool) -> None:
        if "vacation" not in self.required:
            raise SieveError('missing previous require "vacation";')
        if run:
            if self.vacation_ran:
                raise SieveError("trying to execute vacation more than once")
            self.vacation_ran = True
        days = max(_VACATION_MIN_DAYS, 7)
        subject: str | None = None
        sender: str | None = None
        aliases: list[str] = []
        mime = False
        while True:
            self.white()
            if self.identifier(":days"):
                self.white()
                days = min(max(self.number(), _VACATION_MIN_DAYS), _VACATION_MAX_DAYS)
            elif self.identifier(":subject"):
                subject = self.tagged_string("subject string expected")
            elif self.identifier(":from"):
                sender = self.tagged_string("from string expected")
                self.check_address(sender)
            elif self.identifier(":addresses"):
                aliases = self.required_list("addresses string list expected") + aliases
            elif self.identifier(":mime"):
                mime = True
            elif self.identifier(":handle"):
                # Exim reads the handle into the :from value (and never uses a handle).
                sender = self.tagged_string("handle string expected")
            else:
                break
        self.white()
        reason = self.string()
        if reason is None:
            raise SieveError("missing reason string")
        if mime and any(c >= "\x80" for c in reason):
            raise SieveError("MIME reason string contains 8bit text")
        self.semicolon()
        if run:
            self.vacation(days, subject, sender, aliases, mime, reason)

    def check_address(self, text: str) -> None:
        if not text:
            raise SieveError("empty address")
        try:
            extract_address(text.split("\0", 1)[0])
        except AddressError as error:
            raise SieveError(f'malformed address "{text}" ({error})') from None

    def vacation(self, days: int, subject: str | None, sender: str | None,
                 aliases: list[str], mime: bool, reason: str) -> None:
        if not is_personal(self.env.header_lines(), self.envelope, aliases, scan_cc=True):
            self.trace("Sieve: mail was not personal, vacation would ignore it")
            return
        directory = self.options.vacation_directory
        if not self.options.testing and directory:
            os.makedirs(directory, mode=0o700, exist_ok=True)
        key = f"{subject or ''}{sender or ''}{'1' if mime else '0'}{reason}"
        digest = hashlib.md5(key.encode("latin-1")).hexdigest().upper()
        self.trace(f"Sieve: mail was personal, vacation file basename: {digest}")
        if self.options.testing:
            return
        if subject is None:
            subject = (f"Auto: {self.decoded_header('Subject')}"
                       if self.header_exists("subject") else "Automated reply")
        return_path = self.envelope.sender_address or ""
        if mime:
            # Exim looks for the blank line only before the last four characters, and
            # without one takes the last character as the body.
            split = 0
            while split < len(reason) - 4 and reason[split:split + 4] != "\r\n\r\n":
                split += 1
            headers = reason[:split]
            text = reason[split + 4:] if split + 4 < len(reason) else reason[-1:]
        else:
            headers = ("MIME-Version: 1.0\nContent-Type: text/plain;\n\tcharset=\"utf-8\"\n"
                       "Content-Transfer-Encoding: quoted-printable")
            text = quoted_printable(reason)
        reply = Reply(to=return_path,
                      from_=sender if sender is not None else self.expand(
                          "$local_part@$domain", "header string expansion failed"),
                      subject=quote_2047(subject, "utf-8", True), headers=headers, text=text,
                      oncelog=f"{directory}/{digest}", once_repeat=days * 86400)
        self.generated.append(Generated(f">{return_path[:256]}", Kind.REPLY, ignore_error=True,
                                        reply=reply))

    # --- the whole script --------------------------------------------------------
    def requires(self) -> None:
        """The ``require`` commands at the start of the script."""
        while self.identifier("require"):
            for capability in self.required_list("capability string list expected"):
                if capability not in _CAPABILITIES:
                    raise SieveError("unknown capability")
                if capability == "enotify" and not self.options.enotify_mailto_owner:
                    raise SieveError("enotify disabled")
                if (capability == "vacation" and not self.options.testing
                        and not self.options.vacation_directory):
                    raise SieveError("vacation disabled")
                flag = _CAPABILITIES[capability]
                if flag is not None:
                    self.required.add(flag)
            self.semicolon()

    def run(self) -> None:
        """Parse and obey the script (Exim's parse_start)."""
        self.white()
        directory = self.options.vacation_directory
        if directory and not self.options.testing:
            _expire_vacation_files(directory)
        self.requires()
        try:
            self.commands(True)
        except _Stop:
            return
        if self.pos < len(self.text):
            raise SieveError("syntax error")


def _expire_vacation_files(directory: str) -> None:
    """Remove vacation "once" files older than the longest :days (sieve.c parse_start)."""
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return
    except OSError:
        raise SieveError("unable to open vacation directory") from None
    now = time.time()
    for name in names:
        if len(name) != 32:
            continue
        path = os.path.join(directory, name)
        try:
            if os.stat(path).st_mtime + _VACATION_MAX_DAYS * 86400 < now:
                os.unlink(path)
        except OSError:
            continue


# Tests and commands in the order Exim tries them (sieve.c parse_test, parse_commands).
_TESTS: tuple[tuple[str, Callable[[_Script, bool], bool]], ...] = (
    ("address", _Script.test_address), ("allof", _Script.test_allof),
    ("anyof", _Script.test_anyof), ("exists", _Script.test_exists),
    ("false", _Script.test_false), ("header", _Script.test_header),
    ("not", _Script.test_not), ("size", _Script.test_size), ("true", _Script.test_true),
    ("envelope", _Script.test_envelope),
    ("valid_notify_method", _Script.test_valid_notify_method),
    ("notify_method_capability", _Script.test_notify_method_capability),
)

_COMMANDS: tuple[tuple[str, Callable[[_Script, bool], None]], ...] = (
    ("if", _Script.command_if), ("stop", _Script.command_stop),
    ("keep", _Script.command_keep), ("discard", _Script.command_discard),
    ("redirect", _Script.command_redirect), ("fileinto", _Script.command_fileinto),
    ("notify", _Script.command_notify), ("vacation", _Script.command_vacation),
)


def run_sieve(text: str, env: FilterEnv, envelope: Envelope,
              options: SieveOptions = SieveOptions(), *, report: Report = print,
              trace: Report = print) -> FilterResult:
    """Run a Sieve script; Exim's sieve_interpret.

    The outcome is always DELIVERED: the implicit keep (or, after an error, the
    "inbox" Exim falls back to) is among the generated destinations. In testing mode
    the verdict ("Implicit keep", "No implicit keep" or "Sieve error: ... in line N")
    is written to *report*; *trace* gets the -v trace.
    """
    script = _Script(text, env, envelope, options, trace)
    try:
        script.run()
        verdict = "Implicit keep" if script.keep else "No implicit keep"
        if script.keep:
            script.add(Generated("inbox", Kind.FILE, mode=0))
        error = None
    except SieveError as failure:
        verdict = f"Sieve error: {failure} in line {script.line}"
        script.add(Generated("inbox", Kind.FILE, mode=0))
        error = verdict
    if options.testing:
        report(verdict)
    elif options.verbose:
        trace(verdict)
    return FilterResult(Outcome.DELIVERED, script.generated, error=error)
