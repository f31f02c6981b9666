"""The -H spool file: the envelope and headers of a message (spec: "Format of spool files";
Exim: spool_out.c spool_write_header, spool_in.c spool_read_header).

Pure functions over bytes, no I/O: :func:`format_header_file` writes exactly what Exim
4.96 writes for the same record, and :func:`parse_header_file` accepts everything Exim
4.96 writes (and the older forms it still reads), refusing anything else with a
:class:`SpoolFormatError` that names the file, the line and the problem.

Layout::

    ID-H
    login uid gid
    <sender>
    received-time warning-count
    -option lines ("--name" when the value is tainted; ACL variables as
       "-aclm name length" then the value on the following line(s))
    non-recipients tree ("XX" when empty)
    recipient count
    recipients, one per line (extended "#3" form when DSN or errors_to data is present)
    blank line
    headers: 3-digit byte count, type flag, space, the header text
"""

from __future__ import annotations

import re

from pyexim.errors import PyEximError
from pyexim.hostaddr import extract_port
from pyexim.message import Envelope, HeaderLine, Message, Recipient, decode, encode
from pyexim.record import field, record
from pyexim.spool.msgid import IdFormat, id_format_of
from pyexim.spool.tree import ExactTree, TreeNode, spool_order
from pyexim.strings import span
from pyexim.taint import Tainted, is_tainted

__all__ = [
    "MAX_RECIPIENTS",
    "SpoolFormatError",
    "SpoolHeader",
    "acl_vars_in_spool_order",
    "format_header_file",
    "format_recipient",
    "parse_header_file",
    "parse_recipient",
]

# spool_in.c refuses a recipient count above this ("arbitrary sanity check").
MAX_RECIPIENTS = 16384


class SpoolFormatError(PyEximError):
    """A -H file that Exim would refuse to read.

    ``in_headers`` is True when the envelope was read and the header section is bad
    (``-bp`` still lists such a message); ``partial`` then holds what was read, and
    ``header_bytes`` the header size Exim had counted when it stopped (it counts a
    header's length before reading its text).
    """

    def __init__(self, file: str, problem: str, *, line: int | None = None,
                 in_headers: bool = False, partial: SpoolHeader | None = None,
                 header_bytes: int = 0):
        where = f" line {line}" if line is not None else ""
        super().__init__(f"spool format error in {file}{where}: {problem}")
        self.file = file
        self.problem = problem
        self.line = line
        self.in_headers = in_headers
        self.partial = partial
        self.header_bytes = header_bytes


@record
class SpoolHeader:
    """Everything a -H file holds, field for field.

    String fields from ``-name value`` lines keep Exim's taint mark by type: a
    :class:`~pyexim.taint.Tainted` value is written as ``--name``. ``tls_peerdn`` and
    ``tls_sni`` hold the spool's printable form (Exim's string_printing), as
    ``tls_peercert``/``tls_ourcert`` hold the exported certificate text. ``acl_vars``
    maps Exim's names (``"c0"``, ``"mfoo"``: the letter then the rest) to values, in
    the order they are written: connection variables first, each group in the order of
    a preorder walk of Exim's tree (see :func:`pyexim.spool.tree.spool_order`).
    ``quoters`` records ``--(lookup)name`` marks: option or ``acl_<name>`` -> lookup type.
    """

    message_id: str
    originator_login: str
    originator_uid: int
    originator_gid: int
    envelope: Envelope
    received_time: int
    warning_count: int = 0
    received_time_usec: int = 0
    received_time_complete: tuple[int, int] | None = None   # None: (received_time, 0)

    helo_name: str | None = None
    host_address: str | None = None
    host_port: int = 0
    host_name: str | None = None
    host_auth: str | None = None             # $sender_host_authenticated (driver name)
    host_auth_pubname: str | None = None
    interface_address: str | None = None
    interface_port: int = 0
    active_hostname: str | None = None       # only when it differs from primary_hostname
    ident: str | None = None
    received_protocol: str | None = None
    acl_vars: dict[str, str] = field(default_factory=dict)
    debug_selector: int | None = None
    debuglog_name: str | None = None
    wireformat: bool = False
    body_linecount: int = 0
    max_received_linelength: int = 0
    body_zerocount: int = 0
    auth_id: str | None = None
    auth_sender: str | None = None
    allow_unqualified_recipient: bool = False
    allow_unqualified_sender: bool = False
    deliver_firsttime: bool = False
    frozen_at: int | None = None             # -frozen TIME: the message is frozen
    dont_deliver: bool = False               # -N
    host_lookup_deferred: bool = False
    host_lookup_failed: bool = False
    sender_local: bool = False               # -local
    local_error_message: bool = False        # -localerror
    spam_bar: str | None = None
    spam_score: str | None = None
    spam_score_int: str | None = None
    manual_thaw: bool = False
    sender_set_untrusted: bool = False
    tls_certificate_verified: bool = False
    tls_cipher: str | None = None
    tls_peercert: str | None = None
    tls_peerdn: str | None = None
    tls_sni: str | None = None
    tls_ourcert: str | None = None
    tls_ocsp: int | None = None
    tls_resumption: int = 0                  # written as a letter, 'A' + value
    tls_ver: str | None = None
    smtputf8: bool = False
    utf8_downconvert: int = 0                # 1: -utf8_downcvt, -1: -utf8_optdowncvt

    nonrecipients: ExactTree = field(default_factory=ExactTree)
    headers: list[HeaderLine] = field(default_factory=list)
    quoters: dict[str, str] = field(default_factory=dict)
    unknown_options: list[str] = field(default_factory=list)   # read, ignored, never written

    @property
    def frozen(self) -> bool:
        return self.frozen_at is not None

    @property
    def header_size(self) -> int:
        """Bytes of the transmitted headers (``*`` ones excluded): spool_write_header's result."""
        return sum(h.slen for h in self.headers if h.type != "*")

    def message(self, body: bytes) -> Message:
        """The Message with this id and *body*, sharing this record's envelope and headers.

        Changes made through either (a rewritten header, a new recipient) show in both.
        """
        return Message(id=self.message_id, envelope=self.envelope, headers=self.headers,
                       body=body, body_linecount=self.body_linecount,
                       body_zerocount=self.body_zerocount,
                       max_received_linelength=self.max_received_linelength)


