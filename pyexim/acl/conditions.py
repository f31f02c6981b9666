"""ACL conditions that match lists and strings (Exim: acl.c ``acl_check_condition``; spec:
"ACL conditions").

``hosts``, ``domains``, ``local_parts``, ``senders``, ``recipients``, ``sender_domains``
match lists (expanded while matching) and leave what the matching item's lookup found
in ``$host_data``, ``$domain_data``, ``$local_part_data``, ``$sender_data`` and
``$recipient_data``; ``authenticated``, ``encrypted``, ``dkim_signers`` and ``dkim_status``
match a string against a list; ``condition`` reads a truth value; ``acl`` runs another
ACL with arguments. Each handler returns the condition's outcome as an ``Rc``.
"""

from __future__ import annotations

from pyexim import lists
from pyexim.acl.engine import Call
from pyexim.acl.where import Rc
from pyexim.expand import acl_condition_value
from pyexim.lists import ListPanic, MatchResult

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable


def _traced(call: Call, subject: str, list_text: str, result: MatchResult) -> None:
    """Note a list match in the trace, as Exim's match_check_list does."""
    if result.deferred:
        call.engine.trace(f'{subject} in "{list_text}"? list match deferred for {list_text}')
    elif result.matched:
        call.engine.trace(f'{subject} in "{list_text}"? yes (matched "{result.item}")')
    else:
        call.engine.trace(f'{subject} in "{list_text}"? no (end of list)')


def _outcome(call: Call, result: MatchResult) -> Rc:
    if result.deferred:
        call.msgs.log = result.message
        return Rc.DEFER
    return Rc.OK if result.matched else Rc.FAIL


def _panic(call: Call, error: ListPanic) -> Rc:
    """Exim dies on these (LOG_PANIC_DIE); a session answers the command with 451 instead."""
    call.session.log(error.message, panic=True)
    call.msgs.log = error.message
    return Rc.ERROR


def _list_match(call: Call, match: Callable[..., MatchResult], subject: str, *,
                traced: str | None = None, data: str | None = None,
                keep_unset: bool = False, **options: Any) -> Rc:
    """Match *subject* against the condition's list with *match* (expanding the list),
    trace it under *traced* (default: the subject) and leave what the matching item
    found in the variable *data* (emptied on no value, unless *keep_unset*)."""
    try:
        result = match(subject, call.arg, call.ctx, expand=True, **options)
    except ListPanic as error:
        return _panic(call, error)
    _traced(call, subject if traced is None else traced, call.arg, result)
    if data is not None and not (keep_unset and result.value is None):
        call.ctx.values[data] = result.value or ""
    return _outcome(call, result)


def cond_acl(call: Call) -> Rc:
    """``acl = name arg1 arg2 ...``: run a nested ACL; "discard" only under accept/discard."""
    rc = call.engine.call_nested(call.where, call.addr, call.arg, call.msgs)
    if rc is Rc.DISCARD and call.verb not in ("accept", "discard"):
        return call.error(f'nested ACL returned "discard" for "{call.verb}" command '
                          '(only allowed with "accept" or "discard")')
    return rc


def cond_authenticated(call: Call) -> Rc:
    """``authenticated = list``: the name of the authenticator the client used."""
    name = call.ctx.values.get("sender_host_authenticated")
    if not name:
        return Rc.FAIL
    return _string_list(call, str(name))


def _string_list(call: Call, subject: str) -> Rc:
    # Exim's match_isinlist expands the list, even when the ACL already had.
    return _list_match(call, lists.match_string_list, subject, caseless=True)


def cond_condition(call: Call) -> Rc:
    """``condition = ${...}``: true for a non-zero number, "yes" or "true"."""
    value = acl_condition_value(call.arg)
    if value is None:
        call.msgs.log = f'invalid "condition" value "{call.arg}"'
        return Rc.DEFER
    return Rc.OK if value else Rc.FAIL


