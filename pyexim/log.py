"""The main log, reject log and panic log (spec: "Log files"; Exim: log.c, tod.c, and the
lines built in receive.c, deliver.c, smtp_in.c).

Three layers, each usable alone:

* what to log: :class:`LogSelector` (``log_selector`` with Exim's names, defaults and
  ``+all``/``-all``), :func:`log_paths` (``log_file_path`` with ``%s``, ``%D``, ``%M``
  and ``syslog``), :func:`log_timestamp` (``log_timezone``, ``millisec``);
* how a line reads: pure functions from records to text -- :func:`reception_line`
  (``<=``), :func:`delivery_line` (``=>``, ``->``, ``*>``), :func:`deferral_line`
  (``==``), :func:`failure_line` (``**``), :func:`completed_line`,
  :func:`acl_reject_line`, :func:`rejectlog_details` (the header dump), and
  :func:`frame` (timestamp, pid, message id);
* :class:`LogWriter`: the thin part that opens, reopens and appends to the files and
  to syslog.

Times in records are seconds (floats: the fraction is kept for ``millisec``).
"""

from __future__ import annotations

import ipaddress
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from pyexim.errors import ConfigError
from pyexim.message import HeaderLine, decode, encode

__all__ = [
    "COMPILED_LOG_FILE_PATH",
    "MESSAGE_IS_FROZEN",
    "children_complete_msglog",
    "deferral_msglog",
    "delivery_msglog",
    "failure_msglog",
    "frozen_by_line",
    "frozen_line",
    "queue_run_line",
    "unfrozen_by_line",
    "DEFAULT_LOG_SELECTOR",
    "LOG_SELECTOR_NAMES",
    "Delivery",
    "HostUsed",
    "LogPaths",
    "LogSelector",
    "LogWriter",
    "LoggedAddress",
    "PeerHost",
    "Reception",
    "TlsIn",
    "TlsOut",
    "acl_reject_line",
    "completed_line",
    "deferral_line",
    "delivery_line",
    "failure_line",
    "frame",
    "log_file_name",
    "log_paths",
    "log_timestamp",
    "print_time",
    "reception_line",
    "reception_msglog",
    "rejectlog_details",
    "string_printing",
    "time_diff",
    "zone_offset",
]

# ---------------------------------------------------------------------------------------
# log_selector (globals.c log_options, log_default; log.c decode_bits)
# ---------------------------------------------------------------------------------------

# Every selector name Exim 4.96 (Debian's build) accepts, "all" included.
LOG_SELECTOR_NAMES: tuple[str, ...] = (
    "8bitmime", "acl_warn_skipped", "address_rewrite", "all", "all_parents", "arguments",
    "connection_reject", "delay_delivery", "deliver_time", "delivery_size", "dkim",
    "dkim_verbose", "dnslist_defer", "dnssec", "etrn", "host_lookup_failed",
    "ident_timeout", "incoming_interface", "incoming_port", "lost_incoming_connection",
    "millisec", "msg_id", "msg_id_created", "outgoing_interface", "outgoing_port", "pid",
    "pipelining", "protocol_detail", "proxy", "queue_run", "queue_time",
    "queue_time_exclusive", "queue_time_overall", "receive_time", "received_recipients",
    "received_sender", "rejected_header", "rejected_headers", "retry_defer",
    "return_path_on_delivery", "sender_on_delivery", "sender_verify_fail", "size_reject",
    "skip_delivery", "smtp_confirmation", "smtp_connection", "smtp_incomplete_transaction",
    "smtp_mailauth", "smtp_no_mail", "smtp_protocol_error", "smtp_syntax_error", "subject",
    "tls_certificate_verified", "tls_cipher", "tls_peerdn", "tls_resumption", "tls_sni",
    "unknown_in_list",
)
_ALIASES = {"rejected_headers": "rejected_header"}

DEFAULT_LOG_SELECTOR: frozenset[str] = frozenset({
    "acl_warn_skipped", "connection_reject", "delay_delivery", "dkim", "dnslist_defer",
    "etrn", "host_lookup_failed", "lost_incoming_connection", "outgoing_interface", "msg_id",
    "queue_run", "queue_time_exclusive", "rejected_header", "retry_defer",
    "sender_verify_fail", "size_reject", "skip_delivery", "smtp_confirmation",
    "tls_certificate_verified", "tls_cipher",
})

_ALL = frozenset(n for n in LOG_SELECTOR_NAMES if n != "all" and n not in _ALIASES)
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


@dataclass(frozen=True)
class LogSelector:
    """Which optional log items are on. ``"name" in selector`` tests one."""

    enabled: frozenset[str] = DEFAULT_LOG_SELECTOR

    def __contains__(self, name: str) -> bool:
        return name in self.enabled

    @classmethod
    def parse(cls, text: str | None) -> LogSelector:
        """Apply a ``log_selector`` setting to Exim's defaults, as decode_bits() does.

        Raises ConfigError with Exim's wording ("unknown log_selector setting: +foo",
        "malformed log_selector setting: + or - expected but found ...").
        """
        enabled = set(DEFAULT_LOG_SELECTOR)
        if text is None:
            return cls(frozenset(enabled))
        rest = text
        if rest.startswith("="):
            return cls(_numeric_selector(text))
        while True:
            rest = rest.lstrip(" \t\n\r\f\v")
            if not rest:
                return cls(frozenset(enabled))
            if rest[0] not in "+-":
                raise ConfigError("malformed log_selector setting: "
                                  f"+ or - expected but found \"{rest}\"")
            adding = rest[0] == "+"
            end = 1
            while end < len(rest) and rest[end] in _NAME_CHARS:
                end += 1
            name = rest[1:end]
            rest = rest[end:]
            if name not in LOG_SELECTOR_NAMES:
                raise ConfigError(f"unknown log_selector setting: {'+' if adding else '-'}{name}")
            name = _ALIASES.get(name, name)
            if name == "all":
                enabled = set(_ALL) if adding else set()
            elif adding:
                enabled.add(name)
            else:
                enabled.discard(name)


