"""The ``verify`` condition (Exim: acl.c ``acl_verify``, verify.c header checks; spec:
"Address verification", "Header syntax checking").

``verify = recipient``, ``sender[=address]`` and ``header_sender`` route addresses (through
the session's router chain) with the common options ``defer_ok``, ``no_details``,
``success_on_redirect``, ``callout[=...]`` and ``quota``; ``header_syntax``,
``header_names_ascii`` and ``not_blind`` check the message's headers; ``helo``,
``reverse_host_lookup``, ``certificate`` and ``csa`` check the client. Results and
messages are Exim's.
"""

from __future__ import annotations

from pyexim.acl.engine import Call
from pyexim.acl.state import RouteVerify, VerifiedSender
from pyexim.acl.where import ALL, HAVE_DATA, Rc, Where, bits
from pyexim.address import (
    AddressError,
    AddressOptions,
    GroupState,
    extract_address,
    find_address_end,
)
from pyexim.expand import HeaderView
from pyexim.record import record
from pyexim.strings import SPACE, list_items, printing, span
from pyexim.timevalue import read_time

CALLOUT_TIMEOUT_DEFAULT = 30

#: name -> (where allowed bitmap, options never allowed)
_VERIFY_TYPES: dict[str, tuple[int, bool]] = {
    "reverse_host_lookup": (ALL, False),
    "certificate": (ALL, True),
    "helo": (ALL, True),
    "csa": (ALL, False),
    "header_syntax": (HAVE_DATA, True),
    "not_blind": (HAVE_DATA, False),
    "header_sender": (HAVE_DATA, False),
    "sender": (bits(Where.MAIL, Where.RCPT, Where.PREDATA, Where.DATA, Where.NOTSMTP), False),
    "recipient": (bits(Where.RCPT), False),
    "header_names_ascii": (HAVE_DATA, True),
}

#: The callout sub-options, matched as prefixes in this order (Exim's table).
_CALLOUT_OPTIONS = ("defer_ok", "no_cache", "random", "use_sender", "use_postmaster",
                    "postmaster_mailfrom", "postmaster", "fullpostmaster", "mailfrom",
                    "maxwait", "connect", "hold")
_CALLOUT_HAS_VALUE = frozenset({"postmaster_mailfrom", "mailfrom", "maxwait", "connect"})
_CALLOUT_TIMED = frozenset({"maxwait", "connect"})
_ADDRESS_HEADERS = frozenset("FRSTCB")
_BAD = ('expected "sender[=address]", "recipient", "helo", "header_syntax", '
        '"header_sender", "header_names_ascii" or "reverse_host_lookup" at start of ACL '
        'condition "verify {arg}"')


def cond_verify(call: Call) -> Rc:
    """Run one verification; its user message goes into $acl_verify_message."""
    rc = _verify(call)
    if call.msgs.user:
        call.ctx.values["acl_verify_message"] = call.msgs.user
    if call.verb == "warn":
        call.msgs.user = None
    return rc


def _verify(call: Call) -> Rc:
    arg = call.arg
    items = list(list_items(arg, "/"))
    if not items:
        return call.error(_BAD.format(arg=arg))
    first = items[0]
    kind = next((name for name in _VERIFY_TYPES
                 if (first[:6].lower() == "sender" if name == "sender"
                     else first.lower() == name)), None)
    if kind is None:
        return call.error(_BAD.format(arg=arg))
    allowed, no_options = _VERIFY_TYPES[kind]
    if no_options and "/" in arg:
        return call.error(f"unexpected '/' found in \"{arg}\" (this verify item has no "
                          "options)")
    if not allowed & call.where.bit:
        return call.error(f"cannot verify {kind} in ACL for {call.where.exim_name}")
    options = items[1:]
    simple = _SIMPLE.get(kind)
    if simple is not None:
        return simple(call, options)
    sender_address: str | None = None
    if kind == "sender":
        rest = first[6:]
        if not rest:
            sender_address = str(call.ctx.values.get("sender_address") or "")
        else:
            rest = rest.lstrip(" \t\n\v\f\r")
            if not rest.startswith("="):
                return call.error(_BAD.format(arg=arg))
            sender_address = rest[1:].lstrip(" \t\n\v\f\r")
    parsed = _address_options(call, options, header_sender=kind == "header_sender")
    if isinstance(parsed, Rc):
        return parsed
    if parsed.quota and kind != "recipient":
        return call.error("can only verify quota of recipient")
    if kind == "header_sender":
        return _header_sender(call, parsed)
    if sender_address is not None:
        return _sender(call, sender_address, parsed, real=not first[6:])
    return _recipient(call, parsed)