def acl_vars_in_spool_order(variables: dict[str, str]) -> dict[str, str]:
    """ACL variables (named as in SpoolHeader.acl_vars, in the order they were first set)
    re-ordered as Exim writes them: connection ones, then message ones, each in the
    preorder of the tree Exim built by inserting them in that order."""
    ordered: dict[str, str] = {}
    for prefix in ("c", "m"):
        names = [name for name in variables if name.startswith(prefix)]
        for name in spool_order(names):
            ordered[name] = variables[name]
    return ordered


# ---------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------

def _zap_newlines(text: str) -> str:
    """spool_out.c zap_newlines: newlines become spaces (recipients, errors_to, auth_sender)."""
    return text.replace("\n", " ")


def _address_with_port(name: str, address: str, port: int) -> str:
    """"[address]:port" as written for host and interface addresses."""
    if "]" in address:
        raise ValueError(f"spool field {name} cannot hold ']': {address!r}")
    return f"[{_no_newline(name, address)}]:{port}"


def _no_newline(name: str, value: str) -> str:
    """Refuse a value that would break its line (Exim would write a corrupt file)."""
    if "\n" in value or "\0" in value:
        raise ValueError(f"spool field {name} cannot hold a newline or NUL: {value!r}")
    return value


_ACL_VAR_NAME = re.compile(r"[cm][A-Za-z0-9_]+")


class _Writer:
    def __init__(self, header: SpoolHeader):
        self.header = header
        self.out: list[bytes] = []

    def line(self, text: str) -> None:
        self.out.append(encode(text) + b"\n")

    def marks(self, value: str, quoter_key: str) -> str:
        """"-", or "--" for a tainted value, or "--(lookup)" for one quoted for a lookup."""
        if not is_tainted(value):
            return "-"
        quoter = self.header.quoters.get(quoter_key)
        return f"--({quoter})" if quoter else "--"

    def var(self, name: str, value: str | None) -> None:
        """spool_var_write: "-name value", "--name value" when tainted."""
        if value is not None:
            self.line(f"{self.marks(value, name)}{name} {_no_newline(name, value)}")

    def acl_var(self, name: str, value: str) -> None:
        """acl_var_write: "-aclX rest length", then the value and a newline."""
        if not _ACL_VAR_NAME.fullmatch(name):
            raise ValueError(f"not an ACL variable name (c or m, then letters, digits, _): "
                             f"{name!r}")
        raw = encode(value)
        self.out.append(encode(f"{self.marks(value, 'acl_' + name)}acl{name[0]} {name[1:]} "
                               f"{len(raw)}") + b"\n" + raw + b"\n")


