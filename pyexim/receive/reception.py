"""The message after DATA (or BDAT): header checks and fix-ups, the Received: header, the
DATA ACL, the reception log line and the final reply (Exim: receive.c ``receive_msg`` for
SMTP input; spec: "Message processing", "The DATA ACL").

Under ``-bh`` nothing is written to the spool: the message is built, checked and logged
(on standard error) as for real, and the reply is followed by Exim's note that the id
is not real. Writing the spool before the 250 (DESIGN.md decision 3) belongs to the
daemon's reception, which calls ``finish_message`` with a ``spool_writer``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from pyexim.acl.state import AddedHeader
from pyexim.acl.where import Rc, Where
from pyexim.expand import ExpansionError, HeaderView, expand_string, from_engine, to_engine
from pyexim.log.lines import Reception, reception_line
from pyexim.message import HeaderLine, header_kind, parse_message, type_received_headers
from pyexim.receive.session import TESTING_NOTE, SmtpSession, handles
from pyexim.smtp import events as ev
from pyexim.smtp import texts
from pyexim.smtp.data import spool_body
from pyexim.smtp.replies import Reply
from pyexim.spool.msgid import DEFAULT_FORMAT, make_message_id
from pyexim.strings import to_bytes_text

SpoolWriter = Callable[[SmtpSession], str | None]


@handles(ev.ChunkReceived)
def on_chunk(session: SmtpSession, event: ev.ChunkReceived) -> None:
    """A non-LAST BDAT chunk has arrived."""
    session.bdat_chunk = event.size
    session._send(texts.chunk_received(event.size))


@handles(ev.Bdat)
def on_bdat(session: SmtpSession, event: ev.Bdat) -> None:
    session.bdat_chunk = event.size


@handles(ev.EndOfMessage)
def on_end_of_message(session: SmtpSession, event: ev.EndOfMessage) -> None:
    reply = finish_message(session, bytes(session.tx.data), lf_only=event.lf_only,
                           bdat=event.bdat)
    session.tx.data.clear()
    if reply is not None:
        session._send(reply[0], close=reply[1])
        if reply[2]:
            session.output += TESTING_NOTE
    session.smtp_reset()


def lost_in_message(session: SmtpSession) -> None:
    """The client went away in the middle of a message (Exim's handle_lost_connection)."""
    session.log(f"{session.connection_info()} lost while reading message data",
                selector="lost_incoming_connection")
    session.notquit("connection-lost", None)
    session._send(texts.LOST_IN_MESSAGE)


def _new_message_id(session: SmtpSession) -> str:
    """Exim's id for a message received now. A second message of the same process waits
    for the clock to pass the previous id's tick, so time and pid stay unique (Exim's
    exim_wait_tick)."""
    now = session.clock()
    seconds, micro = int(now), int((now % 1) * 1_000_000)
    number = session.option("localhost_number")
    host_number = int(number) if number is not None else None  # type: ignore[call-overload]
    tick = DEFAULT_FORMAT.resolution(host_number)
    if session.last_message_time is not None:
        last_s, last_u = session.last_message_time
        if (seconds, micro // tick) <= (last_s, last_u // tick):
            seconds, micro = last_s, (last_u // tick + 1) * tick
            if micro >= 1_000_000:
                seconds, micro = seconds + 1, micro - 1_000_000
            delay = seconds + micro / 1_000_000 - now
            if delay > 0:
                time.sleep(delay)
    session.last_message_time = (seconds, micro)
    return make_message_id(seconds, micro, session.pid, localhost_number=host_number)


def finish_message(session: SmtpSession, data: bytes, *, lf_only: bool, bdat: bool,
                   spool_writer: SpoolWriter | None = None
                   ) -> tuple[Reply, bool, bool] | None:
    """Build and check the message; (reply, close connection, add the -bh note).

    The reply may already have been sent (an ACL's refusal goes out with its logging);
    then None is returned.
    """
    values = session.ctx.values
    tx = session.tx
    header_max = int(session.option("header_maxsize", 1024 * 1024))  # type: ignore
    parsed = parse_message(data, smtp=True, from_line_allowed=_fromline_allowed(session))
    header_size = sum(h.slen for h in parsed.headers)
    if header_size >= header_max:
        session.log(f"ridiculously long message header received from "
                    f"{values.get('sender_fullhost') or session.client.ident} (more than "
                    f"{header_max} characters): message abandoned")
        return Reply.line(552, "Message header is ridiculously long"), False, False
    line_max = int(session.option("header_line_maxsize", 0) or 0)  # type: ignore
    if line_max > 0 and any(h.slen > line_max for h in parsed.headers):
        session.log(f"message header line longer than {line_max} characters received "
                    f"from {values.get('sender_fullhost') or session.client.ident}")
        return Reply.line(552, "A message header line is too long"), False, False
    headers = [HeaderView(to_engine(h.text), h.type) for h in parsed.headers]
    body = to_bytes_text(parsed.body)
    message_size = header_size + 1 + len(parsed.body)
    message_id = _new_message_id(session)
    session.log_sink.message_id = message_id
    session.message_id = message_id
    values["message_id"] = values["message_exim_id"] = message_id
    if session.size_limit > 0 and message_size > session.size_limit:
        session.log(f"rejected from <{tx.sender}>"
                    f"{' H=' + str(values['sender_fullhost']) if values.get('sender_fullhost') else ''}"
                    f"{' U=' + session.client.ident if session.client.ident else ''}: "
                    f"message too big: read={message_size} max={session.size_limit}",
                    reject=True, selector="size_reject")
        session.log_sink.message_id = None
        return texts.SIZE_EXCEEDED, False, False
    session.body = body
    _type_headers(session, parsed.headers, headers)
    session.headers = headers
    session.ctx.headers = headers
    # The log's T= depends on a Subject: as received, even if an ACL removes it.
    session.had_subject = any(header_kind(h.text) == "s" for h in headers)
    _set_message_values(session, parsed, message_size)
    _fixups(session)
    received = _received_header(session)
    headers.insert(0, received)
    _add_acl_headers(session)
    recipients = [r.address for r in tx.recipients]
    session.ctx.recipients = recipients
    blackholed = None
    user = None
    prdr_reply = None
    if not tx.recipients:
        blackholed = "MAIL ACL" if tx.recipients_discarded else "RCPT ACL"
    else:
        if session.option("acl_smtp_mime"):
            session.log("acl_smtp_mime is set, but pyexim cannot run the MIME ACL yet: "
                        "message temporarily rejected", panic=True)
            session.log_sink.message_id = None
            return Reply.line(451, texts.TEMP_PROBLEM), False, False
        prdr_reply = _prdr(session, message_id)
        if prdr_reply is not None and not tx.recipients:
            session.log_sink.message_id = None
            return prdr_reply, False, False
        if session.option("acl_smtp_data") and tx.recipients:
            result = session.acl(Where.DATA, "acl_smtp_data")
            _add_acl_headers(session)
            if result.rc is Rc.DISCARD:
                blackholed = "DATA ACL"
                session.blackhole_log = (f": {result.log_message}"
                                         if result.log_message else "")
                tx.recipients = []
            elif result.rc is not Rc.OK:
                refusal, drop = session.acl_fail(Where.DATA, result, command_data=None)
                session._send(refusal, close=drop)
                session.log_sink.message_id = None
                return None
            user = result.user_message
    session.ctx.recipients = None
    _update_received_time(session, received)
    size = sum(len(h.text.encode("latin-1")) for h in headers if h.type != "*") + \
        len(body) + 1
    if not session.host_checking and blackholed is None and spool_writer is not None:
        problem = spool_writer(session)
        if problem is not None:
            session.log(f"Message abandoned: {problem}")
            session.log_sink.message_id = None
            return Reply.line(451, "Error in writing spool file"), False, False
    state = session.state
    session.log(_reception_text(session, size, bdat))
    if state.freeze:
        session.log("frozen by ACL")
    if state.queue_only_policy:
        where = f" in {state.queue_name}" if state.queue_name else ""
        session.log(f"no immediate delivery: queued{where} by ACL", selector="delay_delivery")
    if blackholed is not None:
        session.log(f"=> blackhole ({blackholed} discarded recipients)"
                    f"{session.blackhole_log}")
        session.log("Completed")
    reply: Reply
    if prdr_reply is not None:
        reply = prdr_reply
        if state.fake_response is not None and reply.code < 300:
            reply = Reply.from_message(450 if state.fake_response == "defer" else 550,
                                       state.fake_response_text)
        return reply, False, False
    if state.fake_response is not None:
        reply = Reply.from_message(450 if state.fake_response == "defer" else 550,
                                   state.fake_response_text)
    elif user is not None:
        reply = Reply.from_user_message(250, user)
    elif bdat:
        reply = texts.bdat_queued(session.bdat_chunk, _bdat_total(data), message_id)
    else:
        reply = texts.queued(message_id)
    if blackholed is not None:
        session.message_id = session.log_sink.message_id = None
    return reply, False, session.host_checking


def _prdr(session: SmtpSession, message_id: str) -> Reply | None:
    """Per-recipient data responses (RFC draft PRDR; Exim's receive.c): the PRDR ACL for
    each recipient, its own reply, and the summary reply for the end of data. None when
    PRDR is not in use for this message."""
    tx = session.tx
    acl = session.option("acl_smtp_data_prdr", "accept")
    if not (tx.prdr and len(tx.recipients) > 1 and acl):
        tx.prdr = False
        session.ctx.values["prdr_requested"] = False
        return None
    session.output += Reply.line(353, "PRDR content analysis beginning").to_bytes()
    all_ok, all_fail = True, True
    for recipient in list(tx.recipients):
        address = recipient.address
        result = session.acl(Where.PRDR, "acl_smtp_data_prdr", recipient=address)
        rc = result.rc
        all_ok = all_ok and rc is Rc.OK
        all_fail = all_fail and rc in (Rc.FAIL, Rc.FAIL_DROP)
        code, word = {Rc.OK: (250, "acceptance"), Rc.DISCARD: (250, "acceptance"),
                      Rc.DEFER: (450, "temporary refusal")}.get(rc, (550, "refusal"))
        default = f"PRDR R=<{address}> {word}"
        reply = Reply.from_user_message(code, result.user_message or default)
        session.output += reply.to_bytes()
        if result.log_message:
            session.log(f"PRDR {address} {result.log_message}")
        elif result.user_message:
            session.log(f"PRDR {address} {result.user_message}")
        else:
            session.log(default)
        if rc is not Rc.OK:
            tx.recipients.remove(recipient)
    summary = ("rejected for all recipients" if all_fail else
               "accepted" if all_ok else "accepted for some recipients")
    return Reply.line(550 if all_fail else 250, f"id={message_id} message {summary}")


def _bdat_total(data: bytes) -> int:
    """The total Exim reports after the last BDAT chunk: the message as spooled plus one
    per line (its size with CRLF line ends); a final line end that Exim had to add
    inside the header section counts twice."""
    spooled = spool_body(data, lf_only=False, bdat=True)
    total = len(spooled) + spooled.count(b"\n")
    if not data.endswith(b"\n") and b"\n\n" not in spooled:
        total += 1
    return total


def _fromline_allowed(session: SmtpSession) -> bool:
    """A leading "From " line is taken off for hosts in ignore_fromline_hosts."""
    if session.client.address:
        return session.host_in("ignore_fromline_hosts") is Rc.OK
    return bool(session.option("ignore_fromline_local", False))


def _type_headers(session: SmtpSession, parsed: list[HeaderLine],
                  headers: list[HeaderView]) -> None:
    """The header type flags receive.c gives (From, To, Received, Message-Id ...)."""
    from pyexim.message import HeaderTyping
    typing = HeaderTyping(
        smtp_input=True, sender_local=False, trusted_caller=False,
        suppress_local_fixups=session.state.suppress_local_fixups,
        submission_mode=session.state.submission_mode,
        active_local_sender_retain=session.state.sender_retain,
        delivery_date_remove=bool(session.option("delivery_date_remove", True)),
        envelope_to_remove=bool(session.option("envelope_to_remove", True)),
        return_path_remove=bool(session.option("return_path_remove", True)))
    type_received_headers(parsed, typing)
    for line, view in zip(parsed, headers):
        view.type = line.type


def _set_message_values(session: SmtpSession, parsed: object, message_size: int) -> None:
    """$message_size, $body_linecount and friends, $message_body for the DATA ACL."""
    values = session.ctx.values
    headers = session.headers
    values["message_size"] = message_size
    values["message_body_size"] = len(session.body)
    body_linecount = getattr(parsed, "body_linecount", 0)
    values["body_linecount"] = body_linecount
    values["body_zerocount"] = getattr(parsed, "body_zerocount", 0)
    values["max_received_linelength"] = getattr(parsed, "max_received_linelength", 0)
    header_lines = sum(h.text.count("\n") for h in headers)
    values["message_linecount"] = header_lines + 1 + int(body_linecount)
    values["received_count"] = 1 + sum(1 for h in headers if h.type == "P")
    visible = int(session.option("message_body_visible", 500))  # type: ignore[call-overload]
    newlines = bool(session.option("message_body_newlines", False))

    def view(text: str) -> str:
        text = text.replace("\0", " ")
        return text if newlines else text.replace("\n", " ")
    from pyexim.taint import Tainted
    session.ctx.message_body = Tainted(view(session.body[:visible]))
    session.ctx.message_body_end = Tainted(view(session.body[-visible:] if visible else ""))


def _fixups(session: SmtpSession) -> None:
    """Message-Id:, From:, Sender: and Date: for submissions, and address rewriting of
    the envelope and the headers (receive.c after the header scan)."""
    state = session.state
    values = session.ctx.values
    tx = session.tx
    headers = session.headers
    resents = any(h.text[:7].lower() == "resent-" for h in headers)
    prefix = "Resent-" if resents else ""
    if state.submission_mode and not any(h.type == "I" for h in headers):
        domain = str(values.get("primary_hostname") or "")
        headers.append(HeaderView(f"{prefix}Message-Id: <E{session.message_id}@{domain}>\n",
                                  "I"))
    rewriter = session.rewriter
    session.raw_recipients = [r.address for r in tx.recipients]
    for recipient in tx.recipients:
        recipient.address = rewriter.rewrite_address(recipient.address, True, session.ctx,
                                                     log=session.log)
    if state.submission_mode and not any(h.type == "F" for h in headers) and tx.sender:
        name = state.submission_name or ""
        address = tx.sender_unrewritten or tx.sender
        text = f"{prefix}From: {name} <{address}>\n" if name else f"{prefix}From: {address}\n"
        headers.append(HeaderView(text, "F"))
    if rewriter.rules and not tx.sender_unrewritten and tx.sender:
        new = rewriter.rewrite_address(tx.sender, False, session.ctx, log=session.log)
        if new != tx.sender:
            tx.sender_unrewritten = tx.sender
            tx.sender = new
            values["sender_address"] = new
    for header in list(headers):
        new_text = rewriter.rewrite_header(
            header.text, header.type, session.ctx,
            allow_unqualified_sender=session.allow_unqualified_sender,
            allow_unqualified_recipient=session.allow_unqualified_recipient, log=session.log)
        if new_text is not None:
            # The new line follows the old one, which is kept marked deleted.
            position = next(i for i, h in enumerate(headers) if h is header)
            headers.insert(position + 1, HeaderView(new_text, header.type))
            header.type = "*"
    if state.submission_mode and not any(header_kind(h.text) == "d" for h in headers):
        from pyexim.expand.evaluator import Evaluator
        from pyexim.expand.variables import tod_full
        headers.append(HeaderView(f"{prefix}Date: {tod_full(Evaluator(session.ctx))}\n"))


def _received_header(session: SmtpSession) -> HeaderView:
    """Our Received: header (Exim's received_header_gen)."""
    values = session.ctx.values
    if len(session.tx.recipients) == 1:
        values["received_for"] = session.tx.recipients[0].address
    timestamp = expand_string("${tod_full}", session.ctx)
    try:
        text = expand_string(str(session.option("received_header_text") or ""), session.ctx)
    except ExpansionError as error:
        session.log(f'Expansion of "{session.option("received_header_text")}" '
                    f"(received_header_text) failed: {error.text}", panic=True)
        text = ""
    finally:
        values.pop("received_for", None)
    if not text:
        return HeaderView(f"Received: ; {timestamp}\n", "*")
    return HeaderView(f"{text};\n\t{timestamp}\n", "P")


def _update_received_time(session: SmtpSession, received: HeaderView) -> None:
    """The Received: timestamp becomes the time reception is complete."""
    timestamp = expand_string("${tod_full}", session.ctx)
    text = received.text
    received.text = text[:len(text) - len(timestamp) - 1] + timestamp + "\n"


def _add_acl_headers(session: SmtpSession) -> None:
    """Header lines ACLs added or removed, put in place (Exim's add_acl_headers)."""
    state = session.state
    headers = session.headers
    if state.removed_headers:
        from pyexim.strings import list_items
        names = [n for n in list_items(state.removed_headers, ":")]
        for header in headers:
            if header.type != "*" and any(_named(header, n) for n in names):
                header.type = "*"
        state.removed_headers = None
    for added in state.added_headers:
        view = HeaderView(added.text, _type_of(added))
        _insert(headers, view, added)
    state.added_headers = []


def _type_of(added: AddedHeader) -> str:
    kind = header_kind(added.text)
    return kind if kind.isupper() or kind in (" ", "*") else " "


def _named(header: HeaderView, name: str) -> bool:
    text = header.text
    if text[:len(name)].lower() != name.lower():
        return False
    return text[len(name):].lstrip(" \t").startswith(":")


def _insert(headers: list[HeaderView], view: HeaderView, added: AddedHeader) -> None:
    if added.position == "top":
        headers.insert(0, view)
    elif added.position == "after_received":
        index = next((i for i, h in enumerate(headers) if _named(h, "Received")), 0)
        while index + 1 < len(headers) and _named(headers[index + 1], "Received"):
            index += 1
        headers.insert(index + 1, view)
    elif added.position == "rfc":
        index = 0
        while index + 1 < len(headers) and (_named(headers[index + 1], "Received") or
                                            headers[index + 1].text[:7].lower() == "resent-"):
            index += 1
        headers.insert(index + 1, view)
    else:
        headers.append(view)


def _reception_text(session: SmtpSession, size: int, bdat: bool) -> str:
    """The ``<=`` line (without the id, which the log sink adds)."""
    values = session.ctx.values
    tx = session.tx
    subject = None
    if session.had_subject:
        subject = from_engine(expand_string("$h_subject:", session.ctx))
    msgid = None
    created = False
    for header in session.headers:
        if header.type == "I":
            from pyexim.address import AddressError, AddressOptions, extract_address
            try:
                msgid = from_engine(extract_address(
                    header.text[header.text.find(":") + 1:],
                    options=AddressOptions(allow_domain_literals=True)).address)
            except AddressError:
                msgid = None
            created = session.state.submission_mode and header.text.startswith(
                (f"Message-Id: <E{session.message_id}", f"Resent-Message-Id: <E"
                 f"{session.message_id}"))
            break
    auth = values.get("sender_host_authenticated")
    from pyexim.receive.session import _utf8_peer
    record = Reception(
        sender=from_engine(tx.sender or ""), size=size, host=_utf8_peer(session.client),
        protocol=str(values.get("received_protocol") or "") or None,
        fake_reject=session.state.fake_response == "fail",
        pipelining=(session.conn.advertised.pipelining, False,
                    session.conn.advertised.pipe_connect, False),
        authenticator=str(auth) if auth else None,
        auth_id=str(values.get("authenticated_id") or "") or None,
        auth_sender=str(values.get("authenticated_sender") or "") or None,
        prdr=tx.prdr, chunking=bdat,
        body_8bitmime=tx.body_8bitmime, queue_name=session.state.queue_name,
        message_id_header=msgid, message_id_created=created, subject=subject,
        raw_sender=from_engine(tx.raw_sender or tx.sender or ""),
        raw_recipients=tuple(from_engine(r) for r in session.raw_recipients))
    return to_engine(reception_line(record, session.selector))


__all__ = ["finish_message", "lost_in_message"]