# ---------------------------------------------------------------------------------------
# Checks without options, or with their own

def _reverse_host_lookup(call: Call, options: list[str]) -> Rc:
    values = call.ctx.values
    if not values.get("sender_host_address"):
        return Rc.OK
    if values.get("sender_host_name"):
        return Rc.OK
    if values.get("host_lookup_failed"):
        call.msgs.log = f"host lookup failed{values.get('host_lookup_msg', '')}"
        return Rc.FAIL
    call.engine.trace("looking up host name to force name/address consistency check")
    found = call.session.host_name_lookup()
    if found.rc == "ok":
        return Rc.OK
    if found.rc == "defer":
        call.msgs.log = "host lookup deferred for reverse lookup check"
        if any(o.lower() == "defer_ok" for o in options):
            return Rc.OK
        return Rc.DEFER
    call.msgs.log = f"host lookup failed for reverse lookup check{found.message}"
    return Rc.FAIL


def _certificate(call: Call, options: list[str]) -> Rc:
    if call.ctx.values.get("tls_in_certificate_verified"):
        return Rc.OK
    call.msgs.user = "no verified certificate"
    return Rc.FAIL


def _helo(call: Call, options: list[str]) -> Rc:
    state = call.state
    if not state.helo_verified and not state.helo_verify_failed:
        call.session.verify_helo()
    return Rc.OK if state.helo_verified else Rc.FAIL


def _csa(call: Call, options: list[str]) -> Rc:
    from pyexim.acl.csa import check_csa
    status, reason, rc = check_csa(call, options[0] if options else "")
    call.msgs.log = call.msgs.user = f"client SMTP authorization {reason}"
    call.ctx.values["csa_status"] = status
    call.engine.trace(f"CSA result {status}")
    return rc


def _header_syntax(call: Call, options: list[str]) -> Rc:
    message = check_header_syntax(call.session.message_headers(),
                                  _unqualified_ok(call), call.engine.address_options())
    if message is None:
        return Rc.OK
    call.msgs.log = message
    if call.engine.option("smtp_return_error_details", False):
        call.msgs.user = f"Rejected after DATA: {message}"
    else:
        call.ctx.values["acl_verify_message"] = message
    return Rc.FAIL


def _header_names_ascii(call: Call, options: list[str]) -> Rc:
    for header in call.session.message_headers():
        name = header.text[:header.text.find(":")]
        if any(not 33 <= ord(c) <= 126 for c in name):
            call.msgs.log = f'Invalid character in header "{name}" found'
            if call.engine.option("smtp_return_error_details", False):
                call.msgs.user = f"Rejected after DATA: {call.msgs.log}"
            return Rc.FAIL
    return Rc.OK


def _not_blind(call: Call, options: list[str]) -> Rc:
    case_sensitive = True
    for option in options:
        if option.lower() == "case_insensitive":
            case_sensitive = False
        else:
            return call.error(f'unknown option "{option}" in ACL condition '
                              f'"verify {call.arg}"')
    headers = [h for h in call.session.message_headers() if h.type in ("T", "C")]
    opts = call.engine.address_options()
    for recipient in call.session.message_recipients():
        if not any(_mentions(h, recipient, case_sensitive, opts) for h in headers):
            call.msgs.log = "bcc recipient detected"
            if call.engine.option("smtp_return_error_details", False):
                call.msgs.user = f"Rejected after DATA: {call.msgs.log}"
            return Rc.FAIL
    return Rc.OK


_SIMPLE = {"reverse_host_lookup": _reverse_host_lookup, "certificate": _certificate,
           "helo": _helo, "csa": _csa, "header_syntax": _header_syntax,
           "header_names_ascii": _header_names_ascii, "not_blind": _not_blind}


def _unqualified_ok(call: Call) -> tuple[bool, bool]:
    values = call.ctx.values
    return bool(values.get("allow_unqualified_sender")), \
        bool(values.get("allow_unqualified_recipient"))