def format_header_file(header: SpoolHeader) -> bytes:
    """The bytes of the -H file for *header*, in spool_write_header()'s order.

    Raises ValueError for a value that cannot be written without corrupting the file
    (a newline or NUL in the sender or in a one-line option); recipients, errors_to,
    ORCPT and auth_sender have newlines turned into spaces, as Exim does.
    """
    h = header
    w = _Writer(h)
    w.line(f"{h.message_id}-H")
    login = decode(encode(h.originator_login)[:63])        # "%.63s"
    w.line(f"{login} {h.originator_uid} {h.originator_gid}")
    w.line(f"<{_no_newline('sender', h.envelope.sender)}>")
    w.line(f"{h.received_time} {h.warning_count}")
    w.line(f"-received_time_usec .{h.received_time_usec:06d}")
    complete = h.received_time_complete or (h.received_time, 0)
    w.line(f"-received_time_complete {complete[0]}.{complete[1]:06d}")
    w.var("helo_name", h.helo_name)
    if h.host_address is not None:
        dash = "--" if is_tainted(h.host_address) else "-"
        w.line(f"{dash}host_address {_address_with_port('host_address', h.host_address, h.host_port)}")
        w.var("host_name", h.host_name)
    w.var("host_auth", h.host_auth)
    w.var("host_auth_pubname", h.host_auth_pubname)
    if h.interface_address is not None:
        dash = "--" if is_tainted(h.interface_address) else "-"
        w.line(f"{dash}interface_address "
               f"{_address_with_port('interface_address', h.interface_address, h.interface_port)}")
    w.var("active_hostname", h.active_hostname)
    w.var("ident", h.ident)
    w.var("received_protocol", h.received_protocol)
    for prefix in ("c", "m"):
        for name, value in h.acl_vars.items():
            if name.startswith(prefix):
                w.acl_var(name, value)
    if h.debuglog_name:
        w.line(f"-debug_selector 0x{h.debug_selector or 0:x}")
        w.line(f"-debuglog_name {_no_newline('debuglog_name', h.debuglog_name)}")
    if h.wireformat:
        w.line("-spool_file_wireformat")
    else:
        w.line(f"-body_linecount {h.body_linecount}")
    w.line(f"-max_received_linelength {h.max_received_linelength}")
    if h.body_zerocount > 0:
        w.line(f"-body_zerocount {h.body_zerocount}")
    w.var("auth_id", h.auth_id)
    if h.auth_sender is not None:
        zapped = _zap_newlines(h.auth_sender)
        w.var("auth_sender", Tainted(zapped) if is_tainted(h.auth_sender) else zapped)
    for flag, text in ((h.allow_unqualified_recipient, "-allow_unqualified_recipient"),
                       (h.allow_unqualified_sender, "-allow_unqualified_sender"),
                       (h.deliver_firsttime, "-deliver_firsttime")):
        if flag:
            w.line(text)
    if h.frozen_at is not None:
        w.line(f"-frozen {h.frozen_at}")
    for flag, text in ((h.dont_deliver, "-N"), (h.host_lookup_deferred, "-host_lookup_deferred"),
                       (h.host_lookup_failed, "-host_lookup_failed"), (h.sender_local, "-local"),
                       (h.local_error_message, "-localerror")):
        if flag:
            w.line(text)
    w.var("spam_bar", h.spam_bar)
    w.var("spam_score", h.spam_score)
    w.var("spam_score_int", h.spam_score_int)
    if h.manual_thaw:
        w.line("-manual_thaw")
    if h.sender_set_untrusted:
        w.line("-sender_set_untrusted")
    if h.tls_certificate_verified:
        w.line("-tls_certificate_verified")
    w.var("tls_cipher", h.tls_cipher)
    if h.tls_peercert is not None:
        w.line(f"--tls_peercert {_no_newline('tls_peercert', h.tls_peercert)}")
    w.var("tls_peerdn", h.tls_peerdn)
    w.var("tls_sni", h.tls_sni)
    if h.tls_ourcert is not None:
        w.line(f"-tls_ourcert {_no_newline('tls_ourcert', h.tls_ourcert)}")
    if h.tls_ocsp:
        w.line(f"-tls_ocsp {h.tls_ocsp}")
    w.line(f"-tls_resumption {chr(ord('A') + h.tls_resumption)}")
    w.var("tls_ver", h.tls_ver)
    if h.smtputf8:
        w.line("-smtputf8")
        if h.utf8_downconvert:
            w.line(f"-utf8_{'opt' if h.utf8_downconvert < 0 else ''}downcvt")
    if h.envelope.dsn_envid is not None:
        w.line(f"-dsn_envid {_no_newline('dsn_envid', h.envelope.dsn_envid)}")
    if h.envelope.dsn_ret:
        w.line(f"-dsn_ret {h.envelope.dsn_ret}")

    _write_tree(w, h.nonrecipients)
    w.line(str(len(h.envelope.recipients)))
    for recipient in h.envelope.recipients:
        w.line(format_recipient(recipient))
    w.line("")
    for hl in h.headers:
        raw = encode(hl.text)
        if b"\0" in raw or raw[:1].isspace() or len(hl.type) != 1:
            # The reader skips blanks after the flag and stops at NUL, as Exim's does.
            raise ValueError(f"header cannot be spooled (NUL, leading blank or bad flag "
                             f"{hl.type!r}): {hl.text[:40]!r}")
        w.out.append(encode(f"{len(raw):03d}{hl.type} ") + raw)
    return b"".join(w.out)


