"""The SMTP commands outside the message data: greeting, HELO/EHLO, MAIL, RCPT, DATA,
RSET, NOOP, HELP, QUIT, VRFY, EXPN, ETRN, STARTTLS, AUTH and the machine's own errors
(Exim: smtp_in.c ``smtp_start_session`` and the command switch of ``smtp_setup_msg``).

Each handler answers one event, running the ACL for its place, and writes Exim's log
lines for what it refuses.
"""

from __future__ import annotations

import subprocess

from pyexim.acl.where import Rc, Where
from pyexim.expand import ExpansionError, ForcedFail, expand_string, to_engine
from pyexim.receive.session import Recipient, SmtpSession, handles
from pyexim.record import replace
from pyexim.smtp import events as ev
from pyexim.smtp import texts
from pyexim.smtp.commands import Verb, parse_command
from pyexim.smtp.replies import Reply
from pyexim.smtp.server import Limits, Settings
from pyexim.strings import printing

_INT_MAX = 2**31 - 1


# ---------------------------------------------------------------------------------------
# The start of the session (smtp_start_session)

def start_checks(session: SmtpSession) -> Reply | None:
    """The host checks Exim makes before the connect ACL; a refusal reply or None."""
    values = session.ctx.values
    values["received_protocol"] = "smtp" if session.client.address else "local-smtp"
    limit = _size_limit(session)
    if limit is None:
        return Reply.line(421, texts.TEMP_PROBLEM)
    session.size_limit = limit
    if session.client.address:
        if session.host_in("host_lookup") is Rc.OK:
            session.client.lookup_name()
            session.client.rebuild()
        if session.host_in("host_reject_connection") is Rc.OK:
            session.log(f"refused connection from {session.host_and_ident(False)} "
                        "(host_reject_connection)", reject=True,
                        selector="connection_reject")
            return Reply.line(554, "SMTP service not available")
        session.allow_unqualified_sender = \
            session.host_in("sender_unqualified_hosts") is Rc.OK
        session.allow_unqualified_recipient = \
            session.host_in("recipient_unqualified_hosts") is Rc.OK
        session.helo_verify_required = session.host_in("helo_verify_hosts") is Rc.OK
        if not session.helo_verify_required:
            session.helo_verify = session.host_in("helo_try_verify_hosts") is Rc.OK
        junk = session.host_in("helo_accept_junk_hosts") is Rc.OK
        session.host_in("hosts_proxy")
    else:
        junk = False
        session.allow_unqualified_sender = session.allow_unqualified_recipient = True
    values["allow_unqualified_sender"] = session.allow_unqualified_sender
    values["allow_unqualified_recipient"] = session.allow_unqualified_recipient
    _configure_machine(session, junk)
    return None


def _size_limit(session: SmtpSession) -> int | None:
    """message_size_limit, expanded for this host (Exim's expand_string_integer);
    None after a logged failure."""
    text = session.option("message_size_limit")
    if text is None:
        return 0
    try:
        value = expand_string(str(text), session.ctx)
    except ExpansionError as error:
        session.log(f"unable to expand message_size_limit: {error.text}", panic=True)
        return None
    number, problem = expanded_integer(value)
    if number is None:
        session.log(f"invalid message_size_limit: {problem}", panic=True)
        return None
    return number


