"""The ``control`` modifier (Exim: acl.c ``controls_list``, ``decode_control``; spec: "ACL
modifiers", control = ...).

Each control changes how the rest of the session or message is handled: it sets a
field of the AclState that the SMTP session and reception read. Controls have their
own "where allowed" rules; a control used elsewhere, or with options it does not
take, is an error in Exim's words.
"""

from __future__ import annotations

from pyexim.acl.engine import Call
from pyexim.acl.state import FAKE_REJECT_TEXT
from pyexim.acl.where import ALL, Rc, Where, bits
from pyexim.record import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

W = Where


@record(frozen=True)
class ControlDef:
    name: str
    has_option: bool
    forbids: int


def _only(*allowed: Where) -> int:
    return ALL & ~bits(*allowed)


_NOT_LOCAL = bits(W.NOTSMTP, W.NOTSMTP_START)
_MESSAGE = _only(W.MAIL, W.RCPT, W.PREDATA, W.DATA, W.PRDR, W.MIME)
_QUEUE = _only(W.MAIL, W.RCPT, W.PREDATA, W.DATA, W.NOTSMTP, W.MIME)

CONTROLS: tuple[ControlDef, ...] = (
    ControlDef("allow_auth_unadvertised", False, _only(W.CONNECT, W.HELO)),
    ControlDef("caseful_local_part", False, _only(W.RCPT)),
    ControlDef("caselower_local_part", False, _only(W.RCPT)),
    ControlDef("cutthrough_delivery", True, 0),
    ControlDef("debug", True, 0),
    ControlDef("dkim_disable_verify", False, bits(W.DATA, W.NOTSMTP, W.PRDR, W.NOTSMTP_START)),
    ControlDef("dscp", True, bits(W.NOTSMTP, W.NOTSMTP_START, W.NOTQUIT)),
    ControlDef("enforce_sync", False, _NOT_LOCAL),
    ControlDef("error", False, 0),
    ControlDef("fakedefer", True, _MESSAGE),
    ControlDef("fakereject", True, _MESSAGE),
    ControlDef("freeze", True, _QUEUE),
    ControlDef("no_callout_flush", False, _NOT_LOCAL),
    ControlDef("no_delay_flush", False, _NOT_LOCAL),
    ControlDef("no_enforce_sync", False, _NOT_LOCAL),
    ControlDef("no_mbox_unspool", False, _only(W.MAIL, W.RCPT, W.PREDATA, W.DATA, W.MIME)),
    ControlDef("no_multiline_responses", False, _NOT_LOCAL),
    ControlDef("no_pipelining", False, _NOT_LOCAL),
    ControlDef("queue", True, _QUEUE),
    ControlDef("submission", True, _only(W.MAIL, W.RCPT, W.PREDATA)),
    ControlDef("suppress_local_fixups", False,
               _only(W.MAIL, W.RCPT, W.PREDATA, W.NOTSMTP_START)),
    ControlDef("utf8_downconvert", True, _only(W.RCPT, W.VRFY)),
)

_DSCP_NAMES = frozenset({
    "af11", "af12", "af13", "af21", "af22", "af23", "af31", "af32", "af33", "af41", "af42",
    "af43", "ef", "lowcost", "lowdelay", "mincost", "reliability", "throughput"})


def _decode(arg: str) -> tuple[ControlDef | None, str]:
    """The control *arg* names and the rest of it (after the name), or None."""
    for control in CONTROLS:
        if arg.startswith(control.name):
            rest = arg[len(control.name):]
            if rest and (not control.has_option or rest[0] not in "/_"):
                return None, rest
            return control, rest
    return None, arg


def mod_control(call: Call) -> Rc:
    """``control = name[/options]``."""
    arg = call.arg
    control, rest = _decode(arg)
    if control is None:
        return call.error(f'syntax error in "control={arg}"')
    if control.forbids & call.where.bit:
        return call.error(f'cannot use "control={control.name}" in '
                          f"{call.where.exim_name} ACL")
    handler = _HANDLERS.get(control.name)
    if handler is None:
        return Rc.OK
    return handler(call, rest)


def _syntax(call: Call) -> Rc:
    return call.error(f'syntax error in "control={call.arg}"')


def _set(field: str, value: object) -> Callable[[Call, str], Rc]:
    def handler(call: Call, rest: str) -> Rc:
        setattr(call.state, field, value)
        return Rc.OK
    return handler


def _caseful(call: Call, rest: str) -> Rc:
    assert call.addr is not None
    call.ctx.values["local_part"] = call.addr.cc_local_part
    return Rc.OK


