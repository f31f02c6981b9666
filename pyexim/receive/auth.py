"""SMTP AUTH on the server side (Exim: smtp_in.c ``smtp_in_auth``, auths/get_data.c,
auths/plaintext.c and auths/cram_md5.c server code; spec: "SMTP authentication").

A server driver is a generator: it yields each challenge (the text before base64) and
is sent the client's answer, until it returns Exim's result code ("OK", "FAIL",
"DEFER", "BAD64", "CANCELLED", "UNEXPECTED"). ``plaintext`` (PLAIN, LOGIN and other
prompt-driven mechanisms) and ``cram_md5`` are built; the other drivers (dovecot,
cyrus_sasl, spa, external, tls) defer with a message that names them, so the client is
told to try later and the log says why.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Generator

from pyexim.expand import ExpansionError, ForcedFail, expand_string
from pyexim.receive.session import SmtpSession
from pyexim.smtp import events as ev
from pyexim.smtp import texts
from pyexim.smtp.replies import Reply
from pyexim.strings import list_items, printing, to_bytes_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

Driver = Generator[str, "str | None", str]
_MAXN = 20


def _decode(data: str) -> str | None:
    """Exim's b64decode: engine text, or None for invalid base64."""
    try:
        return to_bytes_text(base64.b64decode(data.encode("latin-1"), validate=True))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None


def _get_data(challenge: str) -> Generator[str, str | None, tuple[str | None, str]]:
    """Exim's auth_get_data: send *challenge* and decode the answer; (text, "OK"), or
    (None, "CANCELLED") when the client cancelled, (None, "BAD64") for bad base64."""
    answer = yield challenge
    if answer is None:
        return None, "CANCELLED"
    clear = _decode(answer)
    return (None, "BAD64") if clear is None else (clear, "OK")


def _split(session: SmtpSession, clear: str) -> None:
    """Put NUL-separated items into $auth1.. and $1.. (Exim's auth_read_input)."""
    ctx = session.ctx
    items = clear.split("\0")
    if clear.endswith("\0"):
        items = items[:-1]
    for item in items:
        if len(ctx.match_strings) - 1 >= _MAXN:
            break
        n = len(ctx.match_strings) - 1
        if n < len(ctx.auth_vars):
            ctx.auth_vars[n] = item
        ctx.match_strings.append(item)


def _condition(session: SmtpSession, text: object) -> str:
    """server_condition's verdict (Exim's auth_check_some_cond)."""
    if text is None:
        return "OK"
    try:
        value = expand_string(str(text), session.ctx)
    except ForcedFail:
        return "FAIL"
    except ExpansionError as error:
        session.auth_defer_msg = error.text
        return "DEFER"
    if value in ("", "0") or value.lower() in ("no", "false"):
        return "FAIL"
    if value == "1" or value.lower() in ("yes", "true"):
        return "OK"
    session.auth_defer_msg = value
    session.auth_defer_user_msg = f": {value}"
    return "DEFER"


def plaintext(session: SmtpSession, auth: Any, data: str) -> Driver:
    """The plaintext driver: decode the initial data, prompt for the rest, then check
    server_condition."""
    prompts = auth.get("server_prompts")
    if prompts is not None:
        try:
            prompts = expand_string(str(prompts), session.ctx)
        except ExpansionError as error:
            session.auth_defer_msg = error.text
            return "DEFER"
    if data:
        if data == "=":
            _split(session, "")
        else:
            clear = _decode(data)
            if clear is None:
                return "BAD64"
            _split(session, clear)
    number = 1
    for prompt in list_items(str(prompts or "")):
        if len(session.ctx.match_strings) - 1 >= _MAXN:
            break
        if number > len(session.ctx.match_strings) - 1:
            clear, rc = yield from _get_data(prompt)
            if clear is None:
                return rc
            _split(session, clear)
        number += 1
    return _condition(session, auth.get("server_condition"))


def cram_md5(session: SmtpSession, auth: Any, data: str) -> Driver:
    """The cram_md5 driver: a challenge, a "name digest" answer, server_secret."""
    primary = str(session.ctx.values.get("primary_hostname") or "")
    challenge = f"<{session.pid}.{int(time.time())}@{primary}>"
    if data:
        return "UNEXPECTED"
    clear, rc = yield from _get_data(challenge)
    if clear is None:
        return rc
    name, space, digest = clear.partition(" ")
    session.ctx.auth_vars[0] = name
    session.ctx.match_strings = ["", name]
    if not space or len(digest) != 32:
        return "FAIL"
    try:
        secret = expand_string(str(auth.get("server_secret") or ""), session.ctx)
    except ForcedFail:
        return "FAIL"
    except ExpansionError as error:
        session.auth_defer_msg = error.text
        return "DEFER"
    expected = hmac.new(secret.encode("latin-1"), challenge.encode("latin-1"),
                        hashlib.md5).hexdigest()
    return "OK" if hmac.compare_digest(expected, digest) else "FAIL"


