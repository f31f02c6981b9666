"""Content-scanning conditions: ``regex``, ``malware``, ``spam``, ``mime_regex``, ``decode``
(Exim: regex.c, malware.c, spam.c, mime.c; spec: "Content scanning at ACL time").

``regex`` is complete: each regular expression of its list is tried on every line of
the message as Exim's spooled mbox copy shows it (a ``From`` line, envelope headers,
the header lines, a blank line, the body); the first match sets
``$regex_match_string`` and ``$regex1``... ``malware`` and ``spam`` reach their scanner
the way Exim does and, when it is absent, defer with Exim's log lines; pyexim does
not speak the scanners' protocols, so a scanner that answers also defers, saying so.
``mime_regex`` and ``decode`` belong to the MIME ACL, which pyexim does not run.
"""

from __future__ import annotations

import socket

from pyexim.acl.engine import Call
from pyexim.acl.where import Rc
from pyexim.regex import RegexError, compile_pcre
from pyexim.strings import list_items
from pyexim.timevalue import read_time

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re

#: Exim's malware scanner types: name -> (default socket, connection kind).
SCANNERS: dict[str, tuple[str | None, str]] = {
    "f-protd": ("localhost 10200-10204", "tcp"), "f-prot6d": ("localhost 10200", "tcp"),
    "drweb": ("/usr/local/drweb/run/drwebd.sock", "stream"),
    "aveserver": ("/var/run/aveserver", "unix"), "fsecure": ("/var/run/.fsav", "unix"),
    "kavdaemon": ("/var/run/AvpCtl", "unix"), "sophie": ("/var/run/sophie", "unix"),
    "clamd": ("/tmp/clamd", "none"), "mksd": (None, "none"),
    "avast": ("/var/run/avast/scan.sock", "stream"), "sock": ("/tmp/malware.sock", "stream"),
    "cmdline": (None, "none"),
}


def mbox_lines(call: Call) -> list[str]:
    """The message as Exim's spool_mbox writes it, split into lines (newlines kept)."""
    values = call.ctx.values
    return_path = str(values.get("return_path") or "") or "MAILER-DAEMON"
    from pyexim.expand import expand_string
    head = f"From {return_path} {expand_string('$tod_bsdinbox', call.ctx)}\n"
    sender = str(values.get("sender_address") or "")
    if sender:
        head += f"X-Envelope-From: <{sender}>\n"
    recipients = call.session.message_recipients()
    if recipients:
        head += f"X-Envelope-To: {', '.join(recipients)}\n"
    text = head + "".join(h.text for h in call.session.message_headers() if h.type != "*")
    text += "\n" + call.session.message_body()
    return text.splitlines(keepends=True)


def _compile(call: Call, arg: str) -> list[tuple[str, re.Pattern[str]]]:
    out = []
    for item in list_items(arg):
        if item.lower() == "false" or item == "0":
            continue
        try:
            out.append((item, compile_pcre(item)))
        except RegexError as error:
            call.session.log(f"regex acl condition warning - error in regex '{item}': "
                             f"{error.message}, skipped.")
    return out


def cond_regex(call: Call) -> Rc:
    """``regex = list``: true when any regex matches a line of the message."""
    values = call.ctx.values
    values["regex_match_string"] = ""
    patterns = _compile(call, call.arg)
    if not patterns:
        return Rc.FAIL
    for line in mbox_lines(call):
        for text, pattern in reversed(patterns):       # Exim builds its list backwards
            match = pattern.search(line)
            if match is not None:
                values["regex_match_string"] = text
                for n, group in enumerate(match.groups()[:9]):
                    call.ctx.regex_vars[n] = group or ""
                return Rc.OK
    return Rc.FAIL


def cond_mime(call: Call) -> Rc:
    """``mime_regex`` and ``decode`` work on MIME parts in the MIME ACL, which pyexim
    does not run; reaching one is a configuration pyexim cannot honour."""
    return call.error(f'"{call.cond.name}" needs the MIME ACL, which pyexim does not '
                      "support yet")