def _write_tree(w: _Writer, tree: ExactTree) -> None:
    """tree_write: "XX" for none, else each node as "YN name" in preorder."""
    if tree.root is None:
        w.line("XX")
        return
    stack: list[TreeNode] = [tree.root]
    while stack:
        node = stack.pop()
        left, right = node.left, node.right
        if not node.name:
            raise ValueError("a non-recipient address cannot be empty")
        w.line(f"{'Y' if left else 'N'}{'Y' if right else 'N'} "
               f"{_no_newline('non-recipient', node.name)}")
        if right is not None:
            stack.append(right)
        if left is not None:
            stack.append(left)


def format_recipient(recipient: Recipient) -> str:
    """One recipient line (without the newline), as spool_write_header writes it.

    The plain form is just the address; with DSN data, an errors_to address or a parent
    number, Exim's extended form ``addr orcpt len,dsnflags errors_to len,pno#3``. A plain
    address that would read back as the extended or an older form (it ends in
    ``#digits``, `` digits`` or ``,digits``) is written in the extended form too, so that
    it reads back unchanged; Exim would write it plain and misread it.
    """
    address = _zap_newlines(recipient.address)
    if not address or "\0" in address + (recipient.errors_to or "") + (recipient.orcpt or ""):
        raise ValueError(f"recipient cannot be spooled (empty, or NUL): {address[:60]!r}")
    extended = (recipient.pno >= 0 or recipient.errors_to is not None or recipient.dsn_flags != 0
                or recipient.orcpt is not None)
    if not extended and not _AMBIGUOUS_TAIL.search(address):
        return address
    errors_to = _zap_newlines(recipient.errors_to or "")
    orcpt = _zap_newlines(recipient.orcpt or "")
    return (f"{address} {orcpt} {len(encode(orcpt))},{recipient.dsn_flags} "
            f"{errors_to} {len(encode(errors_to))},{recipient.pno}#3")


# A plain recipient line ending like this would be read back as one of the longer forms.
_AMBIGUOUS_TAIL = re.compile(r"[ ,#][0-9]*\Z")


# ---------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------

_C_SPACE = b" \t\n\v\f\r"
_DIGITS = b"0123456789"


class _Lines:
    """A cursor over the file's bytes that hands out lines and counts them."""

    def __init__(self, data: bytes, file: str):
        self.data = data
        self.pos = 0
        self.lineno = 0
        self.file = file
        self.in_headers = False
        self.partial: SpoolHeader | None = None
        self.header_bytes = 0

    def error(self, problem: str) -> SpoolFormatError:
        return SpoolFormatError(self.file, problem, line=self.lineno or None,
                                in_headers=self.in_headers, partial=self.partial,
                                header_bytes=self.header_bytes)

    def line(self, what: str) -> bytes:
        """The next line without its newline; SpoolFormatError at end of file or if unterminated."""
        if self.pos >= len(self.data):
            self.lineno += 1
            raise self.error(f"file ends before the {what}")
        end = self.data.find(b"\n", self.pos)
        self.lineno += 1
        if end < 0:
            raise self.error(f"unterminated {what} line at end of file")
        text = self.data[self.pos:end]
        self.pos = end + 1
        return text

    def take(self, count: int, what: str) -> bytes:
        """The next *count* bytes (a length-counted value)."""
        if self.pos + count > len(self.data):
            raise self.error(f"file ends inside the {what}")
        chunk = self.data[self.pos:self.pos + count]
        self.pos += count
        self.lineno += chunk.count(b"\n")
        return chunk