def expanded_integer(text: str) -> tuple[int | None, str]:
    """An expanded option read as a non-negative integer with K/M/G (Exim's
    expanded_string_integer): (value, "") or (None, Exim's complaint)."""
    stripped = text.lstrip(" \t\n\v\f\r")
    if not stripped:
        return 0, ""
    end = 1 if stripped[:1] in "+-" else 0
    while end < len(stripped) and stripped[end].isdigit():
        end += 1
    if end == 0 or not stripped[:end].lstrip("+-").isdigit():
        return None, f'integer expected but "{text}" found'
    value = int(stripped[:end])
    if value < 0:
        return None, f'non-negative integer expected but "{text}" found'
    rest = stripped[end:]
    scale = {"k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}.get(rest[:1].lower())
    if scale is not None:
        value *= scale
        rest = rest[1:]
    if rest.strip(" \t\n\v\f\r"):
        return None, f'invalid integer "{text}"'
    return value, ""


def _configure_machine(session: SmtpSession, junk: bool) -> None:
    """The machine's limits and settings, from the configuration and this host."""
    nonmail = session.option("smtp_accept_max_nonmail", 10)
    nonmail_hosts = session.host_in("smtp_accept_max_nonmail_hosts") is Rc.OK
    session.conn.limits = Limits(
        max_synprot_errors=int(session.option("smtp_max_synprot_errors", 3)),  # type: ignore
        max_unknown_commands=int(session.option("smtp_max_unknown_commands", 3)),  # type: ignore
        max_nonmail=int(nonmail) if nonmail_hosts and int(nonmail) > 0 else None,  # type: ignore
        max_mail_commands=_mail_max(session))
    require_helo = session.helo_verify_required or (
        bool(session.client.address) and session.host_in("hosts_require_helo") is Rc.OK)
    pipe_connect = bool(session.client.address) and \
        session.host_in("pipelining_connect_advertise_hosts") is Rc.OK
    session.pipe_connect_acceptable = pipe_connect
    session.conn.settings = Settings(
        enforce_sync=session.conn.settings.enforce_sync, pipe_connect=pipe_connect,
        require_helo=require_helo, helo_accept_junk=junk,
        helo_allow_chars=str(session.option("helo_allow_chars", "") or ""),
        allow_auth_unadvertised=session.state.allow_auth_unadvertised)


def _mail_max(session: SmtpSession) -> int:
    """smtp_accept_max_per_connection, expanded (Exim's expand_mailmax)."""
    try:
        text = session.expand_option("smtp_accept_max_per_connection", "0")
    except ExpansionError:
        session.log("failed to expand smtp_accept_max_per_connection", panic=True)
        return 0
    digits = ""
    for char in text.strip():
        if not char.isdigit():
            break
        digits += char
    return int(digits) if digits else 0


@handles(ev.SessionStart)
def on_session_start(session: SmtpSession, event: ev.SessionStart) -> None:
    refusal = start_checks(session)
    if refusal is not None:
        session._send(refusal)
        return
    user = None
    if session.option("acl_smtp_connect"):
        result = session.acl(Where.CONNECT, "acl_smtp_connect")
        if result.rc is not Rc.OK:
            reply, _drop = session.acl_fail(Where.CONNECT, result, command_data=None)
            session._send(reply, close=True)
            return
        user = result.user_message
    session.smtp_reset()
    if user is None:
        try:
            banner = session.expand_option("smtp_banner")
        except ExpansionError as error:
            session.log(f'Expansion of "{session.option("smtp_banner")}" (smtp_banner) '
                        f"failed: {error.text}", panic=True)
            session._send(Reply.line(421, texts.TEMP_PROBLEM), close=True)
            return
        reply = Reply.from_message(220, banner.rstrip(" \t\n\v\f\r"))
    else:
        reply = Reply.from_user_message(220, user.rstrip(" \t\n\v\f\r"))
    out = session.conn.send(reply)
    session.greeted = session.conn.early_input is None
    if session.conn.early_input is not None:
        data = session.conn.early_input.decode("latin-1")
        session.log("SMTP protocol synchronization error (input sent without waiting for "
                    f"greeting): rejected connection from {session.host_and_ident(True)} "
                    f'input="{printing(data)}"', reject=True)
    session.output += out


# ---------------------------------------------------------------------------------------
# HELO and EHLO

@handles(ev.Helo, ev.Ehlo)
def on_hello(session: SmtpSession, event: ev.Helo | ev.Ehlo) -> None:
    verb = Verb.EHLO if isinstance(event, ev.Ehlo) else Verb.HELO
    session.set_command(event, verb)
    session.had(verb.value)
    session.esmtp = verb is Verb.EHLO
    client = session.client
    client.set_helo(to_engine(event.name))
    values = session.ctx.values
    if client.address:
        if not client.name and _in_domains(session, str(client.helo),
                                           "helo_lookup_domains"):
            client.lookup_name()
        client.rebuild()
        state = session.state
        old_verified = state.helo_verified
        state.helo_verified = state.helo_verify_failed = False
        values["sender_helo_dnssec"] = False
        if session.helo_verify_required or session.helo_verify:
            verified, completed = client.verify_helo()
            state.helo_verified, state.helo_verify_failed = verified, not verified
            if not verified and session.helo_verify_required:
                session._send(Reply.line(550 if completed else 451,
                                         f"{verb.value} argument does not match calling "
                                         "host"))
                session.log(f"{'' if completed else 'temporarily '}rejected "
                            f'"{verb.value} {client.helo}" from '
                            f"{session.host_and_ident(False)}", reject=True)
                state.helo_verified = old_verified
                return
    user = None
    if session.option("acl_smtp_helo"):
        result = session.acl(Where.HELO, "acl_smtp_helo")
        if result.rc is not Rc.OK:
            argument = values.get("smtp_command_argument")
            reply, drop = session.acl_fail(Where.HELO, result,
                                           command_data=(argument if isinstance(argument, str)
                                                         else None))
            client.set_helo(None)
            session._send(reply, close=drop)
            return
        user = result.user_message
    session.conn.limits = replace(session.conn.limits,
                                              max_mail_commands=_mail_max(session))
    first = texts.hello_line(str(session.ctx.values.get("smtp_active_hostname")),
                             str(client.helo), client.address, client.ident, client.name)
    code = 250
    if user is not None:
        custom = Reply.from_user_message(250, user)
        code = custom.code
        first = (f"{custom.enhanced} " if custom.enhanced else "") + custom.lines[0]
        if len(custom.lines) > 1:
            session.log("EHLO/HELO response must not contain newlines: message truncated: "
                        f"{code} {first}", panic=True)
    if session.esmtp:
        reply = _ehlo_reply(session, first, code)
    else:
        reply = Reply(code, (first,))
    session._send(reply)
    session.helo_seen = True
    values["received_protocol"] = protocol_name(session)
    session.smtp_reset()


def _in_domains(session: SmtpSession, name: str, option: str) -> bool:
    from pyexim import lists
    value = session.option(option)
    if value is None:
        return False
    result = lists.match_domain(name, str(value), session.ctx, expand=True)
    session.trace(f"{name} in {option}? {'yes' if result.matched else 'no (end of list)'}")
    return result.matched


def protocol_name(session: SmtpSession) -> str:
    """$received_protocol: smtp, esmtp, esmtpa, esmtps, esmtpsa (local- for -bs)."""
    name = "esmtp" if session.esmtp else "smtp"
    if session.esmtp and session.ctx.values.get("sender_host_authenticated"):
        name += "a"
    if session.conn.tls_active:
        name = name[:-1] + "sa" if name.endswith("a") else name + "s"
    return name if session.client.address else "local-" + name


def _ehlo_reply(session: SmtpSession, first: str, code: int) -> Reply:
    """The EHLO reply with the extensions Exim offers this host."""
    state = session.state
    pipelining = state.pipelining_enable and \
        session.host_in("pipelining_advertise_hosts") is Rc.OK
    auth = _auth_advertised(session)
    reply = texts.ehlo_reply(
        first, size=session.size_limit or None,
        eight_bit=bool(session.option("accept_8bitmime", True)),
        dsn=session.host_in("dsn_advertise_hosts") is not Rc.FAIL,
        etrn=bool(session.option("acl_smtp_etrn")), vrfy=bool(session.option("acl_smtp_vrfy")),
        expn=bool(session.option("acl_smtp_expn")), pipelining=pipelining,
        pipe_connect=pipelining and bool(getattr(session, "pipe_connect_acceptable", False)),
        auth=auth,
        chunking=session.host_in("chunking_advertise_hosts") is not Rc.FAIL,
        starttls=not session.conn.tls_active and
        session.host_in("tls_advertise_hosts") is not Rc.FAIL,
        prdr=bool(session.option("prdr_enable", False)),
        smtputf8=bool(session.option("accept_8bitmime", True)) and
        session.host_in("smtputf8_advertise_hosts") is not Rc.FAIL)
    return Reply(code, reply.lines) if code != 250 else reply


def _auth_advertised(session: SmtpSession) -> tuple[str, ...]:
    """The public names of server authenticators to offer this host."""
    from pyexim.auth.base import roles
    session.advertised_auth = frozenset()
    auths = [a for a in getattr(session.config, "authenticators", ())
             if roles(a.settings)[0]]
    if not auths or session.host_in("auth_advertise_hosts") is not Rc.OK:
        return ()
    names: list[str] = []
    for auth in auths:
        condition = auth.get("server_advertise_condition")
        if condition is not None:
            try:
                from pyexim.expand import expand_condition
                if not expand_condition(str(condition), session.ctx):
                    continue
            except ForcedFail:
                continue
            except ExpansionError as error:
                session.log(f"failed to expand {auth.name} authenticator's "
                            f"server_advertise_condition: {error.text}", panic=True)
                continue
        names.append(str(auth.get("public_name") or auth.name))
    session.advertised_auth = frozenset(n.upper() for n in names)
    return tuple(names)


# ---------------------------------------------------------------------------------------
# MAIL

@handles(ev.MailFrom)
def on_mail(session: SmtpSession, event: ev.MailFrom) -> None:
    argument = session.set_command(event, Verb.MAIL)
    session.had("MAIL")
    session.mail_count += 1
    session.smtp_reset()
    tx = session.tx
    if event.size is not None:
        tx.size = min(event.size, _INT_MAX)
    values = session.ctx.values
    values["message_size"] = tx.size
    tx.body_8bitmime = {"8BITMIME": 8, "7BIT": 7}.get(event.body or "", 0)
    tx.dsn_ret, tx.dsn_envid = event.ret, event.envid
    tx.prdr = event.prdr and bool(session.option("prdr_enable", False))
    values["prdr_requested"] = tx.prdr
    if event.smtputf8:
        tx.smtputf8 = True
        values["message_smtputf8"] = True
        protocol = str(values.get("received_protocol") or "")
        if not protocol.startswith("utf8"):
            values["received_protocol"] = "utf8" + protocol
    if event.auth is not None and not _mail_auth(session, event, argument):
        return
    address = to_engine(event.address)
    raw = session.rewrite_smtp(address, sender=True)
    sender, domain, error = session.extract(raw, allow_null=True)
    if sender is None:
        session.output += session.conn.syntax_error(error, data=_data(address))
        session.log_synprot("syntax", event.command, error)
        return
    if session.size_limit > 0 and tx.size > session.size_limit:
        session._send(texts.SIZE_EXCEEDED)
        session.log(f"rejected MAIL FROM:<{sender}> {session.host_and_ident(True)}: "
                    f"message too big: size{'>' if tx.size == _INT_MAX else ''}="
                    f"{tx.size} max={session.size_limit}", reject=True, selector="size_reject")
        return
    tx.raw_sender = sender
    if not domain and sender:
        if session.allow_unqualified_sender:
            sender = session.qualify(sender, recipient=False)
        else:
            session._send(Reply.line(501, f"{_data(address)}: sender address must contain "
                                          "a domain"))
            session.log(f"unqualified sender rejected: <{sender}> "
                        f"{session.host_and_ident(True)}"
                        f"{values.get('host_lookup_msg') or ''}", reject=True,
                        selector="smtp_syntax_error")
            return
    tx.sender = sender
    values["sender_address"] = sender
    values["return_path"] = sender
    rc = Rc.OK
    user = None
    if session.option("acl_smtp_mail"):
        result = session.acl(Where.MAIL, "acl_smtp_mail")
        rc, user = result.rc, result.user_message
        if rc not in (Rc.OK, Rc.DISCARD):
            reply, drop = session.acl_fail(Where.MAIL, result, command_data=argument)
            tx.sender = None
            values.pop("sender_address", None)
            session._send(reply, close=drop)
            return
    suffix = ", PRDR Requested" if tx.prdr else ""
    if user is None:
        session._send(Reply.line(250, "OK" + suffix))
    else:
        session._send(Reply.from_user_message(250, user + suffix))
    tx.recipients_discarded = rc is Rc.DISCARD


def _mail_auth(session: SmtpSession, event: ev.MailFrom, argument: str) -> bool:
    """AUTH= on MAIL: keep it as $authenticated_sender only when allowed (False when
    the command has been answered)."""
    value = to_engine(event.auth or "")
    if not session.option("acl_smtp_mailauth"):
        ignore = "client not authenticated"
        rc = Rc.OK if session.ctx.values.get("sender_host_authenticated") else Rc.FAIL
    else:
        ignore = "rejected by ACL"
        session.ctx.values["authenticated_sender"] = value
        result = session.acl(Where.MAILAUTH, "acl_smtp_mailauth")
        rc = result.rc
        if rc not in (Rc.OK, Rc.FAIL):
            reply, _drop = session.acl_fail(Where.MAILAUTH, result, command_data=argument)
            session._send(reply)
            return False
    if rc is Rc.OK:
        session.ctx.values["authenticated_sender"] = value
    else:
        session.ctx.values.pop("authenticated_sender", None)
        session.log(f"ignoring AUTH={value} from {session.host_and_ident(True)} ({ignore})")
    return True


def _data(address: str) -> str:
    """The address text Exim shows in a 501 reply (the argument after its options)."""
    return address


# ---------------------------------------------------------------------------------------
# RCPT

@handles(ev.RcptTo)
def on_rcpt(session: SmtpSession, event: ev.RcptTo) -> None:
    argument = session.set_command(event, Verb.RCPT)
    session.had("RCPT")
    tx = session.tx
    tx.rcpt_count += 1
    values = session.ctx.values
    values["rcpt_count"] = tx.rcpt_count
    address = to_engine(event.address)
    raw = session.rewrite_smtp(address, sender=False)
    recipient, domain, error = session.extract(raw, allow_null=False)
    if recipient is None:
        tx.rcpt_fail_count += 1
        session.output += session.conn.syntax_error(error, data=address)
        session.log_synprot("syntax", event.command, error)
        return
    if not domain:
        if session.allow_unqualified_recipient or recipient.lower() == "postmaster":
            recipient = session.qualify(recipient, recipient=True)
        else:
            tx.rcpt_fail_count += 1
            session._send(Reply.line(501, f"{address}: recipient address must contain a "
                                          "domain"))
            session.log(f"unqualified recipient rejected: <{recipient}> "
                        f"{session.host_and_ident(True)}"
                        f"{values.get('host_lookup_msg') or ''}", reject=True,
                        selector="smtp_syntax_error")
            return
    limit = int(session.option("recipients_max", 50000) or 0)  # type: ignore[call-overload]
    if limit > 0 and tx.rcpt_count > limit:
        reject = bool(session.option("recipients_max_reject", False))
        if reject:
            tx.rcpt_fail_count += 1
            session._send(Reply.line(552, "too many recipients"))
            what = "message rejected"
        else:
            tx.rcpt_defer_count += 1
            session._send(Reply.line(452, "too many recipients"))
            what = "excess temporarily rejected"
        if not tx.toomany:
            session.log(f"too many recipients: {what}: sender=<{tx.sender}> "
                        f"{session.host_and_ident(True)}", reject=True)
        tx.toomany = True
        return
    if tx.recipients_discarded:
        rc, user, log_message = Rc.DISCARD, None, session.last_acl_log
        result = None
    else:
        result = session.acl(Where.RCPT, "acl_smtp_rcpt", recipient=recipient)
        rc, user, log_message = result.rc, result.user_message, result.log_message
    if rc is Rc.OK:
        session._send(Reply.from_user_message(250, user) if user else texts.ACCEPTED)
        tx.recipients.append(Recipient(recipient, to_engine(event.orcpt) if event.orcpt
                                       else None, event.notify))
        values["recipients_count"] = len(tx.recipients)
    elif rc is Rc.DISCARD:
        session._send(Reply.from_user_message(250, user) if user else texts.ACCEPTED)
        tx.rcpt_fail_count += 1
        tx.discarded = True
        detail = f": {log_message}" if log_message else ""
        session.log(f"{session.host_and_ident(True)} F=<{tx.sender_unrewritten or tx.sender}> "
                    f"RCPT {argument}: discarded by "
                    f"{'MAIL' if tx.recipients_discarded else 'RCPT'} ACL{detail}",
                    reject=True)
    else:
        assert result is not None
        if rc is Rc.FAIL or rc is Rc.FAIL_DROP:
            tx.rcpt_fail_count += 1
        else:
            tx.rcpt_defer_count += 1
        reply, drop = session.acl_fail(Where.RCPT, result, command_data=argument)
        session._send(reply, close=drop)
    values["rcpt_fail_count"] = tx.rcpt_fail_count
    values["rcpt_defer_count"] = tx.rcpt_defer_count


# ---------------------------------------------------------------------------------------
# DATA (the predata part; the message itself is in reception.py)

@handles(ev.Data)
def on_data(session: SmtpSession, event: ev.Data) -> None:
    session.set_command(event, Verb.DATA)
    session.had("DATA")
    tx = session.tx
    if tx.toomany and session.option("recipients_max_reject", False):
        session._send(Reply.line(554, "Too many recipients"))
        session.conn.reset_transaction()
        tx.sender = None
        return
    user = None
    if session.option("acl_smtp_predata"):
        session.ctx.recipients = [r.address for r in tx.recipients]
        result = session.acl(Where.PREDATA, "acl_smtp_predata")
        session.ctx.recipients = None
        if result.rc is not Rc.OK:
            reply, drop = session.acl_fail(Where.PREDATA, result, command_data=None)
            session._send(reply, close=drop)
            return
        user = result.user_message
    tx.data.clear()
    session._send(Reply.from_user_message(354, user) if user else texts.START_DATA)


# ---------------------------------------------------------------------------------------
# Simple commands

@handles(ev.Rset)
def on_rset(session: SmtpSession, event: ev.Rset) -> None:
    session.set_command(event, Verb.RSET)
    session.had("RSET")
    session.incomplete_transaction("RSET")
    session._send(texts.RESET_OK)
    session.smtp_reset()


@handles(ev.Noop)
def on_noop(session: SmtpSession, event: ev.Noop) -> None:
    session.set_command(event, Verb.NOOP)
    session.had("NOOP")
    session._send(texts.OK)


@handles(ev.Help)
def on_help(session: SmtpSession, event: ev.Help) -> None:
    session.set_command(event, Verb.HELP)
    session.had("HELP")
    starttls = not session.conn.tls_active and \
        session.host_in("tls_advertise_hosts") is not Rc.FAIL
    session._send(texts.help_reply(starttls=starttls,
                                   etrn=bool(session.option("acl_smtp_etrn")),
                                   expn=bool(session.option("acl_smtp_expn")),
                                   vrfy=bool(session.option("acl_smtp_vrfy"))))


@handles(ev.Quit)
def on_quit(session: SmtpSession, event: ev.Quit) -> None:
    session.set_command(event, Verb.QUIT)
    session.had("QUIT")
    session.incomplete_transaction("QUIT")
    user = None
    if session.option("acl_smtp_quit"):
        result = session.acl(Where.QUIT, "acl_smtp_quit")
        if result.rc is Rc.ERROR:
            session.log(f"ACL for QUIT returned ERROR: {result.log_message}", panic=True)
        user = result.user_message
    host = str(session.ctx.values.get("smtp_active_hostname"))
    session.log(f"{session.connection_info()} closed by QUIT", selector="smtp_connection")
    session._send(Reply.from_message(221, user, acl=True) if user
                  else texts.quit_reply(host))


@handles(ev.Vrfy)
def on_vrfy(session: SmtpSession, event: ev.Vrfy) -> None:
    argument = session.set_command(event, Verb.VRFY)
    session.had("VRFY")
    address, domain, error = session.extract(argument, allow_null=False)
    if address is None:
        session._send(Reply.line(501, error))
        return
    if not domain:
        if session.allow_unqualified_recipient or address.lower() == "postmaster":
            address = session.qualify(address, recipient=True)
        else:
            session._send(Reply.line(501, f"{argument}: recipient address must contain a "
                                          "domain"))
            session.log(f"unqualified verify rejected: <{address}> "
                        f"{session.host_and_ident(True)}", reject=True,
                        selector="smtp_syntax_error")
            return
    result = session.acl(Where.VRFY, "acl_smtp_vrfy", recipient=address)
    if result.rc is not Rc.OK:
        reply, drop = session.acl_fail(Where.VRFY, result, command_data=argument)
        session._send(reply, close=drop)
        return
    found = session.verify_address(address, recipient=True, options={"callout": -1})
    if found.rc == "OK":
        reply = Reply.line(250, f"<{address}> is deliverable")
    elif found.rc == "DEFER":
        reply = Reply.line(451, f"<{address}> {found.user_message}" if found.user_message
                           else f"Cannot resolve <{address}> at this time")
    else:
        reply = Reply.line(550, f"<{address}> {found.user_message}" if found.user_message
                           else f"<{address}> is not deliverable")
        session.log(f"VRFY failed for {argument} {session.host_and_ident(True)}")
    session._send(reply)


@handles(ev.Expn)
def on_expn(session: SmtpSession, event: ev.Expn) -> None:
    argument = session.set_command(event, Verb.EXPN)
    session.had("EXPN")
    result = session.acl(Where.EXPN, "acl_smtp_expn")
    if result.rc is not Rc.OK:
        reply, drop = session.acl_fail(Where.EXPN, result, command_data=argument)
        session._send(reply, close=drop)
        return
    session.log("EXPN needs the router chain in address-test mode, which pyexim does not "
                "have yet", panic=True)
    session._send(Reply.line(451, texts.TEMP_PROBLEM))


@handles(ev.Etrn)
def on_etrn(session: SmtpSession, event: ev.Etrn) -> None:
    argument = session.set_command(event, Verb.ETRN)
    session.had("ETRN")
    session.log(f"ETRN {argument} received from {session.host_and_ident(False)}",
                selector="etrn")
    result = session.acl(Where.ETRN, "acl_smtp_etrn")
    if result.rc is not Rc.OK:
        reply, drop = session.acl_fail(Where.ETRN, result, command_data=argument)
        session._send(reply, close=drop)
        return
    command = session.option("smtp_etrn_command")
    if command is None and not argument.startswith("#"):
        session.output += session.conn.syntax_error("argument must begin with #")
        session.log_synprot("syntax", event.command, "argument must begin with #")
        return
    user = result.user_message
    reply = Reply.from_user_message(250, user) if user else texts.OK
    if session.host_checking:
        session.trace("ETRN command execution skipped")
        session._send(reply)
        return
    argv = _etrn_argv(session, command, argument)
    if argv is None:
        session._send(Reply.line(458, "Internal failure"))
        return
    try:
        subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError as error:
        session.log(f"fork of process for ETRN failed: {error.strerror}", panic=True)
        session._send(Reply.line(458, "Unable to fork process"))
        return
    session._send(reply)


def _etrn_argv(session: SmtpSession, command: object, argument: str) -> list[str] | None:
    if command is None:
        exim = str(session.option("exim_path") or "pyexim")
        return [exim, "-R", argument[1:]]
    session.ctx.values["domain"] = argument
    try:
        return [expand_string(item, session.ctx) for item in str(command).split()]
    except ExpansionError as error:
        session.log(f"failed to set up ETRN command: {error.text}", panic=True)
        return None
    finally:
        session.ctx.values.pop("domain", None)


@handles(ev.StartTls)
def on_starttls(session: SmtpSession, event: ev.StartTls) -> None:
    session.set_command(event, Verb.STARTTLS)
    session.had("STARTTLS")
    if session.option("acl_smtp_starttls"):
        result = session.acl(Where.STARTTLS, "acl_smtp_starttls")
        if result.rc is not Rc.OK:
            reply, drop = session.acl_fail(Where.STARTTLS, result, command_data=None)
            session._send(reply, close=drop)
            return
    session.incomplete_transaction("STARTTLS")
    if session.host_checking:
        # Exim -bh starts TLS on standard input: the handshake reads what follows and
        # fails, after which only QUIT gets an answer.
        session._send(texts.TLS_GO_AHEAD)
        session.conn.tls_failed()
        session.log(f"TLS error on connection from {session.host_and_ident(False)} "
                    "(gnutls_handshake): Error in the pull function.")
        return
    # TLS belongs to the network adapter (pyexim.net); without one there is none.
    session.log(f"TLS error on connection from {session.host_and_ident(False)} (TLS is "
                "not available on this connection)")
    session._send(texts.TLS_UNAVAILABLE)


@handles(ev.Auth)
def on_auth(session: SmtpSession, event: ev.Auth) -> None:
    argument = session.set_command(event, Verb.AUTH)
    session.had("AUTH")
    session.ctx.values["authentication_failed"] = 1
    if session.option("acl_smtp_auth"):
        result = session.acl(Where.AUTH, "acl_smtp_auth")
        if result.rc is not Rc.OK:
            reply, drop = session.acl_fail(Where.AUTH, result, command_data=argument)
            session._send(reply, close=drop)
            return
    from pyexim.receive.auth import authenticate
    authenticate(session, event)


@handles(ev.AuthResponse)
def on_auth_response(session: SmtpSession, event: ev.AuthResponse) -> None:
    from pyexim.receive.auth import continue_authentication
    continue_authentication(session, event)


# ---------------------------------------------------------------------------------------
# The machine's own errors, and the end of input

_HAD_VERBS = {Verb.HELO, Verb.EHLO, Verb.MAIL, Verb.RCPT, Verb.DATA, Verb.BDAT, Verb.AUTH,
              Verb.STARTTLS, Verb.ETRN, Verb.VRFY, Verb.EXPN}


@handles(ev.CommandError)
def on_command_error(session: SmtpSession, event: ev.CommandError) -> None:
    command = to_engine(event.command)
    session.ctx.values["smtp_command"] = command
    verb = parse_command(event.command.encode("utf-8", "surrogateescape")).verb
    if verb in _HAD_VERBS and event.kind not in ("sync", "nonmail") and \
            event.message not in ("unexpected argument data", "unrecognized command"):
        session.had(verb.value)
    if verb is Verb.RCPT:
        session.tx.rcpt_count += 1
        session.tx.rcpt_fail_count += 1
    if event.aborts_message:
        session.tx.data.clear()
    reply = event.reply
    kind = event.kind
    host = session.host_and_ident(True)
    # Only counted errors are logged: after a pipelined RCPT or DATA that follows a
    # refused MAIL or RCPT, Exim answers without counting or logging.
    counted = session.conn.synprot_errors > session.synprot_seen
    session.synprot_seen = session.conn.synprot_errors
    if kind in ("syntax", "protocol", "badchar") and counted:
        session.log_synprot(kind, event.command, event.message, drop=event.drop)
    elif kind == "helo":
        session.client.set_helo(None)
        argument = command[4:].lstrip(" \t\n\v\f\r")
        session.log(f"rejected {verb.value} from {session.host_and_ident(False)}: "
                    "syntactically invalid argument(s): "
                    f"{printing(argument) if argument else '(no argument given)'}",
                    reject=True)
        if event.drop:
            session.log_dropped(command)
    elif kind == "mail_without_helo":
        session.log(f"rejected MAIL from {session.host_and_ident(False)}: no HELO/EHLO given",
                    reject=True)
    elif kind == "too_many_mail":
        session.log(f"rejected MAIL command {host}: too many messages in one connection",
                    reject=True)
    elif kind == "sync":
        session.incomplete_transaction("sync failure")
        session.log("SMTP protocol synchronization error (next input sent too soon: "
                    f"pipelining was{'' if session.conn.advertised.pipelining else ' not'} "
                    f'advertised): rejected "{command}" {host} next input="'
                    f'{printing(to_engine(event.message))}"', reject=True)
        reply = session.notquit("synchronization-error", reply) or reply
    elif kind == "nonmail":
        session.incomplete_transaction("too many non-mail commands")
        session.log(f"SMTP call from {session.host_and_ident(False)} dropped: too many "
                    f'nonmail commands (last was "{command.split(" ")[0]}")', reject=True)
        reply = session.notquit("bad-commands", reply) or reply
    elif kind == "unknown":
        session.log(f'SMTP syntax error in "{printing(command)}" {host} unrecognized command',
                    selector="smtp_syntax_error")
        session.incomplete_transaction("unrecognized command")
        reply = session.notquit("bad-commands", reply) or reply
        session.log(f"SMTP call from {session.host_and_ident(False)} dropped: too many "
                    f'unrecognized commands (last was "{printing(command)}")', reject=True)
    session._send(reply)


@handles(ev.ConnectionClosed)
def on_connection_closed(session: SmtpSession, event: ev.ConnectionClosed) -> None:
    host = str(session.ctx.values.get("smtp_active_hostname"))
    if event.in_message:
        from pyexim.receive.reception import lost_in_message
        lost_in_message(session)
        return
    if session.conn.phase.name == "TLS_FAILED":
        session.conn.send(texts.lost_connection(host))     # Exim says nothing then
        session.log(f"{session.connection_info()} closed by EOF", selector="smtp_connection")
        session.notquit("tls-failed", None)
        return
    session.incomplete_transaction("connection lost")
    reply = session.notquit("connection-lost", texts.lost_connection(host))
    assert reply is not None
    session._send(reply)
    if session.tx.sender is not None or session.tx.recipients:
        session.log("unexpected "
                    f"{'disconnection' if session.client.address else 'EOF'} while reading "
                    f"SMTP command from {session.host_and_ident(False)} D={session.elapsed()}",
                    selector="lost_incoming_connection")
    else:
        session.log(f"{session.connection_info()} lost D={session.elapsed()}",
                    selector="smtp_connection")


__all__ = ["expanded_integer", "start_checks"]