def cond_dkim_signers(call: Call) -> Rc:
    """``dkim_signers = list``: the signer the DKIM ACL is running for."""
    signer = call.ctx.values.get("dkim_cur_signer")
    if not signer:
        return Rc.FAIL
    return _string_list(call, str(signer))


def cond_dkim_status(call: Call) -> Rc:
    """``dkim_status = list``: the verification status of the current signature."""
    return _string_list(call, str(call.ctx.values.get("dkim_verify_status") or ""))


def cond_domains(call: Call) -> Rc:
    """``domains = list``: the recipient's domain; sets $domain_data."""
    addr = call.addr
    assert addr is not None, "domains is refused outside RCPT/VRFY/PRDR"
    return _list_match(call, lists.match_domain, addr.domain, data="domain_data",
                       cache=addr.domain_cache)


def cond_encrypted(call: Call) -> Rc:
    """``encrypted = list``: the cipher of the client's TLS session (its middle part)."""
    cipher = str(call.ctx.values.get("tls_in_cipher") or "")
    if not cipher:
        return Rc.FAIL
    parts = cipher.split(":")
    return _string_list(call, parts[1] if len(parts) > 1 else cipher)


def cond_hosts(call: Call) -> Rc:
    """``hosts = list``: the client host; sets $host_data."""
    address = str(call.ctx.values.get("sender_host_address") or "")
    return _list_match(call, lists.match_host, address, traced="host", data="host_data",
                       keep_unset=True, cache=call.state.host_cache,
                       name_lookup=call.engine.host_names)


def cond_local_parts(call: Call) -> Rc:
    """``local_parts = list``: the recipient's local part (caseless); sets $local_part_data."""
    addr = call.addr
    assert addr is not None, "local_parts is refused outside RCPT/VRFY/PRDR"
    return _list_match(call, lists.match_local_part, addr.cc_local_part,
                       data="local_part_data", caseless=True, cache=addr.localpart_cache)


def cond_recipients(call: Call) -> Rc:
    """``recipients = address list``: the recipient; sets $recipient_data."""
    addr = call.addr
    assert addr is not None, "recipients is refused outside RCPT"
    return _list_match(call, lists.match_address, addr.address, data="recipient_data",
                       caseless=True)


def cond_sender_domains(call: Call) -> Rc:
    """``sender_domains = list``: the domain of the envelope sender ("" for <>)."""
    sender = str(call.ctx.values.get("sender_address") or "")
    domain = sender[sender.rfind("@") + 1:] if "@" in sender else ""
    return _list_match(call, lists.match_domain, domain,
                       cache=call.state.sender_domain_cache)


def cond_senders(call: Call) -> Rc:
    """``senders = address list``: the envelope sender ("" for <>); sets $sender_data."""
    sender = str(call.ctx.values.get("sender_address") or "")
    return _list_match(call, lists.match_address, sender, data="sender_data",
                       caseless=True, cache=call.state.sender_address_cache)


def cond_spf(call: Call) -> Rc:
    """``spf`` and ``spf_guess`` need an SPF evaluator (Exim links libspf2); pyexim has
    none yet, so the condition is an error that names itself, never a silent answer."""
    return call.error(f'the "{call.cond.name}" ACL condition is not available in pyexim '
                      "yet")


HANDLERS = {
    "acl": cond_acl,
    "authenticated": cond_authenticated,
    "condition": cond_condition,
    "dkim_signers": cond_dkim_signers,
    "dkim_status": cond_dkim_status,
    "domains": cond_domains,
    "encrypted": cond_encrypted,
    "hosts": cond_hosts,
    "local_parts": cond_local_parts,
    "recipients": cond_recipients,
    "sender_domains": cond_sender_domains,
    "senders": cond_senders,
    "spf": cond_spf,
    "spf_guess": cond_spf,
}

__all__ = ["HANDLERS"]