def _leading_int(text: bytes, *, signed: bool = True) -> int | None:
    """C's sscanf("%d"): optional blanks and sign, then digits; None when there are none."""
    match = re.match(rb"[ \t\n\v\f\r]*([-+]?[0-9]+)" if signed else rb"[ \t\n\v\f\r]*\+?([0-9]+)",
                     text)
    return int(match.group(1)) if match else None


def _atoi(text: bytes) -> int:
    """C's atoi: like %d, but 0 when there is no number."""
    value = _leading_int(text)
    return 0 if value is None else value


def parse_header_file(data: bytes, *, file: str = "-H file", message_id: str | None = None
                      ) -> SpoolHeader:
    """Read a -H file's bytes; SpoolFormatError (naming *file*) when Exim would refuse it.

    *message_id*, when given, must match the id line, as Exim checks the id line against
    the file name. Lines Exim ignores (unknown ``-`` options) are kept in
    ``unknown_options`` and not written back, as Exim drops them when it rewrites.
    """
    lines = _Lines(data, file)
    first = lines.line("id")
    try:
        text = first.decode("ascii")
        fmt: IdFormat = id_format_of(text[:-2])
    except (UnicodeDecodeError, ValueError):
        raise lines.error(f"first line is not a message id followed by -H: {first[:40]!r}")
    if not text.endswith("-H") or len(text) != fmt.length + 2:
        raise lines.error(f"first line is not a message id followed by -H: {first[:40]!r}")
    if message_id is not None and text[:-2] != message_id:
        raise lines.error(f"id line {text!r} does not match the file name ({message_id})")

    login, uid, gid = _parse_originator(lines, lines.line("login/uid/gid"))
    sender_line = lines.line("sender")
    if len(sender_line) < 2 or sender_line[:1] != b"<" or sender_line[-1:] != b">":
        raise lines.error(f"sender line is not <address>: {sender_line[:60]!r}")
    time_line = lines.line("received time")
    match = re.match(rb"[ \t\n\v\f\r]*([-+]?[0-9]+)[ \t\n\v\f\r]*([-+]?[0-9]+)", time_line)
    if not match:
        raise lines.error(f"received-time line is not two numbers: {time_line[:60]!r}")
    header = SpoolHeader(
        message_id=text[:-2], originator_login=decode(login), originator_uid=uid,
        originator_gid=gid, envelope=Envelope(sender=Tainted(decode(sender_line[1:-1]))),
        received_time=int(match.group(1)), warning_count=int(match.group(2)))
    lines.partial = header

    line = _read_options(lines, header)
    if line != b"XX":
        header.nonrecipients = _read_tree(lines, line)

    count_line = lines.line("recipient count")
    count = _leading_int(count_line)
    if count is None or count > MAX_RECIPIENTS:
        raise lines.error(f"bad recipient count: {count_line[:40]!r}")
    for _ in range(count):
        raw = lines.line("recipient")
        if not raw:
            raise lines.error("empty recipient line")
        try:
            header.envelope.recipients.append(parse_recipient(raw))
        except ValueError as error:
            raise lines.error(str(error)) from None

    lines.in_headers = True
    blank = lines.line("blank line before the headers")
    if blank:
        raise lines.error(f"expected a blank line before the headers, found {blank[:40]!r}")
    _read_headers(lines, header)
    return header


def _parse_originator(lines: _Lines, raw: bytes) -> tuple[bytes, int, int]:
    """"login uid gid", read from the right as spool_in.c does (a login may contain spaces)."""
    text = raw.rstrip(_C_SPACE)
    numbers: list[int] = []
    for _ in range(2):
        if not text or text[-1] not in _DIGITS:
            raise lines.error(f"login/uid/gid line is malformed: {raw[:60]!r}")
        start = len(text)
        while start > 0 and (text[start - 1] in _DIGITS or text[start - 1] == 0x2D):
            start -= 1
        if start == 0 or text[start - 1] != 0x20:
            raise lines.error(f"login/uid/gid line is malformed: {raw[:60]!r}")
        numbers.append(_atoi(text[start:]))
        text = text[:start - 1]
    gid, uid = numbers
    return text, uid, gid