def _caselower(call: Call, rest: str) -> Rc:
    assert call.addr is not None
    call.ctx.values["local_part"] = call.addr.cc_local_part.lower()
    return Rc.OK


def _dscp(call: Call, rest: str) -> Rc:
    """The DSCP of the connection: pyexim only checks the name (it does not own the
    socket here); -bh and stdin sessions are not sockets, which Exim also ignores."""
    if not rest.startswith("/"):
        return _syntax(call)
    value = rest[1:]
    if value.lower() not in _DSCP_NAMES and not value.isdigit():
        return call.error(f'unrecognised DSCP value in "control={call.arg}"')
    call.engine.trace("smtp input is probably not a socket, not setting DSCP")
    return Rc.OK


def _fake(kind: str) -> Callable[[Call, str], Rc]:
    def handler(call: Call, rest: str) -> Rc:
        call.state.fake_response = kind
        call.state.fake_response_text = rest[1:] if rest.startswith("/") else \
            FAKE_REJECT_TEXT
        return Rc.OK
    return handler


def _freeze(call: Call, rest: str) -> Rc:
    call.state.freeze = True
    call.state.freeze_tell = True
    if rest.startswith("/no_tell"):
        rest = rest[8:]
        call.state.freeze_tell = False
    if rest:
        return _syntax(call)
    return Rc.OK


def _queue(call: Call, rest: str) -> Rc:
    call.state.queue_only_policy = True
    if rest == "_only":
        return Rc.OK
    while rest.startswith("/"):
        if rest.startswith("/only"):
            rest = rest[5:]
            call.state.queue_smtp = False
        elif rest.startswith("/first_pass_route"):
            rest = rest[17:]
            call.state.queue_smtp = True
        else:
            break
    return Rc.OK


def _submission(call: Call, rest: str) -> Rc:
    state = call.state
    call.ctx.values["originator_name"] = ""
    state.submission_mode = True
    while rest.startswith("/"):
        if rest.startswith("/sender_retain"):
            rest = rest[14:]
            state.sender_retain = True
            state.from_check = False
        elif rest.startswith("/domain="):
            end = rest.find("/", 8)
            end = len(rest) if end < 0 else end
            state.submission_domain = rest[8:end]
            rest = rest[end:]
        elif rest.startswith("/name="):
            state.submission_name = rest[6:]
            rest = ""
        else:
            break
    if rest:
        return _syntax(call)
    return Rc.OK


def _cutthrough(call: Call, rest: str) -> Rc:
    """Cutthrough delivery needs an outgoing SMTP connection during RCPT; pyexim takes
    the request and spools the message instead (what Exim does when it cannot start
    one), and says so in the trace."""
    call.engine.trace(" cutthrough request ignored on pyexim (message will be spooled)")
    call.state.cutthrough = True
    return Rc.OK


def _utf8(call: Call, rest: str) -> Rc:
    if not rest.startswith("/"):
        value = 1
    elif rest.startswith(("/1", "/0", "/-1")):
        value = int(rest[1:3] if rest.startswith("/-") else rest[1:2])
    else:
        return call.error("bad option value for control=utf8_downconvert")
    call.state.utf8_downconvert = value
    return Rc.OK


def _debug(call: Call, rest: str) -> Rc:
    """Debug output is not switched on from ACLs in pyexim; the request is traced."""
    call.engine.trace(f"control=debug{rest} ignored")
    return Rc.OK


_HANDLERS = {
    "allow_auth_unadvertised": _set("allow_auth_unadvertised", True),
    "caseful_local_part": _caseful,
    "caselower_local_part": _caselower,
    "cutthrough_delivery": _cutthrough,
    "debug": _debug,
    "dkim_disable_verify": _set("dkim_disable_verify", True),
    "dscp": _dscp,
    "enforce_sync": _set("enforce_sync", True),
    "error": lambda call, rest: Rc.ERROR,
    "fakedefer": _fake("defer"),
    "fakereject": _fake("fail"),
    "freeze": _freeze,
    "no_callout_flush": _set("disable_callout_flush", True),
    "no_delay_flush": _set("disable_delay_flush", True),
    "no_enforce_sync": _set("enforce_sync", False),
    "no_mbox_unspool": _set("no_mbox_unspool", True),
    "no_multiline_responses": _set("no_multiline_responses", True),
    "no_pipelining": _set("pipelining_enable", False),
    "queue": _queue,
    "submission": _submission,
    "suppress_local_fixups": _set("suppress_local_fixups", True),
    "utf8_downconvert": _utf8,
}

HANDLERS = {"control": mod_control}

__all__ = ["CONTROLS", "ControlDef", "HANDLERS"]