@record(frozen=True)
class HeaderAddress:
    """One address of an address header: its text, and the address found (with whether
    it has a domain) or Exim's error for it."""

    text: str
    address: str | None
    qualified: bool = True
    error: str | None = None


def header_addresses(header: HeaderView, opts: AddressOptions) -> list[HeaderAddress]:
    """The addresses of an address header, scanned with group syntax allowed as Exim's
    header checks do (parse_find_address_end, then parse_extract_address)."""
    text = header.text
    pos = text.find(":") + 1
    pos = span(text, SPACE, pos)
    group = GroupState(allow=True)
    out: list[HeaderAddress] = []
    while pos < len(text):
        end = find_address_end(text, pos)
        piece = text[pos:end]
        try:
            found = extract_address(piece, options=opts, group=group)
            out.append(HeaderAddress(piece, found.address, found.domain > 0))
        except AddressError as error:
            out.append(HeaderAddress(piece, None, error=str(error)))
        pos = end + 1 if end < len(text) else end
        pos = span(text, SPACE, pos)
    return out


def check_header_syntax(headers: list[HeaderView], unqualified_ok: tuple[bool, bool],
                        opts: AddressOptions) -> str | None:
    """Exim's verify_check_headers: the first syntax error in an address header, as
    Exim words it, or None when they are all correct."""
    allow_sender, allow_recipient = unqualified_ok
    for header in headers:
        if header.type not in _ADDRESS_HEADERS:
            continue
        for found in header_addresses(header, opts):
            error = found.error
            if found.address is not None and not found.qualified and not (
                    allow_sender if header.type in "FS" else allow_recipient):
                error = "unqualified address not permitted"
            elif found.address is not None:
                continue
            if error == "empty address":
                continue
            shown = found.text.rstrip(" \t\n\v\f\r")
            verb = "is"
            if len(shown) > 1024:
                shown, verb = shown[:1024], "begins"
            name = header.text[:header.text.find(":")].rstrip(" \t\n\v\f\r")
            return printing(f'{error}: failing address in "{name}:" header {verb}: {shown}')
    return None


def _mentions(header: HeaderView, recipient: str, case_sensitive: bool,
              opts: AddressOptions) -> bool:
    """Whether *recipient* is one of the header's (qualified) addresses."""
    at = recipient.rfind("@")
    for found in header_addresses(header, opts):
        address = found.address
        if address is None or not found.qualified:
            continue
        dom = address.rfind("@")
        local, rlocal = address[:dom + 1], recipient[:at + 1]
        same_local = local == rlocal if case_sensitive else local.lower() == rlocal.lower()
        if same_local and address[dom + 1:].lower() == recipient[at + 1:].lower():
            return True
    return False


# ---------------------------------------------------------------------------------------
# Address verification options and the three address checks

class _Opts:
    def __init__(self) -> None:
        self.defer_ok = self.no_details = self.success_on_redirect = False
        self.callout_defer_ok = self.quota = False
        self.callout = -1
        self.flags: set[str] = set()
        self.values: dict[str, object] = {}

    def as_dict(self) -> dict[str, object]:
        return {"callout": self.callout, "flags": frozenset(self.flags),
                "success_on_redirect": self.success_on_redirect, **self.values}


def _address_options(call: Call, options: list[str], *, header_sender: bool) -> _Opts | Rc:
    arg = call.arg
    opts = _Opts()
    for option in options:
        word = option.lower()
        if word == "defer_ok":
            opts.defer_ok = True
        elif word == "no_details":
            opts.no_details = True
        elif word == "success_on_redirect":
            opts.success_on_redirect = True
        elif word == "callout_defer_ok":
            opts.callout_defer_ok = True
            opts.callout = CALLOUT_TIMEOUT_DEFAULT if opts.callout < 0 else opts.callout
        elif word == "check_postmaster":
            opts.values["pm_mailfrom"] = ""
            opts.callout = CALLOUT_TIMEOUT_DEFAULT if opts.callout < 0 else opts.callout
        elif word.startswith("callout"):
            problem = _callout(opts, option[7:], arg, header_sender)
            if problem is not None:
                return call.error(problem)
        elif word.startswith("quota"):
            opts.quota = True
            rest = option[5:].lstrip(" \t")
            if rest.startswith("="):
                for sub in list_items(rest[1:].lstrip(" \t"), ","):
                    if sub.startswith(("cachepos=", "cacheneg=")):
                        if read_time(sub[9:]) < 0:
                            return call.error('bad time value in ACL condition "verify '
                                              f'{arg}"')
        else:
            return call.error(f'unknown option "{option}" in ACL condition "verify {arg}"')
    if {"use_sender", "use_postmaster"} <= opts.flags:
        return call.error("only one of use_sender and use_postmaster can be set for a "
                          "recipient callout")
    return opts