# Options that carry a string value: name as written -> SpoolHeader attribute. The value
# starts after "name " (spool_in.c uses fixed offsets).
_STRING_OPTIONS = {
    "helo_name": "helo_name", "host_name": "host_name", "host_auth": "host_auth",
    "host_auth_pubname": "host_auth_pubname", "active_hostname": "active_hostname",
    "ident": "ident", "received_protocol": "received_protocol", "auth_id": "auth_id",
    "auth_sender": "auth_sender", "spam_bar": "spam_bar", "spam_score": "spam_score",
    "spam_score_int": "spam_score_int", "tls_cipher": "tls_cipher",
    "tls_peercert": "tls_peercert", "tls_ourcert": "tls_ourcert", "tls_peerdn": "tls_peerdn",
    "tls_sni": "tls_sni", "tls_ver": "tls_ver", "dsn_envid": "dsn_envid",
    "debuglog_name": "debuglog_name",
}
# Flag options: exact name -> attribute.
_FLAG_OPTIONS = {
    "allow_unqualified_recipient": "allow_unqualified_recipient",
    "allow_unqualified_sender": "allow_unqualified_sender",
    "deliver_firsttime": "deliver_firsttime", "host_lookup_deferred": "host_lookup_deferred",
    "host_lookup_failed": "host_lookup_failed", "local": "sender_local",
    "localerror": "local_error_message", "manual_thaw": "manual_thaw", "N": "dont_deliver",
}
# Flag options that spool_in.c matches as prefixes ("-smtputf8" and anything longer).
_PREFIX_FLAGS = {
    "sender_set_untrusted": "sender_set_untrusted", "spool_file_wireformat": "wireformat",
    "smtputf8": "smtputf8", "tls_certificate_verified": "tls_certificate_verified",
}
# Integer options: name -> attribute (values parsed as C's atoi).
_INT_OPTIONS = {
    "body_linecount": "body_linecount", "body_zerocount": "body_zerocount",
    "max_received_linelength": "max_received_linelength", "dsn_ret": "dsn_ret",
}

_OPTION_NAME = re.compile(rb"[A-Za-z0-9_]+")


def _read_options(lines: _Lines, header: SpoolHeader) -> bytes:
    """The "-" lines; returns the first line after them (the non-recipients tree line)."""
    while True:
        raw = lines.line("option or non-recipients")
        if raw[:1] != b"-":
            return raw
        tainted = raw[:2] == b"--"
        var = raw[2:] if tainted else raw[1:]
        quoter: str | None = None
        if var[:1] == b"(":
            close = var.find(b")")
            if close < 0:
                raise lines.error(f"unterminated lookup quoter in {raw[:60]!r}")
            quoter = decode(var[1:close])
            var = var[close + 1:]
        name_match = _OPTION_NAME.match(var)
        name = decode(name_match.group()) if name_match else ""
        if name in ("aclc", "aclm") and var[4:5] == b" ":
            _read_acl_var(lines, header, var, tainted, quoter)
        elif name == "acl" and var[3:4] == b" ":
            _read_old_acl_var(lines, header, var, tainted)
        elif not _apply_option(lines, header, name, var, tainted, quoter):
            header.unknown_options.append(decode(raw))


def _value(lines: _Lines, name: str, var: bytes, tainted: bool) -> str:
    """The text after "name " on an option line, tainted when the line started "--"."""
    if len(var) <= len(name) or var[len(name):len(name) + 1] != b" ":
        raise lines.error(f"option -{name} has no value")
    value = decode(var[len(name) + 1:])
    return Tainted(value) if tainted else value