def _not_built(session: SmtpSession, auth: Any, data: str) -> Driver:
    session.auth_defer_msg = (f"the {auth.driver} authenticator's server side is not "
                              "available in pyexim yet")
    return "DEFER"
    yield ""  # makes this a generator, like the others


DRIVERS = {"plaintext": plaintext, "cram_md5": cram_md5}


def authenticate(session: SmtpSession, event: ev.Auth) -> None:
    """AUTH for a mechanism: find the advertised server authenticator and start it."""
    from pyexim.auth.base import roles
    mechanism = str(event.mechanism).upper()
    auth = None
    for candidate in getattr(session.config, "authenticators", ()):
        public = str(candidate.get("public_name") or candidate.name).upper()
        if public == mechanism and roles(candidate.settings)[0]:
            auth = candidate
            break
    if auth is None or (mechanism not in session.advertised_auth and
                        not session.state.allow_auth_unadvertised):
        message = f"{event.mechanism} authentication mechanism not supported"
        session.output += session.conn.syntax_error(message, code=504, protocol=True)
        session.log_synprot("protocol", event.command, message)
        return
    session.auth_defer_msg = session.auth_defer_user_msg = ""
    session.ctx.auth_vars = [None] * 4
    session.ctx.match_strings = [""]
    factory = DRIVERS.get(auth.driver, _not_built)
    driver = factory(session, auth, from_engine_arg(event.initial_response))
    session.auth_pending = (auth, driver)
    _step(session, None, first=True)


def from_engine_arg(value: str | None) -> str:
    return value.encode("utf-8", "surrogateescape").decode("latin-1") if value else ""


def continue_authentication(session: SmtpSession, event: ev.AuthResponse) -> None:
    """The client's answer to a 334 challenge."""
    if event.too_long:
        _finish(session, "BAD64")
        return
    _step(session, None if event.cancelled else from_engine_arg(event.data))


def _step(session: SmtpSession, answer: str | None, *, first: bool = False) -> None:
    pending = session.auth_pending
    assert pending is not None
    _auth, driver = pending
    try:
        challenge = next(driver) if first else driver.send(answer)
    except StopIteration as done:
        _finish(session, str(done.value))
        return
    encoded = base64.b64encode(challenge.encode("latin-1")).decode("ascii")
    session._send(Reply.line(334, encoded))


def _finish(session: SmtpSession, rc: str) -> None:
    """Exim's smtp_in_auth after the driver: set_id, the reply and the log line."""
    pending = session.auth_pending
    assert pending is not None
    auth, _driver = pending
    session.auth_pending = None
    values = session.ctx.values
    set_id_text = auth.get("server_set_id")
    set_id = None
    if set_id_text is not None:
        try:
            set_id = printing(expand_string(str(set_id_text), session.ctx))
        except ExpansionError:
            set_id = None
    session.ctx.match_strings = []
    session.ctx.auth_vars = [None] * 4
    shown = f" (set_id={set_id})" if set_id else ""
    if rc == "OK" and (set_id_text is None or set_id is not None):
        if set_id is not None:
            values["authenticated_id"] = set_id
        values["sender_host_authenticated"] = auth.name
        values["authentication_failed"] = 0
        values.pop("authenticated_fail_id", None)
        from pyexim.receive.commands import protocol_name
        values["received_protocol"] = protocol_name(session)
        session._send(texts.AUTH_SUCCEEDED)
        return
    if rc == "OK":
        rc = "DEFER"
    if rc in ("DEFER", "FAIL") and set_id:
        values["authenticated_fail_id"] = set_id
    if rc == "DEFER":
        user = f"435 Unable to authenticate at present{session.auth_defer_user_msg}"
        logged = f"435 Unable to authenticate at present{shown}: {session.auth_defer_msg}"
    elif rc == "BAD64":
        user = logged = "501 Invalid base64 data"
    elif rc == "CANCELLED":
        user = logged = "501 Authentication cancelled"
    elif rc == "UNEXPECTED":
        user = logged = "553 Initial data not expected"
    else:
        user = "535 Incorrect authentication data"
        logged = f"535 Incorrect authentication data{shown}"
    session._send(Reply.line(int(user[:3]), user[4:]))
    session.log(f"{auth.name} authenticator failed for {session.host_and_ident(False)}: "
                f"{logged}", reject=True)


__all__ = ["DRIVERS", "authenticate", "continue_authentication"]