def _callout(opts: _Opts, rest: str, arg: str, header_sender: bool) -> str | None:
    """The callout option and its comma-separated sub-options; an error text or None."""
    opts.callout = CALLOUT_TIMEOUT_DEFAULT
    if not rest:
        return None
    rest = rest.lstrip(" \t\n\v\f\r")
    if not rest.startswith("="):
        return f"'=' expected after \"callout\" in ACL condition \"{arg}\""
    for sub in list_items(rest[1:].lstrip(" \t\n\v\f\r"), ","):
        name = next((n for n in _CALLOUT_OPTIONS if sub[:len(n)].lower() == n), None)
        value = sub
        if name is not None:
            opts.flags.add(name)
            if name in _CALLOUT_HAS_VALUE:
                value = sub[len(name):].lstrip(" \t\n\v\f\r")
                if not value.startswith("="):
                    return (f"'=' expected after \"{name}\" in ACL verify condition "
                            f"\"{arg}\"")
                value = value[1:].lstrip(" \t\n\v\f\r")
        if name is None or name in _CALLOUT_TIMED:
            period = read_time(value)
            if period < 0:
                return f'bad time value in ACL condition "verify {arg}"'
            if name is None:
                opts.callout = period
            else:
                opts.values[name] = period
            continue
        if name == "defer_ok":
            opts.callout_defer_ok = True
        elif name in ("postmaster", "fullpostmaster"):
            opts.values["pm_mailfrom"] = ""
        elif name == "mailfrom":
            if not header_sender:
                return ('"mailfrom" is allowed as a callout option only for '
                        f'verify=header_sender (detected in ACL condition "{arg}")')
            opts.values["se_mailfrom"] = value
        elif name == "postmaster_mailfrom":
            opts.values["pm_mailfrom"] = value
    return None


def _route(call: Call, address: str, recipient: bool, opts: _Opts, *,
           fake_sender: bool = False) -> RouteVerify:
    options = opts.as_dict()
    if fake_sender:
        options["fake_sender"] = True       # do not let rewriting change $sender_address
    return call.session.verify_address(address, recipient=recipient, options=options)


def _overridden(call: Call, rc: Rc, opts: _Opts) -> Rc:
    if rc is Rc.DEFER and (opts.defer_ok or (
            opts.callout_defer_ok and call.msgs.errno == _ERRNO_CALLOUTDEFER)):
        call.engine.trace("verify defer overridden by "
                          f"{'defer_ok' if opts.defer_ok else 'callout_defer_ok'}")
        return Rc.OK
    return rc


_ERRNO_CALLOUTDEFER = -19


def _recipient(call: Call, opts: _Opts) -> Rc:
    if opts.quota:
        return _quota(call)
    addr = call.addr
    assert addr is not None
    result = _route(call, addr.address, True, opts)
    call.engine.trace("----------- end verify ------------")
    call.msgs.errno = result.basic_errno
    call.msgs.log = result.message
    call.msgs.user = result.user_message or result.message
    if result.pass_message:
        call.state.temp_details = True
    call.ctx.values["address_data"] = result.address_data or ""
    rc = _overridden(call, Rc[result.rc], opts)
    values = call.ctx.values
    values["domain"], values["local_part"] = addr.domain, addr.local_part
    return rc


def _quota(call: Call) -> Rc:
    """``verify = recipient/quota``: asks the appendfile transport, which is not built."""
    call.msgs.log = "quota verification is not available in pyexim yet"
    return Rc.DEFER