def _apply_option(lines: _Lines, header: SpoolHeader, name: str, var: bytes,
                  tainted: bool, quoter: str | None) -> bool:
    """Set one known option from its line; False for a line Exim would ignore."""
    if quoter is not None:
        header.quoters[name] = quoter
    if name in _STRING_OPTIONS:
        value = _value(lines, name, var, tainted)
        if name == "dsn_envid":
            header.envelope.dsn_envid = value
        else:
            setattr(header, _STRING_OPTIONS[name], value)
    elif name in _FLAG_OPTIONS and var == name.encode():
        setattr(header, _FLAG_OPTIONS[name], True)
    elif name in _INT_OPTIONS:
        number = _atoi(var[len(name):])
        if name == "dsn_ret":
            header.envelope.dsn_ret = number
        else:
            setattr(header, _INT_OPTIONS[name], number)
    elif name in ("host_address", "interface_address"):
        address, port = extract_port(_value(lines, name, var, tainted))
        setattr(header, name, Tainted(address) if tainted else address)
        setattr(header, "host_port" if name == "host_address" else "interface_port", port)
    elif name == "frozen":
        when = _leading_int(var[6:])
        if when is None:
            raise lines.error(f"-frozen has no time: {var[:40]!r}")
        header.frozen_at = when
    elif name == "received_time_usec":
        usec = _leading_int(var[len(name) + 2:], signed=False)
        if usec is not None:
            header.received_time_usec = usec
    elif name == "received_time_complete":
        match = re.match(rb" *\+?([0-9]+)\.\+?([0-9]+)", var[len(name) + 1:])
        if match:
            header.received_time_complete = (int(match.group(1)), int(match.group(2)))
    elif name == "debug_selector":
        text = decode(var[len(name) + 1:]).strip()
        try:
            header.debug_selector = int(text, 0)
        except ValueError:
            header.debug_selector = 0
    elif name == "tls_ocsp":
        header.tls_ocsp = var[9] - 0x30 if len(var) > 9 else 0
    elif name == "tls_resumption":
        header.tls_resumption = var[15] - 0x41 if len(var) > 15 else 0
    elif name in ("utf8_downcvt", "utf8_optdowncvt"):
        header.utf8_downconvert = 1 if name == "utf8_downcvt" else -1
    else:
        for prefix, attribute in _PREFIX_FLAGS.items():
            if name.startswith(prefix):
                setattr(header, attribute, True)
                return True
        return False
    return True


def _read_acl_var(lines: _Lines, header: SpoolHeader, var: bytes, tainted: bool,
                  quoter: str | None) -> None:
    """"-aclc name length" / "-aclm name length", then length bytes and a newline."""
    rest = var[5:]
    space = rest.find(b" ")
    if space < 0:
        raise lines.error(f"ACL variable line has no length: {var[:60]!r}")
    count = _leading_int(rest[space:])
    if count is None or count < 0:
        raise lines.error(f"ACL variable line has no length: {var[:60]!r}")
    name = chr(var[3]) + decode(rest[:space])
    value = lines.take(count + 1, f"value of ACL variable acl_{name}")
    if value[-1:] != b"\n":
        raise lines.error(f"value of ACL variable acl_{name} is not followed by a newline")
    text = decode(value[:-1])
    header.acl_vars[name] = Tainted(text) if tainted else text
    if quoter is not None:
        header.quoters["acl_" + name] = quoter


def _read_old_acl_var(lines: _Lines, header: SpoolHeader, var: bytes, tainted: bool) -> None:
    """The pre-4.64 "-acl N length" form: N 0-9 are acl_c0..9, 10-19 acl_m0..9."""
    match = re.match(rb"acl +([0-9]+) +([0-9]+)", var)
    if not match or int(match.group(1)) >= 20 or int(match.group(2)) > 16384:
        raise lines.error(f"malformed old-style ACL variable line: {var[:60]!r}")
    index, count = int(match.group(1)), int(match.group(2))
    name = f"c{index}" if index < 10 else f"m{index - 10}"
    value = lines.take(count + 1, f"value of ACL variable acl_{name}")
    text = decode(value[:count])
    header.acl_vars[name] = Tainted(text) if tainted else text


def _read_tree(lines: _Lines, first: bytes) -> ExactTree:
    """read_nonrecipients_tree: "YN name" lines in preorder, Y/N = has left/right child."""
    def node_from(raw: bytes) -> tuple[TreeNode, bool, bool]:
        if len(raw) < 4:
            raise lines.error(f"malformed non-recipients line: {raw[:60]!r}")
        return TreeNode(Tainted(decode(raw[3:]))), raw[0] == 0x59, raw[1] == 0x59

    root, has_left, has_right = node_from(first)
    # Explicit stack (node, which child to fill next) so a long chain cannot overflow.
    stack: list[tuple[TreeNode, bool, bool]] = [(root, has_left, has_right)]
    while stack:
        node, want_left, want_right = stack.pop()
        if want_left:
            stack.append((node, False, want_right))
            child, l_flag, r_flag = node_from(lines.line("non-recipient"))
            node.left = child
            stack.append((child, l_flag, r_flag))
        elif want_right:
            child, l_flag, r_flag = node_from(lines.line("non-recipient"))
            node.right = child
            stack.append((child, l_flag, r_flag))
    tree = ExactTree(root)
    tree.recompute_balance()
    return tree


