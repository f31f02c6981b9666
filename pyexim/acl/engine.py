"""Running an ACL: statements, verbs, the implicit deny, nested ACLs (Exim: acl.c
``acl_check``, ``acl_check_internal``, ``acl_check_condition``, ``acl_check_wargs``,
``acl_eval``; spec: "Access control lists").

Rules of this file:

* An ACL is named in an option (``acl_smtp_rcpt = check_rcpt``), given inline
  (``acl_smtp_rcpt = accept``), or read from a file (``/etc/exim/rcpt.acl``). The option
  is expanded at the top level only; a forced failure there means "no check" (accept).
* Each statement's conditions and modifiers run in order until one is not true. The
  verb then decides: accept/discard end the ACL when all are true; deny/defer/drop end
  it when all are true; require ends it when one is false; warn never ends it. Past the
  last statement comes the implicit deny.
* ``message`` and ``log_message`` are expanded only when their verb's outcome is the one
  they are for (Exim's ``msgcond``), and only then.
* Outcomes are values (``Rc``); nothing in a policy outcome raises.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from pyexim.acl.reader import AclSyntaxError, read_acl
from pyexim.acl.state import AclSession, AclState, Address
from pyexim.acl.table import CONDITIONS
from pyexim.acl.where import Rc, Where
from pyexim.address import AddressOptions
from pyexim.config.model import Acl, AclCondition
from pyexim.errors import SourceLoc
from pyexim.expand import (
    ExpansionContext,
    ExpansionError,
    ForcedFail,
    LookupDeferred,
    expand_string,
)
from pyexim.record import record
from pyexim.resolver import HostNames
from pyexim.strings import SPACE, dequote, span
from pyexim.taint import is_tainted

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from pyexim.config.model import Config

#: Exim's limit on ACLs calling ACLs.
MAX_LEVEL = 20

#: For each verb, the statement outcomes for which message/log_message are used.
_MSGCOND: dict[str, frozenset[Rc]] = {
    "accept": frozenset({Rc.OK, Rc.FAIL, Rc.FAIL_DROP}),
    "defer": frozenset({Rc.OK}),
    "deny": frozenset({Rc.OK}),
    "discard": frozenset({Rc.OK, Rc.FAIL, Rc.FAIL_DROP}),
    "drop": frozenset({Rc.OK}),
    "require": frozenset({Rc.FAIL, Rc.FAIL_DROP}),
    "warn": frozenset({Rc.OK}),
}


@record
class Messages:
    """The user and log messages a statement builds up (Exim's user_msgptr/log_msgptr)."""

    user: str | None = None
    log: str | None = None
    errno: int = 0


@record
class AclResult:
    """The verdict of a whole ACL check.

    ``rc``: OK (accept), DISCARD, FAIL (deny), FAIL_DROP (drop), DEFER or ERROR.
    ``user_message`` goes into the SMTP reply, ``log_message`` into the log;
    ``temp_details`` allows a 4xx reply to show the user message.
    """

    rc: Rc
    user_message: str | None = None
    log_message: str | None = None
    temp_details: bool = False


@record
class Call:
    """One condition or modifier being run: what its handler may read and set."""

    engine: AclEngine
    verb: str
    where: Where
    addr: Address | None
    cond: AclCondition
    arg: str
    msgs: Messages

    @property
    def ctx(self) -> ExpansionContext:
        return self.engine.ctx

    @property
    def state(self) -> AclState:
        return self.engine.state

    @property
    def session(self) -> AclSession:
        return self.engine.session

    def error(self, message: str) -> Rc:
        """Set the log message and return ERROR."""
        self.msgs.log = message
        return Rc.ERROR

    def expand(self, text: str) -> str:
        """Expand in the ACL's context (errors propagate)."""
        return expand_string(text, self.engine.ctx)


Handler = Callable[[Call], Rc]


def _handlers() -> dict[str, Handler]:
    """Every condition's and modifier's handler, from their family modules."""
    from pyexim.acl import conditions, content, controls, dnslists, modifiers, ratelimit, verify
    table: dict[str, Handler] = {}
    for module in (conditions, content, controls, dnslists, modifiers, ratelimit, verify):
        table.update(module.HANDLERS)
    return table


class AclEngine:
    """Runs ACLs for one session (or one -be run) against its state and context."""

    def __init__(self, config: Config | None, ctx: ExpansionContext, session: AclSession,
                 state: AclState | None = None):
        self.config = config
        self.ctx = ctx
        self.session = session
        self.state = state or AclState()
        self.where = Where.UNKNOWN
        self._files: dict[str, Acl | None] = {}
        self._inline: dict[str, Acl] = {}
        self._handlers = _handlers()
        #: dnslists answers remembered for the session (query -> cached answer)
        self.dnslist_cache: dict[str, Any] = {}
        ctx.acl_runner = self._expansion_runner

    # ------------------------------------------------------------------ option values

    def option(self, name: str, default: object = None) -> object:
        """A main option's value (None when unset, or without a configuration)."""
        if self.config is None:
            return default
        try:
            value = self.config.option(name)
        except KeyError:
            return default
        return default if value is None else value

    def option_loc(self, name: str) -> SourceLoc:
        """Where an option is set, for the trace of an inline ACL."""
        setting = self.config.main.get(name) if self.config is not None else None
        loc = getattr(setting, "loc", None)
        if loc is not None:
            return loc
        return SourceLoc(self.config.path if self.config is not None else "inline", 0)

    def address_options(self) -> AddressOptions:
        """The main options that change how addresses are parsed."""
        return AddressOptions(
            allow_domain_literals=bool(self.option("allow_domain_literals", False)),
            allow_utf8_domains=bool(self.option("allow_utf8_domains", False)),
            strip_excess_angle_brackets=bool(self.option("strip_excess_angle_brackets",
                                                         False)),
            strip_trailing_dot=bool(self.option("strip_trailing_dot", False)))

    def host_names(self) -> HostNames | None:
        """The client's verified name and aliases for host lists, looking them up once;
        None when the name cannot be found."""
        values = self.ctx.values
        if not values.get("sender_host_name"):
            if values.get("host_lookup_failed") or not values.get("sender_host_address"):
                return None
            if self.session.host_name_lookup().rc != "ok":
                return None
        aliases = values.get("sender_host_aliases") or ()
        return HostNames("ok", str(values["sender_host_name"]),
                         tuple(aliases))  # type: ignore[arg-type]

    # ------------------------------------------------------------------ entry points

    def check(self, where: Where, acl_text: str | None, *, recipient: str | None = None,
              loc: SourceLoc | None = None) -> AclResult:
        """Run the ACL an option names (Exim's acl_check) and return its verdict.

        *recipient* is the address for RCPT, VRFY and PRDR ACLs: it becomes $domain and
        $local_part while the ACL runs.
        """
        state = self.state
        state.sender_verified_failed = None
        state.ratelimit_cmd = {}
        state.log_reject_target = frozenset({"main", "reject"})
        state.temp_details = False
        addr = None
        values = self.ctx.values
        if where in (Where.RCPT, Where.VRFY, Where.PRDR) and recipient is not None:
            addr = Address.split(recipient)
            values["domain"], values["local_part"] = addr.domain, addr.local_part
        saved_where = self.where
        self.where = where
        state.level = 0
        msgs = Messages()
        try:
            rc = self._internal(where, addr, acl_text, msgs, loc)
        finally:
            state.level = 0
            self.where = saved_where
        for name in ("domain", "local_part", "address_data", "domain_data",
                     "sender_address_data"):
            values.pop(name, None)
        if rc is Rc.DISCARD and (where > Where.NOTSMTP or where is Where.PREDATA):
            self.session.log(f'"discard" verb not allowed in {where.exim_name} ACL',
                             panic=True)
            return AclResult(Rc.ERROR, msgs.user, msgs.log, state.temp_details)
        if rc is Rc.FAIL_DROP and where is Where.MAILAUTH:
            self.session.log(f'"drop" verb not allowed in {where.exim_name} ACL', panic=True)
            return AclResult(Rc.ERROR, msgs.user, msgs.log, state.temp_details)
        if state.fake_response is not None:
            state.fake_response_text = split_message(state.fake_response_text) or ""
        return AclResult(rc, split_message(msgs.user), msgs.log, state.temp_details)

    def eval(self, where: Where, name: str) -> tuple[Rc, str | None]:
        """Run ACL *name* from an expansion (Exim's acl_eval); (rc, user message)."""
        state = self.state
        state.sender_verified_failed = None
        state.ratelimit_cmd = {}
        state.log_reject_target = frozenset({"main", "reject"})
        addr = None
        if where is Where.RCPT:
            local = str(self.ctx.values.get("local_part") or "")
            domain = str(self.ctx.values.get("domain") or "")
            addr = Address(f"{local}@{domain}", domain, local, local)
        msgs = Messages()
        state.level += 1
        try:
            rc = self._internal(where, addr, name, msgs, None)
        finally:
            state.level -= 1
        return rc, msgs.user

    def _expansion_runner(self, name: str, args: list[str],
                          ctx: ExpansionContext) -> tuple[str, str | None]:
        """ExpansionContext.acl_runner: ``${acl {name}{args}}`` and ``acl {name}``."""
        rc, user = self.eval(self.where, name)
        code = {Rc.FAIL_DROP: "FAIL"}.get(rc, rc.value)
        return code, user

    # ------------------------------------------------------------------ the ACL itself

    def trace(self, text: str) -> None:
        """One trace line, indented by the ACL nesting level as Exim's debug output is."""
        self.session.trace(" " * min(self.state.level, 3) + text)

    def _find(self, text: str, msgs: Messages, loc: SourceLoc | None
              ) -> tuple[Acl | None, str, Rc | None]:
        """The ACL *text* stands for: (acl, its name for messages, early result)."""
        if not any(c == " " for c in text):
            if self.config is not None and text in self.config.acls:
                named = self.config.acls[text]
                if not named.statements:
                    self.trace(f'ACL "{text}" is empty: implicit DENY')
                    return None, text, Rc.FAIL
                self.trace(f'using ACL "{text}"')
                return named, f'ACL "{text}"', None
            if text.startswith("/"):
                return self._from_file(text, msgs)
        acl = self._inline.get(text)
        if acl is None:
            try:
                acl = read_acl(text, "inline ACL", loc or SourceLoc("inline", 0))
            except AclSyntaxError as error:
                msgs.log = error.message
                return None, "inline ACL", Rc.ERROR
            self._inline[text] = acl
        return acl, "inline ACL", None

    def _from_file(self, path: str, msgs: Messages) -> tuple[Acl | None, str, Rc | None]:
        """An ACL read from a file, remembered for the rest of the process."""
        name = f'ACL "{path}"'
        if path not in self._files:
            try:
                with open(path, "rb") as handle:
                    data = handle.read()
            except OSError as error:
                msgs.log = f'failed to open ACL file "{path}": {os.strerror(error.errno or 0)}'
                return None, name, Rc.ERROR
            try:
                self._files[path] = read_acl(data.decode("latin-1"), path,
                                             SourceLoc(path, 0))
            except AclSyntaxError as error:
                msgs.log = error.message
                return None, name, Rc.ERROR
            self.trace(f"read ACL from file {path}")
        acl = self._files[path]
        if acl is None or not acl.statements:
            return None, name, Rc.FAIL
        return acl, name, None

    def _internal(self, where: Where, addr: Address | None, text: str | None,
                  msgs: Messages, loc: SourceLoc | None) -> Rc:
        """Exim's acl_check_internal."""
        state = self.state
        if state.level > MAX_LEVEL:
            msgs.log = "ACL nested too deep: possible loop"
            return Rc.ERROR
        if text is None:
            self.trace("ACL is NULL: implicit DENY")
            return Rc.FAIL
        if state.level == 0:
            try:
                text = expand_string(text, self.ctx)
            except ForcedFail:
                return Rc.OK
            except ExpansionError as error:
                msgs.log = f'failed to expand ACL string "{text}": {error.text}'
                return Rc.ERROR
        text = text.lstrip("".join(SPACE))
        if is_tainted(text):
            self.session.log(f'attempt to use tainted ACL text "{text}"', panic=True)
            msgs.log = "internal configuration error"
            return Rc.ERROR
        acl, acl_name, early = self._find(text, msgs, loc)
        if early is not None or acl is None:
            return early if early is not None else Rc.FAIL
        quit_check = state.level == 0 and where in (Where.QUIT, Where.NOTQUIT)
        for statement in acl.statements:
            msgs.user = msgs.log = None
            msgs.errno = 0
            state.temp_details = False
            verb = statement.verb
            loc_text = f"{statement.loc.file} {statement.loc.line}"
            self.trace(f'processing "{verb}" ({loc_text})')
            cond, endpass = self._statement(verb, statement.conditions, where, addr, msgs)
            outcome = _TRACE_OUTCOME.get(cond, "failed")
            if cond is Rc.DEFER:
                self.trace(f"{verb}: condition test deferred in {acl_name}")
                if msgs.errno != _ERRNO_CALLOUTDEFER:
                    if self.option("smtp_return_error_details", False):
                        state.temp_details = True
                else:
                    state.temp_details = True
                if verb != "warn":
                    return Rc.DEFER
            elif cond is Rc.ERROR:
                self.trace(f"{verb}: condition test error in {acl_name}")
                return Rc.ERROR
            else:
                self.trace(f"{verb}: condition test {outcome} in {acl_name}")
            result = self._verb(verb, cond, endpass, where, acl_name, msgs)
            if result is not None:
                # Only accept (and discard's endpass way out) may end a QUIT ACL.
                if quit_check and verb != "accept" and not (
                        verb == "discard" and result is not Rc.DISCARD):
                    msgs.log = ("QUIT or not-QUIT toplevel ACL may not fail "
                                f"('{verb}' verb used incorrectly)")
                    return Rc.ERROR
                return result
        self.trace(f"end of {acl_name}: implicit DENY")
        return Rc.FAIL

    def _verb(self, verb: str, cond: Rc, endpass: bool, where: Where, acl_name: str,
              msgs: Messages) -> Rc | None:
        """What *verb* makes of its statement's outcome: the ACL's result, or None."""
        if verb == "accept":
            if cond in (Rc.OK, Rc.DISCARD):
                self.trace(f"end of {acl_name}: ACCEPT")
                return cond
            if endpass:
                self.trace("accept: endpass encountered - denying access")
                return cond
        elif verb == "defer":
            if cond is Rc.OK:
                self.trace(f"end of {acl_name}: DEFER")
                self.state.temp_details = True
                return Rc.DEFER
        elif verb == "deny":
            if cond is Rc.OK:
                self.trace(f"end of {acl_name}: DENY")
                return Rc.FAIL
        elif verb == "discard":
            if cond in (Rc.OK, Rc.DISCARD):
                self.trace(f"end of {acl_name}: DISCARD")
                return Rc.DISCARD
            if endpass:
                self.trace("discard: endpass encountered - denying access")
                return cond
        elif verb == "drop":
            if cond is Rc.OK:
                self.trace(f"end of {acl_name}: DROP")
                return Rc.FAIL_DROP
        elif verb == "require":
            if cond is not Rc.OK:
                self.trace(f"end of {acl_name}: not OK")
                return cond
        elif verb == "warn":
            if cond is Rc.OK:
                self._warn(where, msgs.user, msgs.log)
            elif cond is Rc.DEFER:
                detail = f": {msgs.log}" if msgs.log else ""
                self.session.log(f"{self.session.host_and_ident(True)} Warning: ACL "
                                 '"warn" statement skipped: condition test deferred'
                                 f"{detail}", selector="acl_warn_skipped")
            msgs.user = msgs.log = None
        return None

    def _warn(self, where: Where, user: str | None, log: str | None) -> None:
        """A warn statement whose conditions are true (Exim's acl_warn)."""
        from pyexim.acl.modifiers import setup_header
        from pyexim.strings import printing
        state = self.state
        if log is not None and log is not user:
            text = f"{self.session.host_and_ident(True)} Warning: {printing(log)}"
            failed = state.sender_verified_failed
            if failed is not None and failed.message and \
                    log.lower() == "sender verify failed":
                text = f"{text}: {failed.message}"
            if text not in state.warn_logged:
                state.warn_logged.add(text)
                self.session.log(text)
        if user is None:
            return
        if where > Where.NOTSMTP:
            self.session.log('ACL "warn" with "message" setting found in a non-message '
                             f"({where.exim_name}) ACL: cannot specify header lines here: "
                             "message ignored", panic=True)
            return
        setup_header(state, user)

    # ------------------------------------------------------------------ one statement

    def _statement(self, verb: str, conditions: tuple[AclCondition, ...], where: Where,
                   addr: Address | None, msgs: Messages) -> tuple[Rc, bool]:
        """Exim's acl_check_condition: (outcome, endpass seen)."""
        user_message: str | None = None
        log_message: str | None = None
        endpass = False
        rc = Rc.OK
        for cond in conditions:
            name = cond.name
            if name == "message":
                self.trace(f"  message: {cond.value}")
                user_message = cond.value
                continue
            if name == "log_message":
                self.trace(f"l_message: {cond.value}")
                log_message = cond.value
                continue
            if name == "endpass":
                endpass = True
                continue
            cdef = CONDITIONS[name]
            arg = cond.value
            if cdef.expand_at_top:
                try:
                    arg = expand_string(cond.value, self.ctx)
                except ForcedFail:
                    continue
                except ExpansionError as error:
                    msgs.log = f'failed to expand ACL string "{cond.value}": {error.text}'
                    return (Rc.DEFER if isinstance(error, LookupDeferred) else Rc.ERROR,
                            endpass)
            self._trace_condition(cond, cdef.is_modifier, arg)
            if cdef.forbidden(where):
                msgs.log = (f"cannot {'use' if cdef.is_modifier else 'test'} {name} "
                            f"condition in {where.exim_name} ACL")
                return Rc.ERROR, endpass
            rc = self._handlers[name](Call(self, verb, where, addr, cond, arg, msgs))
            if not cdef.is_modifier and cond.negated:
                if rc is Rc.OK:
                    rc = Rc.FAIL
                elif rc in (Rc.FAIL, Rc.FAIL_DROP):
                    rc = Rc.OK
            if rc is not Rc.OK:
                break
        if endpass and rc is Rc.OK:
            user_message = None
        if rc in _MSGCOND[verb]:
            self._messages(verb, rc, user_message, log_message, msgs)
        self.ctx.values["acl_verify_message"] = ""
        return rc, endpass

    def _messages(self, verb: str, rc: Rc, user_message: str | None,
                  log_message: str | None, msgs: Messages) -> None:
        """Expand message/log_message for a statement whose outcome uses them."""
        old_user = msgs.user
        old_log = msgs.log if msgs.log is not None else old_user
        if verb == "warn" or (rc is Rc.OK and verb in ("accept", "discard")):
            msgs.user = msgs.log = None
        values = self.ctx.values
        if user_message is not None:
            values["acl_verify_message"] = old_user or ""
            expanded = self._expand_message(user_message)
            if expanded:
                msgs.user = expanded
        if log_message is not None:
            values["acl_verify_message"] = old_log or ""
            expanded = self._expand_message(log_message)
            if expanded:
                msgs.log = expanded if msgs.log is None else f"{expanded}: {msgs.log}"
        if msgs.log is None:
            msgs.log = msgs.user

    def _expand_message(self, text: str) -> str | None:
        try:
            return expand_string(text, self.ctx)
        except ForcedFail:
            return None
        except ExpansionError as error:
            self.session.log(f'failed to expand ACL message "{text}": {error.text}',
                             panic=True)
            return None

    def _trace_condition(self, cond: AclCondition, is_modifier: bool, arg: str) -> None:
        bang = "!" if not is_modifier and cond.negated else ""
        head = f"check {bang}{cond.name} "
        if cond.name == "set" and cond.variable is not None:
            head += f"{cond.variable} "
        self.trace(f"{head}= {cond.value}")
        if arg != cond.value:
            self.trace(f"{' ' * len(head)}= {arg}")

    # ------------------------------------------------------------------ nested ACLs

    def call_nested(self, where: Where, addr: Address | None, text: str,
                    msgs: Messages) -> Rc:
        """The ``acl`` condition: a name and up to nine arguments (Exim's acl_check_wargs)."""
        pos = 0
        raw, pos = dequote(text, pos)
        try:
            name = expand_string(raw, self.ctx)
            args: list[str] = []
            while len(args) < 9:
                pos = span(text, SPACE, pos)
                if pos >= len(text):
                    break
                raw, pos = dequote(text, pos)
                args.append(expand_string(raw, self.ctx))
        except ForcedFail:
            return Rc.ERROR
        except ExpansionError as error:
            msgs.log = f'failed to expand ACL string "{raw}": {error.text}'
            return Rc.DEFER if isinstance(error, LookupDeferred) else Rc.ERROR
        saved = self.ctx.acl_args
        self.ctx.acl_args = args
        self.state.level += 1
        try:
            return self._internal(where, addr, name, msgs, None)
        finally:
            self.state.level -= 1
            self.ctx.acl_args = saved


_TRACE_OUTCOME = {Rc.OK: "succeeded", Rc.FAIL: "failed",
                  Rc.DISCARD: 'yielded "discard"', Rc.FAIL_DROP: 'yielded "drop"'}

#: Exim's ERRNO_CALLOUTDEFER: a verification deferred because a callout could not finish.
_ERRNO_CALLOUTDEFER = -19


def split_message(message: str | None) -> str | None:
    """Break a long user message into lines of about 75 characters (Exim's
    string_split_message), preferring a break after ``: `` then at a space."""
    if message is None or len(message) <= 75:
        return message
    chars = list(message)
    s = ss = 0
    n = len(chars)
    while True:
        i = 0
        while i < 75 and ss < n and chars[ss] != "\n":
            ss += 1
            i += 1
        if ss >= n:
            break
        if chars[ss] == "\n":
            ss += 1
            s = ss
            continue
        tt: int | None = None
        t = ss + 1
        while True:
            t -= 1
            if t <= s + 35:
                break
            if t < n and chars[t] == " ":
                if chars[t - 1] == ":":
                    tt = t
                    break
                if tt is None:
                    tt = t
        if tt is None:
            t = ss + 1
            while t < n:
                if chars[t] in (" ", "\n"):
                    tt = t
                    break
                t += 1
        if tt is None:
            break
        chars[tt] = "\n"
        s = ss = tt + 1
    return "".join(chars)


__all__ = ["AclEngine", "AclResult", "Call", "Handler", "MAX_LEVEL", "Messages",
           "split_message"]