# The selectors of the first selector word, in bit order: "=N" sets exactly these bits
# (an internal form Exim uses when it re-executes itself).
_FIRST_WORD = ("address_rewrite", "all_parents", "connection_reject", "delay_delivery",
               "dnslist_defer", "etrn", "host_lookup_failed", "lost_incoming_connection",
               "queue_run", "retry_defer", "size_reject", "skip_delivery", "smtp_connection",
               "smtp_incomplete_transaction", "smtp_protocol_error", "smtp_syntax_error")


def _numeric_selector(text: str) -> frozenset[str]:
    """"=<number>" (C strtoul base 0): all other selectors off."""
    number = text[1:]
    try:
        if number.lower().startswith("0x"):
            value = int(number[2:], 16)
        elif number.startswith("0") and len(number) > 1:
            value = int(number[1:], 8)
        else:
            value = int(number, 10)
    except ValueError:
        raise ConfigError(f"malformed numeric log_selector setting: {text}") from None
    return frozenset(name for bit, name in enumerate(_FIRST_WORD) if value >> bit & 1)


# ---------------------------------------------------------------------------------------
# Timestamps (tod.c tod_stamp) and small text helpers
# ---------------------------------------------------------------------------------------

def zone_offset(when: float, *, utc: bool = False) -> str:
    """The "+hhmm" of local time at *when*, computed as tod.c does.

    Quirk kept: an offset of minus less than an hour prints with a plus sign (-0030
    shows as "+0030"), because the sign is carried by the hour alone.
    """
    if utc:
        return "+0000"
    local = time.localtime(when)
    gmt = time.gmtime(when)
    if local.tm_sec != gmt.tm_sec:
        return "+0000"
    minutes = 60 * (local.tm_hour - gmt.tm_hour) + local.tm_min - gmt.tm_min
    if local.tm_year != gmt.tm_year:
        minutes += 1440 if local.tm_year > gmt.tm_year else -1440
    elif local.tm_yday != gmt.tm_yday:
        minutes += 1440 if local.tm_yday > gmt.tm_yday else -1440
    hours = int(minutes / 60)                    # C division truncates towards zero
    return f"{hours:+03d}{abs(minutes - hours * 60):02d}"


def log_timestamp(when: float, *, millisec: bool = False, with_zone: bool = False,
                  utc: bool = False) -> str:
    """A log line's timestamp: ``YYYY-MM-DD HH:MM:SS[.mmm][ +hhmm]`` in local time or UTC.

    *with_zone* is ``log_timezone``; *utc* is ``timezone = UTC``-style timestamps_utc.
    """
    seconds = int(when)
    t = time.gmtime(seconds) if utc else time.localtime(seconds)
    if with_zone and not utc and time.localtime(seconds).tm_sec != time.gmtime(seconds).tm_sec:
        t = time.gmtime(seconds)                 # sub-minute offsets: pretend UTC
    text = time.strftime("%Y-%m-%d %H:%M:%S", t)
    if millisec:
        text += f".{round((when - seconds) * 1_000_000) // 1000:03d}"
    if with_zone:
        text += " " + zone_offset(seconds, utc=utc)
    return text


def _datestamp(when: float, monthly: bool, utc: bool) -> str:
    t = time.gmtime(when) if utc else time.localtime(when)
    return time.strftime("%Y%m" if monthly else "%Y%m%d", t)


def string_printing(text: str, *, escape_tab: bool = False, escape_space: bool = False,
                    top_bit_chars: bool = False) -> str:
    """Exim's string_printing2(): non-printing bytes as \\n, \\r, \\b, \\v, \\f, \\t or \\ooo.

    Printable is 32-126 and tab (unless *escape_tab*), bytes above 127 only when
    ``print_topbitchars`` (*top_bit_chars*). Backslashes are not doubled.
    """
    raw = encode(text)
    out = bytearray()
    names = {0x0A: b"\\n", 0x0D: b"\\r", 0x08: b"\\b", 0x0B: b"\\v", 0x0C: b"\\f",
             0x09: b"\\t"}
    for c in raw:
        printable = 32 <= c <= 126 or c == 0x09 or (c > 127 and top_bit_chars)
        if printable and not (escape_tab and c == 0x09) and not (escape_space and c == 0x20):
            out.append(c)
        else:
            out += names.get(c, b"\\%03o" % c)
    return decode(bytes(out))