def parse_recipient(raw: bytes) -> Recipient:
    """One recipient line (no newline), read from the right as spool_in.c does.

    Handles the plain form, Exim 3's ``addr x,pno,y``, early Exim 4's ``addr pno`` and
    the current ``...#flags`` form (bit 1: errors_to and parent number, bit 2: ORCPT and
    DSN flags). ValueError for a line whose counted fields do not fit.
    """
    buf = raw
    p = len(buf) - 1
    while p >= 0 and buf[p] in _DIGITS:
        p -= 1
    if p < 0:
        return Recipient(Tainted(decode(buf)))
    mark = buf[p]
    if mark == 0x2C:                                   # "," : Exim 3
        q = p - 1
        while q >= 0 and (buf[q] in _DIGITS or buf[q] == 0x2C):
            q -= 1
        if q >= 0 and buf[q] == 0x20:
            numbers = re.match(rb"([-+]?[0-9]+),([-+]?[0-9]+)", buf[q + 1:])
            pno = int(numbers.group(2)) if numbers else -1
            return Recipient(Tainted(decode(buf[:q])), pno=pno)
        return Recipient(Tainted(decode(buf)))
    if mark == 0x20:                                   # " digits": early Exim 4
        return Recipient(Tainted(decode(buf[:p])), pno=_atoi(buf[p + 1:]))
    if mark != 0x23:                                   # no "#": just an address
        return Recipient(Tainted(decode(buf)))

    flags = _leading_int(buf[p + 1:])
    if flags is None:
        raise ValueError(f"recipient line has no flags after '#': {raw[:60]!r}")
    errors_to = orcpt = None
    dsn_flags = 0
    pno = -1
    # Each counted field is "text len,number", read leftwards; spool_in.c steps back over
    # the blank before each field whether or not the field is there (so a "#1" line loses
    # the last character of its address in Exim 4.96 as here: a copied quirk).
    if flags & 0x01:
        length, pno, p = _counted_field(buf, p, raw)
        if length > 0:
            errors_to = Tainted(decode(buf[p - length:p]))
            p -= length
    p -= 1
    if flags & 0x02:
        length, dsn_flags, end = _counted_field(buf, p, raw)
        p = end
        if length > 0:
            orcpt = Tainted(decode(buf[p - length:p]))
            p -= length
    p -= 1
    if p < 0:
        raise ValueError(f"recipient line has no address: {raw[:60]!r}")
    return Recipient(Tainted(decode(buf[:p])), orcpt=orcpt, dsn_flags=dsn_flags,
                     errors_to=errors_to, pno=pno)


def _counted_field(buf: bytes, p: int, raw: bytes) -> tuple[int, int, int]:
    """Scan left from *p* over "len,number"; returns (len, number, index of the blank before).

    The text of the field is the *len* bytes just before that blank.
    """
    q = p - 1
    while q >= 0 and (buf[q] in _DIGITS or buf[q] in (0x2C, 0x2D)):
        q -= 1
    numbers = re.match(rb"([-+]?[0-9]+),([-+]?[0-9]+)", buf[q + 1:])
    if q < 0 or numbers is None:
        raise ValueError(f"recipient line has a malformed length field: {raw[:60]!r}")
    length = int(numbers.group(1))
    if length < 0 or length > q:
        raise ValueError(f"recipient line has a length that does not fit: {raw[:60]!r}")
    return length, int(numbers.group(2)), q


def _read_headers(lines: _Lines, header: SpoolHeader) -> None:
    """Header lines: a decimal byte count, a flag character, blanks, then that many bytes."""
    data, pos = lines.data, lines.pos
    while pos < len(data):
        start = pos
        pos = span(data, _DIGITS, pos)
        if pos == start:
            lines.pos = start
            raise lines.error(f"header line does not start with its length: "
                              f"{data[start:start + 20]!r}")
        count = int(data[start:pos])
        if pos >= len(data):
            raise lines.error("file ends after a header length")
        flag = chr(data[pos])
        pos += 1
        if flag != "*":
            lines.header_bytes += count
        # fscanf's " " skips any amount of white space, newlines included.
        pos = span(data, _C_SPACE, pos)
        text = data[pos:pos + count]
        if len(text) < count:
            raise lines.error(f"file ends inside a header of {count} bytes")
        if b"\0" in text:
            raise lines.error("NUL byte inside a header")
        lines.lineno += text.count(b"\n")
        pos += count
        header.headers.append(HeaderLine(Tainted(decode(text)), flag))
    lines.pos = pos
