"""ACL modifiers: what statements do besides testing (Exim: acl.c; spec: "ACL modifiers").

``add_header``/``remove_header`` collect header changes for the message, ``logwrite``
and ``log_reject_target`` write or steer log lines, ``set`` assigns ACL variables,
``queue`` names the queue, ``delay`` pauses (not under -bh), ``udpsend`` sends a
datagram, ``continue`` only has its argument expanded. ``message``, ``log_message`` and
``endpass`` are handled by the engine. Every modifier is "true" unless its argument is
unusable, which is an error (or a deferral for a failed DNS lookup).
"""

from __future__ import annotations

import socket
import time

from pyexim.acl.engine import Call
from pyexim.acl.state import AclState, AddedHeader
from pyexim.acl.where import Rc
from pyexim.strings import list_items, list_separator, next_in_list, printing
from pyexim.taint import is_tainted
from pyexim.timevalue import read_time

_POSITIONS = ((":after_received:", "after_received"), (":at_start_rfc:", "rfc"),
              (":at_start:", "top"), (":at_end:", "bottom"))


def setup_header(state: AclState, text: str) -> None:
    """Add header lines from *text* to the ACL's list, skipping ones already there
    (Exim's setup_header). A line without a header name gets ``X-ACL-Warn:``; a line may
    start with ``:at_start:``, ``:at_start_rfc:``, ``:after_received:`` or ``:at_end:``."""
    text = text.lstrip("\n")
    if not text:
        return
    text = text.rstrip("\n") + "\n"
    pos = 0
    while pos < len(text):
        # One header line, with its continuation lines.
        end = pos
        while True:
            end = text.index("\n", end) + 1
            if end >= len(text) or text[end] not in " \t":
                break
        line = text[pos:end]
        pos = end
        position = "bottom"
        if line.startswith(":"):
            for prefix, where in _POSITIONS:
                if line[:len(prefix)].lower() == prefix:
                    position = where
                    line = line[len(prefix):].lstrip(" \t")
                    break
        name_end = 0
        while name_end < len(line) - 1 and line[name_end] != ":" and (
                33 <= ord(line[name_end]) <= 126):
            name_end += 1
        if line[name_end:name_end + 1] != ":":
            line = "X-ACL-Warn: " + line
        if not any(h.text.startswith(line) for h in state.added_headers):
            state.added_headers.append(AddedHeader(line, position))


def mod_add_header(call: Call) -> Rc:
    setup_header(call.state, call.arg)
    return Rc.OK


def mod_continue(call: Call) -> Rc:
    """``continue = ...``: only the expansion of the argument matters."""
    return Rc.OK


def mod_delay(call: Call) -> Rc:
    """``delay = time``: wait before the reply (skipped when testing with -bh)."""
    seconds = read_time(call.arg)
    if seconds < 0:
        return call.error('syntax error in argument for "delay" modifier: '
                          f'"{call.arg}" is not a time value')
    call.engine.trace(f"delay modifier requests {seconds}-second delay")
    if call.session.host_checking:
        call.engine.trace("delay skipped in -bh checking mode")
    elif seconds:
        time.sleep(seconds)
    return Rc.OK


def mod_log_reject_target(call: Call) -> Rc:
    """``log_reject_target = main : reject : panic`` (or empty for none)."""
    targets: set[str] = set()
    for name in list_items(call.arg):
        if name in ("main", "panic", "reject"):
            targets.add(name)
        else:
            targets |= {"main", "reject"}
            call.session.log(f'unknown log name "{name}" in "log_reject_target" in '
                             f"{call.where.exim_name} ACL", panic=True)
    call.state.log_reject_target = frozenset(targets)
    return Rc.OK


def mod_logwrite(call: Call) -> Rc:
    """``logwrite = [:main,reject,panic:] text``: write a log line now."""
    text = call.arg
    targets: set[str] = set()
    if text.startswith(":"):
        close = text.find(":", 1)
        if close < 0:
            close = len(text)
        names = text[1:close].split(",")
        text = text[close + 1:]
        for name in names:
            if name in ("main", "panic", "reject"):
                targets.add(name)
            else:
                targets = {"main", "panic"}
                text = (f'unknown log name in "{call.arg}" in "logwrite" in '
                        f"{call.where.exim_name} ACL")
                break
    text = text.lstrip(" \t\n\v\f\r")
    targets = targets or {"main"}
    call.session.log(printing(text), main="main" in targets, reject="reject" in targets,
                     panic="panic" in targets)
    return Rc.OK


def mod_queue(call: Call) -> Rc:
    """``queue = name``: put the message on a named queue."""
    if is_tainted(call.arg):
        return call.error(f"Tainted name '{call.arg}' for queue not permitted")
    if "/" in call.arg:
        return call.error(f"Directory separator not permitted in queue name: '{call.arg}'")
    call.state.queue_name = call.arg
    return Rc.OK


def mod_remove_header(call: Call) -> Rc:
    """``remove_header = name : name``: headers to take out of the message."""
    if call.arg:
        current = call.state.removed_headers
        call.state.removed_headers = f"{current} : {call.arg}" if current else call.arg
    return Rc.OK


def mod_set(call: Call) -> Rc:
    """``set acl_c_x = value``: connection (acl_c) or message (acl_m) variables."""
    variable = call.cond.variable or ""
    if variable in ("dkim_verify_status", "dkim_verify_reason"):
        call.ctx.values[variable] = call.arg
    elif variable.startswith("acl_c"):
        call.ctx.acl_c[variable[4:]] = call.arg
    else:
        call.ctx.acl_m[variable[4:]] = call.arg
    return Rc.OK


def mod_udpsend(call: Call) -> Rc:
    """``udpsend = host : port : payload``: send one UDP datagram."""
    # Exim reads the host and port as list items; the payload is what follows.
    sep, pos = list_separator(call.arg)
    host, pos = next_in_list(call.arg, pos, sep)
    port_text, pos = next_in_list(call.arg, pos, sep)
    if host is None:
        return call.error('missing destination host in "udpsend" modifier')
    if port_text is None:
        return call.error('missing destination port in "udpsend" modifier')
    payload = call.arg[pos:]
    if not port_text.lstrip("-").isdigit():
        return call.error('bad destination port in "udpsend" modifier')
    port = int(port_text)
    from pyexim.hostaddr import is_ip_address
    address = host
    if not is_ip_address(host):
        found = call.ctx.lookup_context.resolver.host_find_byname(host)
        if found.status != "ok" or not found.addresses:
            call.msgs.log = 'DNS lookup failed in "udpsend" modifier'
            return Rc.DEFER
        address = found.addresses[0]
    call.engine.trace(f"udpsend [{address}]:{port} {payload}")
    data = payload.encode("latin-1")
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as sock:
            sock.connect((address, port))
            sent = sock.send(data)
    except OSError as error:
        call.msgs.log = f'"udpsend" failed: {error.strerror}'
        return Rc.DEFER
    if sent < len(data):
        call.msgs.log = f'"udpsend" truncated from {len(data)} to {sent} octets'
        return Rc.DEFER
    call.engine.trace(f"udpsend {sent} bytes")
    return Rc.OK


HANDLERS = {
    "add_header": mod_add_header,
    "continue": mod_continue,
    "delay": mod_delay,
    "log_reject_target": mod_log_reject_target,
    "logwrite": mod_logwrite,
    "queue": mod_queue,
    "remove_header": mod_remove_header,
    "set": mod_set,
    "udpsend": mod_udpsend,
}

__all__ = ["HANDLERS", "setup_header"]