def print_time(seconds: int) -> str:
    """readconf_printtime(): 1w2d3h4m5s style, "0s" for zero."""
    sign = ""
    if seconds < 0:
        sign, seconds = "-", -seconds
    parts = []
    weeks, rest = divmod(seconds, 7 * 86400)
    days, rest = divmod(rest, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    for value, unit in ((weeks, "w"), (days, "d"), (hours, "h"), (minutes, "m")):
        if value:
            parts.append(f"{value}{unit}")
    if secs or not parts:
        parts.append(f"{secs}s")
    return sign + "".join(parts)


def time_diff(seconds: float, selector: LogSelector) -> str:
    """string_timediff(): "0.123s" under millisec for less than 5 s, else print_time()."""
    whole = int(seconds)
    if whole >= 5 or "millisec" not in selector:
        return print_time(whole)
    return f"{whole}.{int((seconds - whole) * 1_000_000) // 1000:03d}s"


def _quoted(text: str, limit: int) -> str:
    """A C-like "quoted" string of at most *limit* bytes (T= and C= items)."""
    raw = encode(text)[:limit]
    escaped = raw.replace(b"\\", b"\\\\").replace(b'"', b'\\"')
    return '"' + decode(escaped) + '"'


# ---------------------------------------------------------------------------------------
# log_file_path (log.c) and line framing
# ---------------------------------------------------------------------------------------

COMPILED_LOG_FILE_PATH = "/var/log/exim4/%slog"     # Debian's LOG_FILE_PATH


@dataclass(frozen=True)
class LogPaths:
    """Where logs go: a file pattern (or None), and whether to syslog too."""

    pattern: str | None
    syslog: bool
    multiple: bool = False          # more than one path was given (Exim panics about it)


def log_paths(log_file_path: str, spool_directory: str,
              compiled: str = COMPILED_LOG_FILE_PATH) -> LogPaths:
    """Interpret ``log_file_path`` as log_write() does on its first call.

    An empty setting means the compiled-in path; an empty item in a list means the
    first non-empty, non-syslog item of the compiled-in path, else
    ``SPOOL/log/%slog``. ConfigError when neither files nor syslog remain.
    """
    setting = log_file_path if log_file_path else compiled
    pattern: str | None = None
    syslog = files = multiple = False
    for item in setting.split(":"):
        item = item.strip()
        if item == "syslog":
            syslog = True
        elif files:
            multiple = True
        else:
            files = True
            if item:
                pattern = item
            else:
                pattern = next((c.strip() for c in compiled.split(":")
                                if c.strip() and c.strip() != "syslog"), None)
    if not files and not syslog:
        raise ConfigError("Neither syslog nor file logging set in log_file_path")
    if files and not pattern:
        pattern = f"{spool_directory}/log/%slog"
    return LogPaths(pattern if files else None, syslog, multiple)


def log_file_name(pattern: str, kind: str, when: float, *, utc: bool = False) -> str:
    """The file for log *kind* ("main", "reject", "panic") at time *when*.

    ``%s`` is the kind, ``%D``/``%M`` a daily/monthly datestamp. The panic log never has
    a datestamp: it is removed with one adjacent non-alphanumeric character (the one
    after it when the stamp starts the name, else the one before), as log.c does.
    """
    out: list[str] = []
    stamp_at: int | None = None
    stamp_len = 0
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "%" and i + 1 < len(pattern):
            code = pattern[i + 1]
            i += 2
            if code == "s":
                out.append(kind)
            elif code in "DM":
                stamp = _datestamp(when, code == "M", utc)
                stamp_at, stamp_len = len("".join(out)), len(stamp)
                out.append(stamp)
            elif code == "%":
                out.append("%")
            else:
                out.append("%" + code)
            continue
        out.append(char)
        i += 1
    name = "".join(out)
    if kind == "panic" and stamp_at is not None:
        start, end = stamp_at, stamp_at + stamp_len
        if start == 0 or name[start - 1] == "/":
            if end < len(name) and not name[end].isalnum():
                end += 1
        elif not name[start - 1].isalnum():
            start -= 1
        name = name[:start] + name[end:]
    return name


def frame(text: str, *, timestamp: str, pid: int | None = None,
          message_id: str | None = None) -> str:
    """A complete log line: ``timestamp [pid] id text`` and a newline."""
    parts = [timestamp, " "]
    if pid is not None:
        parts.append(f"[{pid}] ")
    if message_id:
        parts.append(message_id + " ")
    parts.append(text)
    parts.append("\n")
    return "".join(parts)


# ---------------------------------------------------------------------------------------
# The sending host (host.c host_build_sender_fullhost, host_and_ident)
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PeerHost:
    """The SMTP client as the logs name it. All None for a local submission."""

    address: str | None = None
    port: int = 0
    name: str | None = None          # the verified host name
    helo: str | None = None
    ident: str | None = None
    interface_address: str | None = None
    interface_port: int = 0
    dnssec: bool = False

    def fullhost(self, selector: LogSelector) -> str | None:
        """$sender_fullhost: ``name (helo) [ip]``, ``(helo) [ip]:port`` and the like."""
        if self.address is None:
            return None
        address = f"[{self.address}]"
        if "incoming_port" in selector and self.port > 0:
            address += f":{self.port}"
        show_helo = self.helo is not None and not self._helo_is_address()
        if self.name is None:
            return f"({self.helo}) {address}" if self.helo is not None else address
        if show_helo and self.helo is not None and self.name.lower() == self.helo.lower():
            show_helo = False
        return f"{self.name} ({self.helo}) {address}" if show_helo else f"{self.name} {address}"

    def _helo_is_address(self) -> bool:
        """An IP-literal HELO naming the client's own address is not shown."""
        helo = self.helo or ""
        if not (helo.startswith("[") and helo.endswith("]")) or self.address is None:
            return False
        inner = helo[1:-1]
        if inner[:5].lower() in ("ipv6:", "ipv4:"):
            inner = inner[5:]
        try:
            return ipaddress.ip_address(inner) == ipaddress.ip_address(self.address)
        except ValueError:
            return False

    def and_ident(self, selector: LogSelector, *, flag: bool = True) -> str:
        """host_and_ident(): ``H=fullhost [I=...] [U=ident]``, or ``U=ident``/``U=unknown``."""
        fullhost = self.fullhost(selector)
        if fullhost is None:
            return f"{'U=' if flag else ''}{self.ident or 'unknown'}"
        iface = ""
        if "incoming_interface" in selector and self.interface_address:
            iface = f" I=[{self.interface_address}]:{self.interface_port}"
        ident = f" U={self.ident}" if self.ident else ""
        return f"{'H=' if flag else ''}{fullhost}{iface}{ident}"


@dataclass(frozen=True)
class TlsIn:
    """An inbound TLS session as the logs show it."""

    cipher: str
    resumed: bool = False
    certificate_verified: bool = False
    peerdn: str | None = None
    sni: str | None = None

    def items(self, selector: LogSelector) -> str:
        """The X=, CV=, DN=, SNI= items (receive.c / smtp_in.c s_tlslog order)."""
        text = _tls_items(selector, self.cipher, self.resumed,
                          "yes" if self.certificate_verified else "no", self.peerdn)
        if "tls_sni" in selector and self.sni:
            text += " SNI=" + string_printing(self.sni, escape_tab=True, escape_space=True)
        return text


def _tls_items(selector: LogSelector, cipher: str, resumed: bool, verified: str,
               peerdn: str | None) -> str:
    """X=cipher[*] CV=yes|no|dane DN="..." as the selector allows."""
    out = []
    if "tls_cipher" in selector:
        out.append(f" X={cipher}" + ("*" if resumed and "tls_resumption" in selector else ""))
    if "tls_certificate_verified" in selector:
        out.append(f" CV={verified}")
    if "tls_peerdn" in selector and peerdn:
        out.append(f' DN="{string_printing(peerdn)}"')
    return "".join(out)


# ---------------------------------------------------------------------------------------
# Reception: "<=" (receive.c)
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Reception:
    """A message accepted: everything its ``<=`` line can show.

    ``message_id_header`` is the Message-ID: value already extracted as an address
    (what parse_extract_address() gives), ``message_id_created`` whether Exim/pyexim
    added that header. ``subject`` is ``$h_subject:`` (decoded), None when there is no
    Subject: header. ``raw_sender``/``raw_recipients`` are the unrewritten envelope,
    shown by ``received_sender``/``received_recipients``. ``receive_time`` is the time
    from the start of reception to its end.
    """

    sender: str
    size: int
    host: PeerHost = PeerHost()
    protocol: str | None = None
    message_reference: str | None = None
    fake_reject: bool = False
    tcp_fastopen: str | None = None          # "TFO" or "TFO*"
    pipelining: tuple[bool, bool, bool, bool] | None = None  # advertised, used, early adv, early used
    tls: TlsIn | None = None
    authenticator: str | None = None
    auth_id: str | None = None
    auth_sender: str | None = None
    prdr: bool = False
    proxy_local_address: str | None = None
    chunking: bool = False
    body_8bitmime: int = 0
    dkim: str | None = None
    receive_time: float | None = None
    queue_name: str = ""
    message_id_header: str | None = None
    message_id_created: bool = False
    subject: str | None = None
    raw_sender: str = ""
    raw_recipients: tuple[str, ...] = ()


def _host_items(host: PeerHost, selector: LogSelector, protocol: str | None,
                tcp_fastopen: str | None, pipelining: tuple[bool, bool, bool, bool] | None
                ) -> str:
    """add_host_info_for_log(): DS, H=, I=, TFO, U=, P=, L."""
    out = []
    fullhost = host.fullhost(selector)
    if fullhost is not None:
        if "dnssec" in selector and host.dnssec:
            out.append(" DS")
        out.append(f" H={fullhost}")
        if "incoming_interface" in selector and host.interface_address:
            out.append(f" I=[{host.interface_address}]:{host.interface_port}")
    if tcp_fastopen:
        out.append(" " + tcp_fastopen)
    if host.ident:
        out.append(f" U={host.ident}")
    if protocol:
        out.append(f" P={protocol}")
    if pipelining is not None and "pipelining" in selector and pipelining[0]:
        _advertised, used, early_advertised, early_used = pipelining
        out.append(" L" + ("*" if early_used else "." if early_advertised else "")
                   + ("" if used else "-"))
    return "".join(out)


def _auth_items(selector: LogSelector, authenticator: str | None, auth_id: str | None,
                auth_sender: str | None) -> str:
    """A=authenticator[:id[:sender]] (the sender only under smtp_mailauth)."""
    if not authenticator:
        return ""
    text = f" A={authenticator}"
    if auth_id:
        text += f":{auth_id}"
        if "smtp_mailauth" in selector and auth_sender:
            text += f":{auth_sender}"
    return text


def _reception_core(rec: Reception, selector: LogSelector) -> str:
    out = ["(= " if rec.fake_reject else "<= ", rec.sender or "<>"]
    if rec.message_reference:
        out.append(f" R={rec.message_reference}")
    out.append(_host_items(rec.host, selector, rec.protocol, rec.tcp_fastopen, rec.pipelining))
    if rec.tls is not None:
        out.append(rec.tls.items(selector))
    out.append(_auth_items(selector, rec.authenticator, rec.auth_id, rec.auth_sender))
    if rec.prdr:
        out.append(" PRDR")
    if rec.proxy_local_address and "proxy" in selector:
        out.append(f" PRX={rec.proxy_local_address}")
    if rec.chunking:
        out.append(" K")
    out.append(f" S={rec.size}")
    if "8bitmime" in selector:
        out.append(f" M8S={rec.body_8bitmime}")
    if "dkim" in selector and rec.dkim:
        out.append(f" DKIM={rec.dkim}")
    if "receive_time" in selector and rec.receive_time is not None:
        out.append(f" RT={time_diff(rec.receive_time, selector)}")
    if rec.queue_name:
        out.append(f" Q={rec.queue_name}")
    if ("msg_id" in selector and rec.message_id_header is not None
            and ("msg_id_created" in selector or not rec.message_id_created)):
        out.append((" id*=" if rec.message_id_created else " id=")
                   + string_printing(rec.message_id_header))
    if "subject" in selector and rec.subject is not None:
        out.append(" T=" + string_printing(_quoted(rec.subject, 100)))
    return "".join(out)


def reception_line(rec: Reception, selector: LogSelector) -> str:
    """The text of the ``<=`` line (without timestamp and id; see :func:`frame`).

    ``received_sender`` adds `` from <raw sender>``, ``received_recipients`` adds
    `` for`` and the raw recipients, as log_write()'s LOG_SENDER/LOG_RECIPIENTS do.
    """
    text = _reception_core(rec, selector)
    if "received_sender" in selector:
        text += f" from <{rec.raw_sender}>"
    if "received_recipients" in selector and rec.raw_recipients:
        text += " for " + " ".join(rec.raw_recipients)
    return text


def reception_msglog(rec: Reception, selector: LogSelector) -> str:
    """The msglog's first line text: "Received from" and the ``<=`` line after its "<= "."""
    return "Received from " + _reception_core(rec, selector)[3:]


# ---------------------------------------------------------------------------------------
# Deliveries, deferrals, failures (deliver.c)
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LoggedAddress:
    """An address with the ancestry the logs show.

    ``parents`` runs from the immediate parent up to the top (original recipient);
    empty for a top-level address. ``pfr`` marks pipe, file and autoreply deliveries;
    ``log_as_local`` is the router's log_as_local with a local transport (used for
    successful deliveries only). Affixes are shown when ``include_affixes``.
    """

    address: str
    local_part: str | None = None
    domain: str | None = None
    parents: tuple[str, ...] = ()
    onetime_parent: str | None = None
    pfr: bool = False
    is_file: bool = False
    log_as_local: bool = False
    prefix: str | None = None
    suffix: str | None = None
    include_affixes: bool = False

    def _local_part(self) -> str:
        lp = self.local_part or ""
        if self.include_affixes:
            lp = (self.prefix or "") + lp + (self.suffix or "")
        return lp

    def text(self, *, all_parents: bool, success: bool) -> str:
        """string_log_address(): ``addr (intermediate, ...) <top>``."""
        top = self.parents[-1] if self.parents else self.address
        add_top = True
        if self.pfr or (success and self.log_as_local):
            out = ("save " if self.is_file and not (self.local_part or "").startswith("/")
                   else "") + self._local_part()
        else:
            if self.local_part is not None:
                out = f"{self._local_part()}@{self.domain}"
            else:
                out = self.address
            at = out.find("@")
            immediate = self.parents[0] if self.parents else None
            if (out.lower() == top.lower() and out[:at] == top[:at]
                    and self.onetime_parent is None
                    and (not all_parents or immediate is None or immediate == top)):
                add_top = False
        middle = [p for p in self.parents[:-1]]
        if (all_parents or self.pfr) and middle:
            out += " (" + (", ".join(middle) if all_parents else middle[0]) + ")"
        if add_top:
            out += f" <{self.onetime_parent or top}>"
        return out


@dataclass(frozen=True)
class HostUsed:
    """The remote host a delivery or attempt used."""

    name: str
    address: str
    port: int = 25
    dnssec: bool = False
    continued: bool = False           # continue_sequence > 1: shown as "*"

    def items(self, selector: LogSelector, sending_ip: str | None, sending_port: int) -> str:
        """d_hostlog(): H=name [DS] [ip][:port][*] [I=[ip][:port]]."""
        out = f" H={self.name}"
        if "dnssec" in selector and self.dnssec:
            out += " DS"
        out += f" [{self.address}]"
        if "outgoing_port" in selector:
            out += f":{self.port}"
        if self.continued:
            out += "*"
        return out + _interface_items(selector, sending_ip, sending_port)


def _interface_items(selector: LogSelector, sending_ip: str | None, sending_port: int) -> str:
    """d_log_interface(): I= needs both incoming_interface and outgoing_interface."""
    if "incoming_interface" in selector and "outgoing_interface" in selector and sending_ip:
        out = f" I=[{sending_ip}]"
        if "outgoing_port" in selector:
            out += f":{sending_port}"
        return out
    return ""


@dataclass(frozen=True)
class TlsOut:
    """An outbound TLS session as delivery lines show it."""

    cipher: str
    resumed: bool = False
    verified: str = "no"              # "yes", "no" or "dane"
    peerdn: str | None = None

    def items(self, selector: LogSelector) -> str:
        """d_tlslog(): X=, CV=, DN=."""
        return _tls_items(selector, self.cipher, self.resumed, self.verified, self.peerdn)


@dataclass(frozen=True)
class Delivery:
    """One delivery attempt's outcome, with what its log line can show.

    ``logchar`` is "=" (first delivery), "-" (a further delivery to the same address,
    e.g. after ``unseen``) or "*" (suppressed by -N). ``size`` is the transport's
    count of bytes written. ``confirmation`` is the remote's final response (C=).
    ``errno`` and ``message`` are for deferrals and failures; ``router_only`` marks
    a routing outcome (``R=`` alone, no transport). Times are seconds.
    """

    address: LoggedAddress
    sender: str = ""
    router: str | None = None
    transport: str | None = None
    local_transport: bool = True
    transport_driver: str = ""
    logchar: str = "="
    size: int = 0
    return_path: str | None = None
    queue_name: str = ""
    local_host: str | None = None        # first of a local transport's host list
    shadow_message: str = ""
    host_used: HostUsed | None = None
    sending_ip: str | None = None
    sending_port: int = 0
    tls: TlsOut | None = None
    authenticator: str | None = None
    auth_id: str | None = None
    auth_sender: str | None = None
    pipelining: bool = False
    early_pipe: bool = False
    prdr: bool = False
    chunking: bool = False
    confirmation: str | None = None
    queue_time: float = 0.0
    deliver_time: float = 0.0
    errno: int = 0
    message: str | None = None
    driver_kind: str | None = None       # deferral_log's driver_kind: " router", "routing" ...


def delivery_line(d: Delivery, selector: LogSelector) -> str:
    """The ``=>``/``->``/``*>`` line text (delivery_log())."""
    out = [f"{d.logchar}> ", d.address.text(all_parents="all_parents" in selector, success=True)]
    if "sender_on_delivery" in selector:
        out.append(f" F=<{d.sender}>")
    if d.queue_name:
        out.append(f" Q={d.queue_name}")
    if d.return_path is not None and "return_path_on_delivery" in selector:
        out.append(f" P=<{d.return_path}>")
    if d.router:
        out.append(f" R={d.router}")
    out.append(f" T={d.transport}")
    if "delivery_size" in selector:
        out.append(f" S={d.size}")
    if d.local_transport:
        if d.local_host:
            out.append(f" H={d.local_host}")
        out.append(_interface_items(selector, d.sending_ip, d.sending_port))
        out.append(d.shadow_message)
    else:
        if d.host_used is not None:
            out.append(d.host_used.items(selector, d.sending_ip, d.sending_port))
        if d.tls is not None:
            out.append(d.tls.items(selector))
        out.append(_auth_items(selector, d.authenticator, d.auth_id, d.auth_sender))
        if "pipelining" in selector:
            if d.pipelining:
                out.append(" L")
            if d.early_pipe:
                out.append("*")
        if d.prdr:
            out.append(" PRDR")
        if d.chunking:
            out.append(" K")
    if ("smtp_confirmation" in selector and d.confirmation
            and (d.host_used is not None or d.transport_driver == "lmtp")):
        out.append(" C=" + _quoted(d.confirmation, 1024))
    if "queue_time" in selector:
        out.append(f" QT={time_diff(d.queue_time, selector)}")
    if "deliver_time" in selector:
        out.append(f" DT={time_diff(d.deliver_time, selector)}")
    return "".join(out)


def deferral_line(d: Delivery, selector: LogSelector) -> str:
    """The ``==`` line text (deferral_log()). The msglog gets the same text without "== "."""
    out = ["== ", d.address.text(all_parents="all_parents" in selector, success=False)]
    if d.queue_name:
        out.append(f" Q={d.queue_name}")
    kind = d.driver_kind
    if kind and kind.startswith(" "):
        if kind[1] == "t" and d.router:
            out.append(f" R={d.router}")
        name = d.transport if kind[1] == "t" else d.router
        out.append(f" {kind[1].upper()}={name}")
    elif kind:
        out.append(" " + kind)
    out.append(f" defer ({d.errno})")
    if d.errno > 0:
        out.append(": " + os.strerror(d.errno))
    if d.host_used is not None:
        out.append(d.host_used.items(selector, d.sending_ip, d.sending_port))
    if "deliver_time" in selector:
        out.append(f" DT={time_diff(d.deliver_time, selector)}")
    if d.message:
        out.append(": " + string_printing(d.message))
    return "".join(out)


def failure_line(d: Delivery, selector: LogSelector) -> str:
    """The ``**`` line text (failure_log())."""
    out = ["** ", d.address.text(all_parents="all_parents" in selector, success=False)]
    if "sender_on_delivery" in selector:
        out.append(f" F=<{d.sender}>")
    if d.queue_name:
        out.append(f" Q={d.queue_name}")
    if d.return_path is not None and "return_path_on_delivery" in selector:
        out.append(f" P=<{d.return_path}>")
    if d.router:
        out.append(f" R={d.router}")
    if d.transport:
        out.append(f" T={d.transport}")
    if d.host_used is not None:
        out.append(d.host_used.items(selector, d.sending_ip, d.sending_port))
    if d.tls is not None:
        out.append(d.tls.items(selector))
    if d.errno > 0:
        out.append(": " + os.strerror(d.errno))
    if d.message:
        out.append(": " + string_printing(d.message))
    if "deliver_time" in selector:
        out.append(f" DT={time_diff(d.deliver_time, selector)}")
    return "".join(out)


def completed_line(queue_time: float, selector: LogSelector) -> str:
    """"Completed", with QT= under queue_time_overall."""
    if "queue_time_overall" in selector:
        return f"Completed QT={time_diff(queue_time, selector)}"
    return "Completed"


def delivery_msglog(d: Delivery, timestamp: str, parent: str | None = None) -> str:
    """The msglog line for a success: ``TIME addr [<parent>]: transport transport succeeded``."""
    who = d.address.address + (f" <{parent}>" if parent else "")
    return f"{timestamp} {who}: {d.transport} transport succeeded\n"


def deferral_msglog(d: Delivery, selector: LogSelector, timestamp: str) -> str:
    """The msglog line for a deferral: the ``==`` line's text after the flag."""
    return f"{timestamp} {deferral_line(d, selector)[3:]}\n"


def failure_msglog(d: Delivery, selector: LogSelector, timestamp: str) -> str:
    """The msglog line for a failure: the ``**`` text after the flag.

    When no router or transport was involved (``driver_kind`` "routing" or
    "transporting"), deliver.c prefixes "KIND failed for".
    """
    text = failure_line(d, selector)[3:]
    if d.driver_kind and not d.driver_kind.startswith(" "):
        return f"{timestamp} {d.driver_kind} failed for {text}\n"
    return f"{timestamp} {text}\n"


def children_complete_msglog(address: str, timestamp: str) -> str:
    """The msglog line when every child of a redirected address is done."""
    return f"{timestamp} {address}: children all complete\n"


# Control lines of the main log (queue.c, deliver.c, receive.c): text only.
MESSAGE_IS_FROZEN = "Message is frozen"                  # selector skip_delivery


def frozen_by_line(user: str) -> str:
    """-Mf, or an ACL's control = freeze: "frozen by USER"."""
    return f"frozen by {user}"


def unfrozen_by_line(user: str) -> str:
    """-Mt: "unfrozen by USER"."""
    return f"unfrozen by {user}"


def frozen_line(info: str = "") -> str:
    """A delivery froze the message: "Frozen" and why (" (delivery error message)", ...)."""
    return f"Frozen{info}"


def queue_run_line(start: bool, pid: int, *, queue_name: str = "", flags: str = "",
                   recipient_select: str | None = None, recipient_regex: bool = False,
                   sender_select: str | None = None, sender_regex: bool = False) -> str:
    """ "Start queue run: pid=N -qff -R x" / "End queue run: ..." (selector queue_run).

    *flags* are the -q letters in Exim's order (q, i, f, f, l).
    """
    detail = f"pid={pid}" + (f" -q{flags}" if flags else "")
    if recipient_select is not None:
        detail += f" -R{'r' if recipient_regex else ''} {recipient_select}"
    if sender_select is not None:
        detail += f" -S{'r' if sender_regex else ''} {sender_select}"
    which = "Start" if start else "End"
    named = f" '{queue_name}'" if queue_name else ""
    return f"{which}{named} queue run: {detail}"


# ---------------------------------------------------------------------------------------
# Rejections (smtp_in.c smtp_handle_acl_fail) and the reject log's extra lines (log.c)
# ---------------------------------------------------------------------------------------

# acl_wherenames[] for the ACLs whose rejections name the command.
ACL_WHERE_NAMES = {
    "rcpt": "RCPT", "mail": "MAIL", "predata": "PREDATA", "mime": "MIME", "dkim": "DKIM",
    "data": "DATA", "prdr": "PRDR", "auth": "AUTH", "connect": "connection", "etrn": "ETRN",
    "expn": "EXPN", "helo": "EHLO or HELO", "mailauth": "MAILAUTH", "quit": "QUIT",
    "starttls": "STARTTLS", "vrfy": "VRFY",
}


def acl_reject_line(where: str, host: PeerHost, selector: LogSelector, *,
                    command_data: str | None = None, sender: str | None = None,
                    authenticator: str | None = None, auth_id: str | None = None,
                    tls: TlsIn | None = None, temporary: bool = False,
                    log_message: str | None = None) -> str:
    """The "rejected ..." line an ACL failure logs (main and reject logs).

    *where* is the ACL: "rcpt", "mail", "data", "predata", "connect", ...
    *command_data* is the command's argument as received (``<a@b> NOTIFY=...``).
    *sender* (the unrewritten sender) is shown for rcpt, data and mime.
    Only the first line of *log_message* is logged.
    """
    if where == "predata":
        what = "DATA"
    elif where == "data":
        what = "after DATA"
    elif where == "prdr":
        what = "after DATA PRDR"
    elif where == "mime":
        what = "during MIME ACL checks"
    else:
        place = command_data if command_data is not None else 'in "connect" ACL'
        if where == "auth":
            place = place.split(None, 1)[0] if place.strip() else ""
        else:
            place = decode(encode(place)[:100])
        what = f"{ACL_WHERE_NAMES[where]} {place}"
    sender_info = ""
    if where in ("rcpt", "data", "mime"):
        auth = ""
        if authenticator:
            auth = f" A={authenticator}" + (f":{auth_id}" if auth_id else "")
        sender_info = f"F=<{sender or ''}>{auth} "
    text = log_message.split("\n", 1)[0] if log_message is not None else None
    dnssec = " DS" if "dnssec" in selector and host.dnssec else ""
    tls_items = tls.items(selector) if tls is not None else ""
    return (f"{dnssec}{host.and_ident(selector)}{tls_items} {sender_info}"
            f"{'temporarily ' if temporary else ''}rejected {what}"
            f"{': ' + text if text is not None else ''}")


def rejectlog_details(sender: str, recipients: Sequence[str],
                      headers: Iterable[HeaderLine]) -> str:
    """What the reject log adds after a rejection with headers (rejected_header).

    ``Envelope-from:``, up to five ``Envelope-to:`` lines (then ``...``), and each header
    as its type flag, a space and its text.
    """
    out = []
    if recipients:
        out.append(f"Envelope-from: <{sender}>\n")
        out.append(f"Envelope-to: <{recipients[0]}>\n")
        for address in recipients[1:5]:
            out.append(f"    <{address}>\n")
        if len(recipients) > 5:
            out.append("    ...\n")
    for header in headers:
        out.append(f"{header.type} {header.text}")
    return "".join(out)


# ---------------------------------------------------------------------------------------
# Writing the files (log.c log_write, open_log)
# ---------------------------------------------------------------------------------------

LOG_MODE = 0o640
_SYSLOG_MAX = 870


class LogWriter:
    """Appends framed lines to the main, reject and panic logs, and/or syslog.

    One ``os.write`` per line (several processes append to the same files). The main
    and reject logs are kept open and reopened when renamed by a cycling script or when
    a ``%D``/``%M`` datestamp changes; the panic log is opened for each line.
    *clock*, *pid* and *syslog_send* are injectable for tests.
    """

    def __init__(self, paths: LogPaths, selector: LogSelector, *, log_timezone: bool = False,
                 utc: bool = False, write_rejectlog: bool = True,
                 syslog_timestamp: bool = True, syslog_pid: bool = True,
                 syslog_duplication: bool = True, clock: Callable[[], float] = time.time,
                 pid: int | None = None,
                 syslog_send: Callable[[str, str], None] | None = None,
                 stderr: Callable[[str], None] | None = None):
        self.paths = paths
        self.selector = selector
        self.log_timezone = log_timezone
        self.utc = utc
        self.write_rejectlog = write_rejectlog
        self.syslog_timestamp = syslog_timestamp
        self.syslog_pid = syslog_pid
        self.syslog_duplication = syslog_duplication
        self.clock = clock
        self.pid = os.getpid() if pid is None else pid
        self.syslog_send = syslog_send or _system_syslog
        self.stderr = stderr
        self._open: dict[str, tuple[int, str, int]] = {}     # kind -> (fd, name, inode)

    def close(self) -> None:
        for fd, _, _ in self._open.values():
            os.close(fd)
        self._open.clear()

    def line(self, text: str, message_id: str | None = None) -> tuple[str, str]:
        """Frame *text*; returns (line, its timestamp)."""
        now = self.clock()
        stamp = log_timestamp(now, millisec="millisec" in self.selector,
                              with_zone=self.log_timezone, utc=self.utc)
        pid = self.pid if "pid" in self.selector else None
        return frame(text, timestamp=stamp, pid=pid, message_id=message_id), stamp

    def write(self, text: str, *, main: bool = True, reject: bool = False,
              panic: bool = False, message_id: str | None = None, selector: str | None = None,
              reject_details: str = "") -> str:
        """Write one event to the chosen logs; returns the framed line.

        *selector* names the log_selector bit that must be on for the main log
        (e.g. "retry_defer"); *reject_details* is appended in the reject log only.
        """
        line, _ = self.line(text, message_id)
        now = self.clock()
        if main and (selector is None or selector in self.selector):
            if self.paths.syslog and (self.syslog_duplication or not (reject or panic)):
                self._syslog("info", line)
            if self.paths.pattern:
                self._append("main", line, now)
        if reject and self.write_rejectlog:
            full = line + reject_details
            if self.paths.syslog and (self.syslog_duplication or not panic):
                self._syslog("notice", full)
            if self.paths.pattern:
                self._append("reject", full, now)
        if panic:
            if self.stderr is not None:
                self.stderr(line)
            if self.paths.syslog:
                self._syslog("alert", line)
            if self.paths.pattern:
                name = log_file_name(self.paths.pattern, "panic", now, utc=self.utc)
                fd = _open_log(name)
                try:
                    _write_all(fd, encode(line))
                finally:
                    os.close(fd)
        return line

    def _append(self, kind: str, line: str, now: float) -> None:
        assert self.paths.pattern is not None
        name = log_file_name(self.paths.pattern, kind, now, utc=self.utc)
        current = self._open.get(kind)
        if current is not None:
            fd, open_name, inode = current
            try:
                moved = open_name != name or os.stat(open_name).st_ino != inode
            except FileNotFoundError:
                moved = True
            if moved:
                os.close(fd)
                current = None
        if current is None:
            fd = _open_log(name)
            current = (fd, name, os.fstat(fd).st_ino)
            self._open[kind] = current
        _write_all(current[0], encode(line))

    def _syslog(self, priority: str, line: str) -> None:
        """write_syslog(): drop the timestamp/pid as configured, split long or multi-line text."""
        text = line.rstrip("\n")
        if "pid" in self.selector and not self.syslog_pid:
            text = text.replace(f"[{self.pid}] ", "", 1)
        if not self.syslog_timestamp:
            skip = 26 if self.log_timezone else 20
            if "millisec" in self.selector:
                skip += 4
            text = text[skip:]
        pieces: list[tuple[str, bool]] = []
        for part in text.split("\n"):
            while len(part) > _SYSLOG_MAX:
                pieces.append((part[:_SYSLOG_MAX], False))
                part = part[_SYSLOG_MAX:]
            pieces.append((part, True))
        if len(pieces) == 1:
            self.syslog_send(priority, pieces[0][0])
            return
        for index, (piece, ended_by_newline) in enumerate(pieces, 1):
            more = ended_by_newline and index != len(pieces)
            mark = "\\" if more else "/"
            self.syslog_send(priority, f"[{index}{mark}{len(pieces)}] {piece}")


def _open_log(name: str) -> int:
    """Open a log for appending, creating it (and its directory) as log.c does."""
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC
    try:
        return os.open(name, flags, LOG_MODE)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(name) or ".", 0o750, exist_ok=True)
        return os.open(name, flags, LOG_MODE)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _system_syslog(priority: str, text: str) -> None:
    import syslog
    level = {"info": syslog.LOG_INFO, "notice": syslog.LOG_NOTICE,
             "alert": syslog.LOG_ALERT}[priority]
    syslog.syslog(syslog.LOG_MAIL | level, text)

