"""Verifying and testing an address by routing it (Exim: verify.c verify_address; spec:
"Testing addresses", "Address verification").

``verify_address`` routes an address and the addresses it generates, as ``-bt``,
``-bv``, ``-bvs`` and the ACL ``verify = recipient/sender`` do. With an output sink it
writes what Exim writes: with full information (-bt, or -bv with -v/-d) every final
address with its parents, router, transport and hosts, duplicates marked; otherwise one
line per address ("verified", "failed to verify", "cannot be resolved at this time").
Callouts are not part of this module.
"""

from __future__ import annotations

from collections.abc import Callable

from pyexim.record import record
from pyexim.routers.chain import Queues
from pyexim.routers.item import AddressItem
from pyexim.routers.preconditions import V_EXPN, V_NONE, V_RECIPIENT, V_SENDER

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyexim.routers.chain import Routing

# verify_address option bits (Exim: vopt_*).
OPT_FAKE_SENDER = 0x0001
OPT_IS_RECIPIENT = 0x0002
OPT_QUALIFY = 0x0004
OPT_EXPN = 0x0008
OPT_SUCCESS_ON_REDIRECT = 0x0010

Write = Callable[[str], None]


@record
class VerifyResult:
    """What verification found: ``code`` "OK", "FAIL" or "DEFER"; ``failure`` is
    "qualify" or "route" for failures ($recipient_verify_failure); ``message`` and
    ``user_message`` are the failing address's; ``address_data`` the routed one's."""

    code: str
    failure: str | None = None
    message: str | None = None
    user_message: str | None = None
    address_data: str | None = None
    variables: dict[str, str] | None = None


def _strerror(errno_value: int) -> str:
    import os
    return os.strerror(errno_value)


def verify_address(run: Routing, vaddr: AddressItem, options: int, out: Write | None = None,
                   *, full_info: bool = False) -> VerifyResult:
    """Route *vaddr* (and what it generates) as Exim's verify_address does.

    *options* are OPT_* bits. *out* receives the report (None: no output); with
    *full_info* (only with *out*) every generated address is routed and shown. The
    result code is FAIL or DEFER if any address failed or deferred (with full_info),
    else for the first failure.
    """
    full_info = full_info and out is not None
    expn = bool(options & OPT_EXPN)
    is_recipient = bool(options & OPT_IS_RECIPIENT)
    verify_type = V_EXPN if expn else V_NONE if run.address_test_mode else \
        V_RECIPIENT if is_recipient else V_SENDER
    ko_prefix, cr = ("553 ", "\r") if expn else ("", "")
    admin = run.env.admin
    values = run.ctx.values
    address = vaddr.address

    from pyexim.address import find_at
    if find_at(address) < 0:
        if not options & OPT_QUALIFY:
            if out is not None:
                out(f'{ko_prefix}A domain is required for "{address}"{cr}\n')
            return VerifyResult("FAIL", "qualify")
        address = qualify(run, address, is_recipient)

    if run.config.rewrite_rules:
        rewritten = run.rewrite_envelope(address, is_recipient)
        if rewritten != address:
            address = rewritten
            if out is not None and not expn:
                out(f"Address rewritten as: {address}\n")
    if not options & (OPT_FAKE_SENDER | OPT_IS_RECIPIENT):
        values["sender_address"] = address
    if not address:
        return VerifyResult("OK")

    save_sender = values.get("sender_address")
    values["verify_mode"] = "R" if is_recipient else "S"
    # The unique name stays the address as given (unqualified, unrewritten), as in Exim.
    vaddr.address = address
    q = Queues(new=[vaddr])
    allok = True
    yield_code = "OK"
    result = VerifyResult("OK")
    try:
        while q.new:
            addr = q.new.pop(0)
            if addr.pfr:
                allok = False
                if out is not None:
                    _report_pfr(run, addr, out)
                continue
            values["return_path"] = addr.prop.errors_address \
                if addr.prop.errors_address is not None else save_sender
            if run.split_address(addr):
                if not is_recipient:
                    values["sender_address"] = ""
                outcome = run.route_address(addr, q, verify_type)
                values["sender_address"] = save_sender
                code = outcome.code
            else:
                code = "DEFER"
            if code not in ("OK",):
                result.failure = "route"
            if code in ("FAIL", "DEFER"):
                allok = False
                if out is not None:
                    shown = addr.address if full_info else address
                    words = ("is undeliverable" if run.address_test_mode else
                             "failed to verify") if code == "FAIL" else \
                        "cannot be resolved at this time"
                    line = f"{ko_prefix}{shown} {words}"
                    if not expn and admin:
                        if addr.basic_errno > 0:
                            line += f": {_strerror(addr.basic_errno)}"
                        if addr.message:
                            line += f": {addr.message}"
                        elif code == "DEFER" and addr.basic_errno <= 0:
                            line += ": unknown error"
                    if full_info:
                        for parent in addr.ancestors():
                            line += f"{cr}\n    <-- {parent.address}"
                    out(line + f"{cr}\n")
                if not full_info:
                    return _copy_error(vaddr, addr, code, result)
                if code == "FAIL":
                    yield_code = "FAIL"
                elif yield_code == "OK":
                    yield_code = "DEFER"
                continue
            if expn:
                _report_expn(addr, q, address, out)
                result.code = "OK"
                return result
            if not full_info and (not q.new or len(q.new) > 1 or q.new[0].pfr or (
                    q.new and options & OPT_SUCCESS_ON_REDIRECT)):
                if out is not None:
                    word = "is deliverable" if run.address_test_mode else "verified"
                    out(f"{address} {word}\n")
                vaddr.prop.address_data = addr.prop.address_data
                vaddr.prop.variables = dict(addr.prop.variables)
                result.code = "OK"
                result.address_data = addr.prop.address_data
                result.variables = vaddr.prop.variables
                return result
        if full_info and out is not None:
            if allok and not q.local and not q.remote:
                out(f"mail to {address} is discarded\n")
            else:
                for addr in q.local + q.remote:
                    _report_routed(run, addr, out)
        result.code = yield_code
        return result
    finally:
        values.pop("verify_mode", None)


