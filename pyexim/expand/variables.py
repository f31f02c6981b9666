"""Expansion variables: ``$name`` (Exim: expand.c var_table and find_variable; spec:
"Expansion variables").

``VARIABLES`` maps every variable name of Debian's 4.96 build to a reader
``(evaluator) -> str | None``. Most read ``ctx.values[name]`` with Exim's type rules
(unset strings are empty, unset numbers 0, booleans "yes"/"no"); the rest are
computed (time of day, headers, the sender host name). ACL variables
(``$acl_c*``/``$acl_m*``), router variables (``$r_*``), ``$auth1``..``$auth4`` and
``$regex1``..``$regex9`` are recognised by name pattern, as Exim does.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from pyexim.strings import ALPHA, SPACE, list_items, lower, span
from pyexim.taint import Tainted, mark

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyexim.expand.context import ExpansionContext
    from pyexim.expand.evaluator import Evaluator

Reader = Callable[["Evaluator"], "str | None"]


# ---------------------------------------------------------------------------
# Headers (Exim: find_header)

def find_header(ctx: ExpansionContext, name: str | None, *, raw: bool = False,
                as_list: bool = False, exists_only: bool = False,
                charset: str | None = None) -> str | None:
    """The value of header *name* (lower-case, with its colon), or of all headers.

    Several headers of the same name are joined with newlines, or with ",\\n" for
    address headers; unless *raw*, leading and trailing white space is removed and
    RFC 2047 encoded-words are decoded (to *charset* when given). None when no such
    header exists.
    """
    from pyexim.expand.rfc2047 import decode_2047
    maxlen = ctx.options.header_insert_maxlen
    found = name is None
    pieces: list[str] = []
    length = 0
    comma = False
    tainted = False
    nlen = len(name) if name else 0
    lname = lower(name) if name else ""
    for h in ctx.headers:
        if h.type == "*" or not h.text:
            continue
        text = h.text
        if name is not None and not (nlen <= len(text) and lower(text[:nlen]) == lname):
            continue
        if exists_only:
            return "1"
        found = True
        tainted = tainted or isinstance(text, Tainted)
        s, t = nlen, len(text)
        if not raw:
            s = span(text, SPACE, s)
        if as_list:
            while t > s and text[t - 1] == "\n":
                t -= 1
        elif not raw:
            while t > s and text[t - 1] in SPACE:
                t -= 1
            if name is not None and not comma and h.type in "BCFRST" and h.type != " ":
                comma = True
        inc = t - s
        if length + inc > maxlen:
            inc = maxlen - length
        data = text[s:s + inc]
        if as_list:
            if pieces:
                pieces.append(":")
            pieces.append(data.replace(":", "::"))
        elif raw:
            pieces.append(data)
        elif inc > 0:
            if pieces:
                pieces.append(",\n" if comma else "\n")
            pieces.append(data)
        length = sum(len(p) for p in pieces)
        if length >= maxlen:
            break
    if not found:
        return None
    value = "".join(pieces)
    if not raw and value:
        decoded, _error = decode_2047(value, ctx.options.check_rfc2047_length, charset, "?")
        if decoded is not None:
            value = decoded
    return mark(value, tainted)


# ---------------------------------------------------------------------------
# Readers

def _str(name: str) -> Reader:
    def read(ev: Evaluator) -> str | None:
        value = ev.ctx.values.get(name)
        return "" if value is None else value if isinstance(value, str) else str(value)
    return read


def _int(name: str, default: int = 0) -> Reader:
    def read(ev: Evaluator) -> str | None:
        value = ev.ctx.values.get(name)
        return str(default if value is None else int(value))  # type: ignore[call-overload]
    return read


def _bool(name: str) -> Reader:
    def read(ev: Evaluator) -> str | None:
        return "yes" if ev.ctx.values.get(name) else "no"
    return read


def _fixed(text: str) -> Reader:
    return lambda ev: text


def _address_part(name: str, domain: bool) -> Reader:
    """The local part (or domain) of address variable *name*, split at the last @."""
    def read(ev: Evaluator) -> str | None:
        value = ev.ctx.values.get(name)
        if not value:
            return ""
        text = str(value)
        at = text.rfind("@")
        if at < 0:
            return "" if domain else text
        part = text[at + 1:] if domain else text[:at]
        return mark(part, isinstance(value, Tainted))
    return read


def _acl_arg(number: int) -> Reader:
    def read(ev: Evaluator) -> str | None:
        args = ev.ctx.acl_args
        return args[number - 1] if len(args) >= number else ""
    return read


def _cert(name: str) -> Reader:
    return lambda ev: "<cert>" if ev.ctx.values.get(name) else ""


def _filter_int(index: int, signed: bool) -> Reader:
    def read(ev: Evaluator) -> str | None:
        if not ev.ctx.filter_running:
            return None
        return str((ev.ctx.filter_svars if signed else ev.ctx.filter_vars)[index])
    return read


# DKIM values outside a DKIM ACL (dkim_exim_expand_defaults).
_DKIM_DEFAULTS = {
    "dkim_algo": "", "dkim_bodylength": "9999999999999", "dkim_canon_body": "",
    "dkim_canon_headers": "", "dkim_copiedheaders": "", "dkim_created": "0",
    "dkim_expires": "9999999999999", "dkim_headernames": "", "dkim_identity": "",
    "dkim_key_granularity": "*", "dkim_key_nosubdomains": "0", "dkim_key_notes": "",
    "dkim_key_srvtype": "*", "dkim_key_testing": "0",
}


def _dkim(name: str) -> Reader:
    def read(ev: Evaluator) -> str | None:
        value = ev.ctx.values.get(name)
        return _DKIM_DEFAULTS[name] if value is None else str(value)
    return read


# -- time of day (Exim: tod.c) ----------------------------------------------

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
           "Dec")


def _now(ev: Evaluator) -> tuple[float, time.struct_time]:
    now = ev.ctx.clock()
    local = time.gmtime(now) if ev.ctx.options.timestamps_utc else time.localtime(now)
    return now, local


def _zone(ev: Evaluator, now: float, local: time.struct_time) -> str:
    if ev.ctx.options.timestamps_utc:
        return "+0000"
    offset = local.tm_gmtoff // 60
    sign = "-" if offset < 0 else "+"
    return f"{sign}{abs(offset) // 60:02d}{abs(offset) % 60:02d}"


def tod_full(ev: Evaluator) -> str:
    """$tod_full: ``Wed, 25 Nov 2026 09:27:06 +0000``."""
    now, t = _now(ev)
    return (f"{_DAYS[t.tm_wday]}, {t.tm_mday:02d} {_MONTHS[t.tm_mon - 1]} {t.tm_year:04d} "
            f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} {_zone(ev, now, t)}")


def tod_log(ev: Evaluator) -> str:
    """$tod_log: ``2026-11-25 09:27:06`` (never with the zone)."""
    _, t = _now(ev)
    return (f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d} "
            f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}")


def _tod_bsdinbox(ev: Evaluator) -> str:
    _, t = _now(ev)
    return (f"{_DAYS[t.tm_wday]} {_MONTHS[t.tm_mon - 1]} {t.tm_mday:02d} "
            f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} {t.tm_year:04d}")


def _tod_epoch(ev: Evaluator) -> str:
    return str(int(ev.ctx.clock()))


def _tod_epoch_l(ev: Evaluator) -> str:
    now = ev.ctx.clock()
    seconds = int(now)
    return f"{seconds}{round((now - seconds) * 1_000_000) % 1_000_000:06d}"


def _tod_logfile(ev: Evaluator) -> str:
    _, t = _now(ev)
    return f"{t.tm_year:04d}{t.tm_mon:02d}{t.tm_mday:02d}"


def _tod_zone(ev: Evaluator) -> str:
    now, t = _now(ev)
    return _zone(ev, now, t)


def _tod_zulu(ev: Evaluator) -> str:
    t = time.gmtime(ev.ctx.clock())
    return (f"{t.tm_year:04d}{t.tm_mon:02d}{t.tm_mday:02d}"
            f"{t.tm_hour:02d}{t.tm_min:02d}{t.tm_sec:02d}Z")


# -- computed values ---------------------------------------------------------

def _pid(ev: Evaluator) -> str:
    return str(ev.ctx.pid)


def _load_average(ev: Evaluator) -> str:
    if ev.ctx.load_average is not None:
        return str(ev.ctx.load_average())
    try:
        return str(int(os.getloadavg()[0] * 1000))
    except OSError:
        return "-1"


def _reply_address(ev: Evaluator) -> str:
    ctx = ev.ctx
    value = find_header(ctx, "reply-to:", raw=True)
    if value is not None:
        value = value.lstrip(" \t\n\v\f\r")
    if not value:
        value = find_header(ctx, "from:", raw=True)
    if value is None:
        return ""
    tainted = isinstance(value, Tainted)
    value = value.lstrip(" \t\n\v\f\r").replace("\n", " ").rstrip(" \t\n\v\f\r")
    return mark(value, tainted)


def _message_headers(raw: bool) -> Reader:
    def read(ev: Evaluator) -> str | None:
        value = find_header(ev.ctx, None, raw=raw)
        return value or ""
    return read


def _message_body(end: bool) -> Reader:
    def read(ev: Evaluator) -> str | None:
        value = ev.ctx.message_body_end if end else ev.ctx.message_body
        return value or ""
    return read


def _sender_host_name(ev: Evaluator) -> str:
    ctx = ev.ctx
    name = ctx.values.get("sender_host_name")
    if (not name and ctx.values.get("sender_host_address")
            and not ctx.values.get("host_lookup_failed") and ctx.host_name_lookup):
        name = ctx.host_name_lookup(ctx)
    return name if isinstance(name, str) else str(name) if name else ""


def _recipients(ev: Evaluator) -> str:
    recipients = ev.ctx.recipients
    if not recipients:
        return ""
    return mark(", ".join(recipients), any(isinstance(r, Tainted) for r in recipients))


def _space(spool: bool, inodes: bool) -> Reader:
    def read(ev: Evaluator) -> str | None:
        values = ev.ctx.values
        spool_dir = str(values.get("spool_directory") or "")
        path: str | None = None
        if spool:
            path = spool_dir
        else:
            for item in list_items(str(values.get("log_file_path") or "") or ":", ":"):
                if item != "syslog":
                    path = item
                    break
            if path is None:
                return "-1"
            path = f"{spool_dir}/log" if path == "" else path.rpartition("/")[0] \
                if "/" in path else path
        try:
            st = os.statvfs(path or ".")
        except OSError:
            return "-1"
        if inodes:
            return str(st.f_favail if st.f_files > 0 else -1)
        return str(int(st.f_bavail * st.f_frsize / 1024.0))
    return read


# ---------------------------------------------------------------------------
# The table. Kinds: s = string, i = integer, b = boolean, u/g = uid/gid (integers),
# l/d = local part / domain of another variable, c = certificate.

_SIMPLE = """
acl_narg i; acl_verify_message s; address_data s; address_file s; address_pipe s;
authenticated_fail_id s; authenticated_id s; authenticated_sender s; authentication_failed i;
av_failed i; body_linecount i; body_zerocount i; bounce_recipient s;
bounce_return_size_limit i; caller_gid g; caller_uid g; callout_address s; compile_date s;
compile_number s; config_dir s; config_file s; csa_status s; dkim_cur_signer s;
dkim_domain s; dkim_key_length i; dkim_selector s; dkim_signers s; dnslist_domain s;
dnslist_matched s; dnslist_text s; dnslist_value s; domain s; domain_data s; event_data s;
event_defer_errno i; event_name s; exim_gid g; exim_path s; exim_uid g; exim_version s;
home s; host s; host_address s; host_data s; host_lookup_deferred i; host_lookup_failed i;
host_port i; initial_cwd s; inode i; interface_address s; interface_port i; item s;
ldap_dn s; local_part s; local_part_data s; local_part_prefix s; local_part_prefix_v s;
local_part_suffix s; local_part_suffix_v s; local_scan_data s; local_user_gid g;
local_user_uid g; localhost_number i; lookup_dnssec_authenticated s; mailstore_basename s;
malware_name s; max_received_linelength i; message_age i; message_body_size i;
message_id s; message_linecount i; message_size i; message_smtputf8 b;
mime_anomaly_level i; mime_anomaly_text s; mime_boundary s; mime_charset s;
mime_content_description s; mime_content_disposition s; mime_content_id s;
mime_content_size i; mime_content_transfer_encoding s; mime_content_type s;
mime_decoded_filename s; mime_filename s; mime_is_coverletter i; mime_is_multipart i;
mime_is_rfc822 i; mime_part_count i; original_domain s; original_local_part s;
originator_gid g; originator_uid g; parent_domain s; parent_local_part s; prdr_requested b;
primary_hostname s; proxy_external_address s; proxy_external_port i;
proxy_local_address s; proxy_local_port i; proxy_session b; qualify_domain s;
qualify_recipient s; queue_name s; rcpt_count i; rcpt_defer_count i; rcpt_fail_count i;
received_count i; received_for s; received_protocol s; received_time i; recipient_data s;
recipient_verify_failure s; recipients_count i; regex_match_string s; return_path s;
router_name s; self_hostname s; sender_address s; sender_address_data s; sender_data s;
sender_fullhost s; sender_helo_dnssec b; sender_helo_name s; sender_host_address s;
sender_host_authenticated s; sender_host_dnssec b; sender_host_port i; sender_ident s;
sender_rate s; sender_rate_limit s; sender_rate_period s; sender_rcvhost s;
sender_verify_failure s; sending_ip_address s; sending_port i; smtp_active_hostname s;
smtp_command s; smtp_command_argument s; smtp_count_at_connection_start i;
smtp_notquit_reason s; spam_action s; spam_bar s; spam_report s; spam_score s;
spam_score_int s; spf_guess s; spf_header_comment s; spf_received s; spf_result s;
spf_result_guessed b; spf_smtp_comment s; spool_directory s; srs_recipient s;
thisaddress s; tls_in_bits i; tls_in_certificate_verified i; tls_in_cipher s;
tls_in_cipher_std s; tls_in_ocsp i; tls_in_peerdn s; tls_in_resumption i; tls_in_sni s;
tls_in_ver s; tls_out_bits i; tls_out_certificate_verified i; tls_out_cipher s;
tls_out_cipher_std s; tls_out_dane b; tls_out_ocsp i; tls_out_peerdn s;
tls_out_resumption i; tls_out_sni s; tls_out_tlsa_usage i; tls_out_ver s;
transport_name s; verify_mode s; warnmsg_delay s; warnmsg_recipients s;
dkim_verify_status s; dkim_verify_reason s
"""

# Second names for the same values (var_table entries that share a pointer).
_ALIASES = {
    "message_exim_id": "message_id", "received_ip_address": "interface_address",
    "received_port": "interface_port", "return_size_limit": "bounce_return_size_limit",
    "version_number": "exim_version", "tls_bits": "tls_in_bits",
    "tls_certificate_verified": "tls_in_certificate_verified", "tls_cipher": "tls_in_cipher",
    "tls_peerdn": "tls_in_peerdn", "tls_sni": "tls_in_sni",
    "warn_message_delay": "warnmsg_delay", "warn_message_recipient": "warnmsg_recipients",
    "warn_message_recipients": "warnmsg_recipients", "warnmsg_recipient": "warnmsg_recipients",
}

# Integer variables whose unset value is not 0 (Exim's initial globals).
_INT_DEFAULTS = {"interface_port": -1, "localhost_number": 0, "sending_port": -1,
                 "local_user_uid": 0xFFFFFFFF, "local_user_gid": 0xFFFFFFFF}  # (uid_t)-1


def _simple_readers() -> dict[str, Reader]:
    readers: dict[str, Reader] = {}
    for entry in _SIMPLE.replace("\n", " ").split(";"):
        entry = entry.strip()
        if not entry:
            continue
        name, kind = entry.split()
        if kind == "s":
            readers[name] = _str(name)
        elif kind in "iug":
            readers[name] = _int(name, _INT_DEFAULTS.get(name, 0))
        elif kind == "b":
            readers[name] = _bool(name)
    for alias, target in _ALIASES.items():
        readers[alias] = readers[target]
    return readers


VARIABLES: dict[str, Reader] = {
    **_simple_readers(),
    **{f"acl_arg{i}": _acl_arg(i) for i in range(1, 10)},
    "acl_narg": lambda ev: str(len(ev.ctx.acl_args)),
    **{name: _dkim(name) for name in _DKIM_DEFAULTS},
    **{f"n{i}": _filter_int(i, False) for i in range(10)},
    **{f"sn{i}": _filter_int(i, True) for i in range(10)},
    "headers_added": _str("headers_added"),
    "load_average": _load_average,
    "log_inodes": _space(False, True),
    "log_space": _space(False, False),
    "message_body": _message_body(False),
    "message_body_end": _message_body(True),
    "message_headers": _message_headers(False),
    "message_headers_raw": _message_headers(True),
    "pid": _pid,
    "prvscheck_address": lambda ev: ev.ctx.prvscheck_address or "",
    "prvscheck_keynum": lambda ev: ev.ctx.prvscheck_keynum or "",
    "prvscheck_result": lambda ev: ev.ctx.prvscheck_result or "",
    "queue_size": _str("queue_size"),
    "recipients": _recipients,
    "reply_address": _reply_address,
    "runrc": lambda ev: str(ev.ctx.runrc),
    "sender_address_domain": _address_part("sender_address", True),
    "sender_address_local_part": _address_part("sender_address", False),
    "sender_host_name": _sender_host_name,
    "smtp_command_history": _str("smtp_command_history"),
    "spool_inodes": _space(True, True),
    "spool_space": _space(True, False),
    "tls_in_ourcert": _cert("tls_in_ourcert"),
    "tls_in_peercert": _cert("tls_in_peercert"),
    "tls_out_ourcert": _cert("tls_out_ourcert"),
    "tls_out_peercert": _cert("tls_out_peercert"),
    "tod_bsdinbox": _tod_bsdinbox,
    "tod_epoch": _tod_epoch,
    "tod_epoch_l": _tod_epoch_l,
    "tod_full": tod_full,
    "tod_log": tod_log,
    "tod_logfile": _tod_logfile,
    "tod_zone": _tod_zone,
    "tod_zulu": _tod_zulu,
    "value": lambda ev: ev.ctx.lookup_value or "",
    "item": lambda ev: ev.ctx.iterate_item or "",
}


def find_variable(ev: Evaluator, name: str, *, skipping: bool = False) -> str | None:
    """The value of variable *name*, or None when Exim has no such variable.

    While skipping, a known variable reads as empty without being computed (so no
    host-name lookup happens), as in Exim.
    """
    ctx = ev.ctx
    if name[:5] in ("acl_c", "acl_m") and (len(name) < 6 or name[5] not in ALPHA):
        table = ctx.acl_c if name[4] == "c" else ctx.acl_m
        value = table.get(name[4:])
        if value is None:
            return None if ctx.options.strict_acl_vars else ""
        return value
    if name.startswith("r_"):
        value = ctx.router_vars.get(name[2:])
        if value is None:
            return None if ctx.options.strict_acl_vars else ""
        return value
    if name.startswith("auth") and name[4:].isdigit() and name[4:].isascii():
        n = int(name[4:])
        if 0 < n <= len(ctx.auth_vars):
            return ctx.auth_vars[n - 1] or ""
    elif name.startswith("regex") and name[5:].isdigit() and name[5:].isascii():
        n = int(name[5:])
        if 0 < n <= len(ctx.regex_vars):
            return ctx.regex_vars[n - 1] or ""
    reader = VARIABLES.get(name)
    if reader is None:
        return None
    if skipping:
        return ""
    return reader(ev)


def variable_error_suffix(name: str, ctx: ExpansionContext) -> str:
    """Exim's extra words for an unknown variable that looks like an ACL variable."""
    if not name.startswith("acl_"):
        return ""
    if name[4:5] in ("c", "m"):
        if name[5:6] and name[5] in ALPHA:
            return (" (6th character of a user-defined ACL variable must be a digit or "
                    "underscore)")
        return " (strict_acl_vars is set)"
    return " (user-defined ACL variables must start acl_c or acl_m)"