def _sender(call: Call, address: str, opts: _Opts, *, real: bool) -> Rc:
    if {"use_sender", "use_postmaster"} & opts.flags:
        return call.error("use_sender or use_postmaster cannot be used for a sender "
                          "verify callout")
    state = call.state
    cached = next((v for v in state.sender_verified if v.address == address), None)
    if cached is not None and opts.callout <= 0:
        rc = Rc.OK if cached.routed else Rc[cached.rc]
        call.engine.trace("using cached sender verify result")
    else:
        cached = VerifiedSender(address, "OK", told=opts.no_details)
        if address:
            result = _route(call, address, False, opts, fake_sender=not real)
            call.engine.trace("----------- end verify ------------")
            rc = Rc[result.rc]
            cached.routed = result.routed if result.routed is not None else rc is Rc.OK
            cached.message, cached.user_message = result.message, result.user_message
            cached.address_data = result.address_data
            call.msgs.errno = result.basic_errno if rc is not Rc.OK else 0
            if rc is Rc.OK:
                call.engine.trace(f"sender {address} verified ok")
        else:
            rc = Rc.OK
        cached.rc = rc.value
        cached.callout = opts.callout > 0
        state.sender_verified.insert(0, cached)
    call.ctx.values["sender_address_data"] = cached.address_data or ""
    rc = _overridden(call, rc, opts)
    if rc is not Rc.OK:
        if rc is not Rc.DEFER:
            call.msgs.log = call.msgs.user = "Sender verify failed"
        elif call.msgs.errno != _ERRNO_CALLOUTDEFER:
            call.msgs.log = call.msgs.user = "Could not complete sender verify"
        else:
            call.msgs.log = "Could not complete sender verify callout"
            call.msgs.user = cached.user_message if call.engine.option(
                "smtp_return_error_details", False) else call.msgs.log
        state.sender_verified_failed = cached
    if call.addr is not None:
        call.ctx.values["domain"] = call.addr.domain
        call.ctx.values["local_part"] = call.addr.local_part
    return rc


def _header_sender(call: Call, opts: _Opts) -> Rc:
    """A Sender:, Reply-To: or From: address that verifies (Exim's
    verify_check_header_address)."""
    headers = call.session.message_headers()
    aopts = call.engine.address_options()
    details = bool(call.engine.option("smtp_return_error_details", False))
    result = Rc.FAIL
    log: str | None = None
    for htype in ("S", "R", "F"):
        for header in (h for h in headers if h.type == htype):
            name = header.text[:header.text.find(":")]
            for found in header_addresses(header, aopts):
                piece = found.text.strip(" \t\n\v\f\r,")
                address = found.address
                if address is None and found.error == "empty address":
                    continue
                if address is None:
                    log = (f"syntax error in '{name}:' header when scanning for sender: "
                           f'{found.error} in "{piece}"')
                    return _header_sender_done(call, Rc.FAIL, log, opts)
                cached = next((v for v in call.state.sender_verified
                               if v.address == piece), None)
                if cached is not None and opts.callout <= 0:
                    rc = Rc[cached.rc]
                    message = cached.message
                else:
                    routed = _route(call, address, False, opts, fake_sender=True)
                    rc, message = Rc[routed.rc], routed.message
                if rc is not Rc.OK and details:
                    call.msgs.user = (f'Rejected after DATA: could not verify "{name}:" '
                                      f"header address\n{address}: {message}")
                if rc is Rc.OK:
                    return _header_sender_done(call, Rc.OK, None, opts)
                if rc is Rc.DEFER:
                    result = Rc.DEFER
    if result is Rc.FAIL:
        log = "there is no valid sender in any header line"
    else:
        log = "all attempts to verify a sender in a header line deferred"
    return _header_sender_done(call, result, log, opts)


def _header_sender_done(call: Call, rc: Rc, log: str | None, opts: _Opts) -> Rc:
    if rc is not Rc.OK:
        call.msgs.log = log
        if call.engine.option("smtp_return_error_details", False):
            if not call.msgs.user and log:
                call.msgs.user = f"Rejected after DATA: {log}"
            if rc is Rc.DEFER:
                call.state.temp_details = True
    return _overridden(call, rc, opts)


HANDLERS = {"verify": cond_verify}

__all__ = ["HANDLERS", "check_header_syntax", "header_addresses"]