def qualify(run: Routing, address: str, is_recipient: bool) -> str:
    """An unqualified address with the qualify domain added (rewrite_address_qualify)."""
    from pyexim.taint import mark, taint_of
    domain = run.option_str("qualify_recipient" if is_recipient else "qualify_domain")
    return mark(f"{address}@{domain}", taint_of(address))


def _copy_error(vaddr: AddressItem, addr: AddressItem, code: str,
                result: VerifyResult) -> VerifyResult:
    if addr is not vaddr:
        vaddr.message = addr.message
        vaddr.user_message = addr.user_message
        vaddr.basic_errno = addr.basic_errno
        vaddr.prop.address_data = addr.prop.address_data
        vaddr.prop.variables = dict(addr.prop.variables)
        vaddr.pass_message = addr.pass_message
    result.code = code
    result.message = addr.message
    result.user_message = addr.user_message
    result.address_data = addr.prop.address_data
    return result


def _report_pfr(run: Routing, addr: AddressItem, out: Write) -> None:
    """A generated pipe, file or autoreply, as verify_address shows it."""
    parent = addr.parent.address if addr.parent is not None else ""
    if addr.address.startswith(">"):
        allow = addr.allow_reply
        text = f"{parent} -> mail {addr.address[1:]}"
    else:
        allow = addr.allow_pipe if addr.address.startswith("|") else addr.allow_file
        text = f"{parent} -> {addr.address}"
    if addr.bad_transport:
        text += f"\n*** Error in setting up pipe, file, or autoreply:\n{addr.message}\n"
    elif allow:
        text += f"\n  transport = {addr.transport}\n"
    else:
        text += " *** forbidden ***\n"
    out(text)


def _report_expn(addr: AddressItem, q: Queues, address: str, out: Write | None) -> None:
    if out is None:
        return
    if not q.new:
        if not q.local and not q.remote:
            out(f"250 mail to <{address}> is discarded\r\n")
        else:
            out(f"250 <{address}>\r\n")
        return
    for i, item in enumerate(q.new):
        prefix = "250 " if i == len(q.new) - 1 else "250-"
        out(f"{prefix}<{item.address}>\r\n")


def _report_routed(run: Routing, addr: AddressItem, out: Write) -> None:
    """One routed address with its parents, router, transport and hosts (full info)."""
    line = addr.address
    if not addr.pfr:
        if addr.unique in run.duplicates:
            line += "   [duplicate, would not be delivered]"
        else:
            run.duplicates.add(addr.unique)
    for parent in addr.ancestors():
        line += f"\n    <-- {parent.address}"
    router = addr.router.name if addr.router is not None else ""
    line += f"\n  router = {router}, transport = {addr.transport or 'unset'}\n"
    tp = addr.transport
    if addr.host_list and tp is not None and not run.transport_overrides_hosts(tp):
        local = run.transport_is_local(tp)
        maxlen = max(len(h.name) for h in addr.host_list)
        maxaddlen = max(len(h.address) if h.address is not None else 7
                        for h in addr.host_list)
        for h in addr.host_list:
            text = f"  host {h.name:<{maxlen}} "
            if h.address is not None:
                text += f"[{h.address}" + "]".ljust(maxaddlen + 1 - len(h.address))
            elif local:
                text += " " + " " * maxaddlen + " "
            else:
                text += "[unknown" + "]".ljust(maxaddlen + 1 - 7)
            if h.mx >= 0:
                text += f" MX={h.mx}"
            if h.port >= 0:
                text += f" port={h.port}"
            if h.status == "unusable":
                text += " ** unusable **"
            line += text + "\n"
    out(line)