def _connect(spec: str) -> str | None:
    """Try the scanner's socket as Exim's ip_streamsocket does; the error, or None."""
    if spec.startswith("/"):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            try:
                sock.connect(spec)
            except OSError as error:
                return f"unable to connect to UNIX socket ({spec}): {error.strerror}"
        return None
    host, _, ports = spec.partition(" ")
    port = ports.strip().split("-")[0]
    try:
        with socket.create_connection((host, int(port)), timeout=5):
            return None
    except (OSError, ValueError) as error:
        return f"failed to connect to {host}, port {port}: " + (
            getattr(error, "strerror", None) or str(error))


def cond_malware(call: Call) -> Rc:
    """``malware = regex [/defer_ok] [/tmo=time]``."""
    items = list(list_items(call.arg, "/"))
    regex = items[0] if items else ""
    defer_ok = False
    for option in items[1:]:
        if option.lower() == "defer_ok":
            defer_ok = True
        elif option.lower().startswith("tmo=") and read_time(option[4:]) < 0:
            return call.error(f"bad timeout value in '{option}'")
    if not regex or regex.lower() == "false" or regex == "0":
        return Rc.FAIL
    rc = _malware(call)
    return Rc.FAIL if rc is Rc.DEFER and defer_ok else rc


def _malware(call: Call) -> Rc:
    scanner = str(call.engine.option("av_scanner", "sophie:/var/run/sophie"))
    if scanner.startswith("$"):
        scanner = call.expand(scanner)
    parts = list(list_items(scanner))
    if not parts:
        return _defer(call, "malware", "av_scanner configuration variable is empty")
    name = parts[0]
    if name.lower() not in SCANNERS:
        return _defer(call, "malware", f"unknown scanner type '{name}'")
    default, kind = SCANNERS[name.lower()]
    spec = parts[1] if len(parts) > 1 else default
    if kind != "none" and spec:
        problem = _connect(spec)
        if problem is not None:
            return _defer(call, "malware", f"{name} {spec} : {problem}")
    return _defer(call, "malware", f"{name}: talking to this scanner is not available "
                                   "in pyexim yet")


def cond_spam(call: Call) -> Rc:
    """``spam = user[:true] [/defer_ok]``."""
    items = list(list_items(call.arg, "/"))
    defer_ok = any(option.lower() == "defer_ok" for option in items[1:])
    user_items = list(list_items(items[0])) if items else []
    if not user_items or user_items[0] == "0" or user_items[0].lower() == "false":
        return Rc.FAIL
    address = str(call.engine.option("spamd_address", "127.0.0.1 783"))
    if address.startswith("$"):
        address = call.expand(address)
    servers = [a for a in list_items(address) if a]
    rc = Rc.DEFER
    connected = False
    for server in servers:
        words = server.split()
        spec = words[0] if server.startswith("/") else " ".join(words[:2])
        problem = _connect(spec)
        if problem is None:
            connected = True
            break
        call.session.log(f"spam acl condition: spamd: {problem}")
    if not servers:
        call.session.log("spam acl condition: no useable spamd server addresses in "
                         "spamd_address configuration option.", panic=True)
    elif connected:
        call.session.log("spam acl condition: talking to spamd is not available in "
                         "pyexim yet", panic=True)
    else:
        call.session.log("spam acl condition: all spamd servers failed", panic=True)
    call.ctx.values["spam_score"] = call.ctx.values["spam_score_int"] = ""
    return Rc.FAIL if rc is Rc.DEFER and defer_ok else rc


def _defer(call: Call, what: str, text: str) -> Rc:
    call.session.log(f"{what} acl condition: {text}", panic=True)
    call.ctx.values["av_failed"] = 1
    return Rc.DEFER


HANDLERS = {"decode": cond_mime, "malware": cond_malware, "mime_regex": cond_mime,
            "regex": cond_regex, "spam": cond_spam}

__all__ = ["HANDLERS", "SCANNERS", "mbox_lines"]
