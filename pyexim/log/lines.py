"""How each log line reads: pure functions from records to text (Exim: receive.c, deliver.c, smtp_in.c, log.c)."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable, Sequence

from pyexim.log.selector import LogSelector
from pyexim.log.text import quoted_text, string_printing, time_diff
from pyexim.message import HeaderLine, decode, encode
from pyexim.record import record


@record(frozen=True)
class PeerHost:
    """The SMTP client as the logs name it. All None for a local submission."""

    address: str | None = None
    port: int = 0
    name: str | None = None          # the verified host name
    helo: str | None = None
    ident: str | None = None
    interface_address: str | None = None
    interface_port: int = 0
    dnssec: bool = False

    def fullhost(self, selector: LogSelector) -> str | None:
        """$sender_fullhost: ``name (helo) [ip]``, ``(helo) [ip]:port`` and the like."""
        if self.address is None:
            return None
        address = f"[{self.address}]"
        if "incoming_port" in selector and self.port > 0:
            address += f":{self.port}"
        show_helo = self.helo is not None and not self._helo_is_address()
        if self.name is None:
            return f"({self.helo}) {address}" if self.helo is not None else address
        if show_helo and self.helo is not None and self.name.lower() == self.helo.lower():
            show_helo = False
        return f"{self.name} ({self.helo}) {address}" if show_helo else f"{self.name} {address}"

    def _helo_is_address(self) -> bool:
        """An IP-literal HELO naming the client's own address is not shown."""
        helo = self.helo or ""
        if not (helo.startswith("[") and helo.endswith("]")) or self.address is None:
            return False
        inner = helo[1:-1]
        if inner[:5].lower() in ("ipv6:", "ipv4:"):
            inner = inner[5:]
        try:
            return ipaddress.ip_address(inner) == ipaddress.ip_address(self.address)
        except ValueError:
            return False

    def and_ident(self, selector: LogSelector, *, flag: bool = True) -> str:
        """host_and_ident(): ``H=fullhost [I=...] [U=ident]``, or ``U=ident``/``U=unknown``."""
        fullhost = self.fullhost(selector)
        if fullhost is None:
            return f"{'U=' if flag else ''}{self.ident or 'unknown'}"
        iface = ""
        if "incoming_interface" in selector and self.interface_address:
            iface = f" I=[{self.interface_address}]:{self.interface_port}"
        ident = f" U={self.ident}" if self.ident else ""
        return f"{'H=' if flag else ''}{fullhost}{iface}{ident}"


@record(frozen=True)
class TlsIn:
    """An inbound TLS session as the logs show it."""

    cipher: str
    resumed: bool = False
    certificate_verified: bool = False
    peerdn: str | None = None
    sni: str | None = None

    def items(self, selector: LogSelector) -> str:
        """The X=, CV=, DN=, SNI= items (receive.c / smtp_in.c s_tlslog order)."""
        text = _tls_items(selector, self.cipher, self.resumed,
                          "yes" if self.certificate_verified else "no", self.peerdn)
        if "tls_sni" in selector and self.sni:
            text += " SNI=" + string_printing(self.sni, escape_tab=True, escape_space=True)
        return text


def _tls_items(selector: LogSelector, cipher: str, resumed: bool, verified: str,
               peerdn: str | None) -> str:
    """X=cipher[*] CV=yes|no|dane DN="..." as the selector allows."""
    out = []
    if "tls_cipher" in selector:
        out.append(f" X={cipher}" + ("*" if resumed and "tls_resumption" in selector else ""))
    if "tls_certificate_verified" in selector:
        out.append(f" CV={verified}")
    if "tls_peerdn" in selector and peerdn:
        out.append(f' DN="{string_printing(peerdn)}"')
    return "".join(out)


# ---------------------------------------------------------------------------------------
# Reception: "<=" (receive.c)
# ---------------------------------------------------------------------------------------

@record(frozen=True)
class Reception:
    """A message accepted: everything its ``<=`` line can show.

    ``message_id_header`` is the Message-ID: value already extracted as an address
    (what parse_extract_address() gives), ``message_id_created`` whether Exim/pyexim
    added that header. ``subject`` is ``$h_subject:`` (decoded), None when there is no
    Subject: header. ``raw_sender``/``raw_recipients`` are the unrewritten envelope,
    shown by ``received_sender``/``received_recipients``. ``receive_time`` is the time
    from the start of reception to its end.
    """

    sender: str
    size: int
    host: PeerHost = PeerHost()
    protocol: str | None = None
    message_reference: str | None = None
    fake_reject: bool = False
    tcp_fastopen: str | None = None          # "TFO" or "TFO*"
    pipelining: tuple[bool, bool, bool, bool] | None = None  # advertised, used, early adv, early used
    tls: TlsIn | None = None
    authenticator: str | None = None
    auth_id: str | None = None
    auth_sender: str | None = None
    prdr: bool = False
    proxy_local_address: str | None = None
    chunking: bool = False
    body_8bitmime: int = 0
    dkim: str | None = None
    receive_time: float | None = None
    queue_name: str = ""
    message_id_header: str | None = None
    message_id_created: bool = False
    subject: str | None = None
    raw_sender: str = ""
    raw_recipients: tuple[str, ...] = ()


def _host_items(host: PeerHost, selector: LogSelector, protocol: str | None,
                tcp_fastopen: str | None, pipelining: tuple[bool, bool, bool, bool] | None
                ) -> str:
    """add_host_info_for_log(): DS, H=, I=, TFO, U=, P=, L."""
    out = []
    fullhost = host.fullhost(selector)
    if fullhost is not None:
        if "dnssec" in selector and host.dnssec:
            out.append(" DS")
        out.append(f" H={fullhost}")
        if "incoming_interface" in selector and host.interface_address:
            out.append(f" I=[{host.interface_address}]:{host.interface_port}")
    if tcp_fastopen:
        out.append(" " + tcp_fastopen)
    if host.ident:
        out.append(f" U={host.ident}")
    if protocol:
        out.append(f" P={protocol}")
    if pipelining is not None and "pipelining" in selector and pipelining[0]:
        _advertised, used, early_advertised, early_used = pipelining
        out.append(" L" + ("*" if early_used else "." if early_advertised else "")
                   + ("" if used else "-"))
    return "".join(out)


def _auth_items(selector: LogSelector, authenticator: str | None, auth_id: str | None,
                auth_sender: str | None) -> str:
    """A=authenticator[:id[:sender]] (the sender only under smtp_mailauth)."""
    if not authenticator:
        return ""
    text = f" A={authenticator}"
    if auth_id:
        text += f":{auth_id}"
        if "smtp_mailauth" in selector and auth_sender:
            text += f":{auth_sender}"
    return text


def _reception_core(rec: Reception, selector: LogSelector) -> str:
    out = ["(= " if rec.fake_reject else "<= ", rec.sender or "<>"]
    if rec.message_reference:
        out.append(f" R={rec.message_reference}")
    out.append(_host_items(rec.host, selector, rec.protocol, rec.tcp_fastopen, rec.pipelining))
    if rec.tls is not None:
        out.append(rec.tls.items(selector))
    out.append(_auth_items(selector, rec.authenticator, rec.auth_id, rec.auth_sender))
    if rec.prdr:
        out.append(" PRDR")
    if rec.proxy_local_address and "proxy" in selector:
        out.append(f" PRX={rec.proxy_local_address}")
    if rec.chunking:
        out.append(" K")
    out.append(f" S={rec.size}")
    if "8bitmime" in selector:
        out.append(f" M8S={rec.body_8bitmime}")
    if "dkim" in selector and rec.dkim:
        out.append(f" DKIM={rec.dkim}")
    if "receive_time" in selector and rec.receive_time is not None:
        out.append(f" RT={time_diff(rec.receive_time, selector)}")
    if rec.queue_name:
        out.append(f" Q={rec.queue_name}")
    if ("msg_id" in selector and rec.message_id_header is not None
            and ("msg_id_created" in selector or not rec.message_id_created)):
        out.append((" id*=" if rec.message_id_created else " id=")
                   + string_printing(rec.message_id_header))
    if "subject" in selector and rec.subject is not None:
        out.append(" T=" + string_printing(quoted_text(rec.subject, 100)))
    return "".join(out)


def reception_line(rec: Reception, selector: LogSelector) -> str:
    """The text of the ``<=`` line (without timestamp and id; see :func:`frame`).

    ``received_sender`` adds `` from <raw sender>``, ``received_recipients`` adds
    `` for`` and the raw recipients, as log_write()'s LOG_SENDER/LOG_RECIPIENTS do.
    """
    text = _reception_core(rec, selector)
    if "received_sender" in selector:
        text += f" from <{rec.raw_sender}>"
    if "received_recipients" in selector and rec.raw_recipients:
        text += " for " + " ".join(rec.raw_recipients)
    return text


def reception_msglog(rec: Reception, selector: LogSelector) -> str:
    """The msglog's first line text: "Received from" and the ``<=`` line after its "<= "."""
    return "Received from " + _reception_core(rec, selector)[3:]


# ---------------------------------------------------------------------------------------
# Deliveries, deferrals, failures (deliver.c)
# ---------------------------------------------------------------------------------------

@record(frozen=True)
class LoggedAddress:
    """An address with the ancestry the logs show.

    ``parents`` runs from the immediate parent up to the top (original recipient);
    empty for a top-level address. ``pfr`` marks pipe, file and autoreply deliveries;
    ``log_as_local`` is the router's log_as_local with a local transport (used for
    successful deliveries only). Affixes are shown when ``include_affixes``.
    """

    address: str
    local_part: str | None = None
    domain: str | None = None
    parents: tuple[str, ...] = ()
    onetime_parent: str | None = None
    pfr: bool = False
    is_file: bool = False
    log_as_local: bool = False
    prefix: str | None = None
    suffix: str | None = None
    include_affixes: bool = False

    def _local_part(self) -> str:
        lp = self.local_part or ""
        if self.include_affixes:
            lp = (self.prefix or "") + lp + (self.suffix or "")
        return lp

    def text(self, *, all_parents: bool, success: bool) -> str:
        """string_log_address(): ``addr (intermediate, ...) <top>``."""
        top = self.parents[-1] if self.parents else self.address
        add_top = True
        if self.pfr or (success and self.log_as_local):
            out = ("save " if self.is_file and not (self.local_part or "").startswith("/")
                   else "") + self._local_part()
        else:
            if self.local_part is not None:
                out = f"{self._local_part()}@{self.domain}"
            else:
                out = self.address
            at = out.find("@")
            immediate = self.parents[0] if self.parents else None
            if (out.lower() == top.lower() and out[:at] == top[:at]
                    and self.onetime_parent is None
                    and (not all_parents or immediate is None or immediate == top)):
                add_top = False
        middle = [p for p in self.parents[:-1]]
        if (all_parents or self.pfr) and middle:
            out += " (" + (", ".join(middle) if all_parents else middle[0]) + ")"
        if add_top:
            out += f" <{self.onetime_parent or top}>"
        return out


@record(frozen=True)
class HostUsed:
    """The remote host a delivery or attempt used."""

    name: str
    address: str
    port: int = 25
    dnssec: bool = False
    continued: bool = False           # continue_sequence > 1: shown as "*"

    def items(self, selector: LogSelector, sending_ip: str | None, sending_port: int) -> str:
        """d_hostlog(): H=name [DS] [ip][:port][*] [I=[ip][:port]]."""
        out = f" H={self.name}"
        if "dnssec" in selector and self.dnssec:
            out += " DS"
        out += f" [{self.address}]"
        if "outgoing_port" in selector:
            out += f":{self.port}"
        if self.continued:
            out += "*"
        return out + _interface_items(selector, sending_ip, sending_port)


def _interface_items(selector: LogSelector, sending_ip: str | None, sending_port: int) -> str:
    """d_log_interface(): I= needs both incoming_interface and outgoing_interface."""
    if "incoming_interface" in selector and "outgoing_interface" in selector and sending_ip:
        out = f" I=[{sending_ip}]"
        if "outgoing_port" in selector:
            out += f":{sending_port}"
        return out
    return ""


@record(frozen=True)
class TlsOut:
    """An outbound TLS session as delivery lines show it."""

    cipher: str
    resumed: bool = False
    verified: str = "no"              # "yes", "no" or "dane"
    peerdn: str | None = None

    def items(self, selector: LogSelector) -> str:
        """d_tlslog(): X=, CV=, DN=."""
        return _tls_items(selector, self.cipher, self.resumed, self.verified, self.peerdn)


@record(frozen=True)
class Delivery:
    """One delivery attempt's outcome, with what its log line can show.

    ``logchar`` is "=" (first delivery), "-" (a further delivery to the same address,
    e.g. after ``unseen``) or "*" (suppressed by -N). ``size`` is the transport's
    count of bytes written. ``confirmation`` is the remote's final response (C=).
    ``errno`` and ``message`` are for deferrals and failures; ``router_only`` marks
    a routing outcome (``R=`` alone, no transport). Times are seconds.
    """

    address: LoggedAddress
    sender: str = ""
    router: str | None = None
    transport: str | None = None
    local_transport: bool = True
    transport_driver: str = ""
    logchar: str = "="
    size: int = 0
    return_path: str | None = None
    queue_name: str = ""
    local_host: str | None = None        # first of a local transport's host list
    shadow_message: str = ""
    host_used: HostUsed | None = None
    sending_ip: str | None = None
    sending_port: int = 0
    tls: TlsOut | None = None
    authenticator: str | None = None
    auth_id: str | None = None
    auth_sender: str | None = None
    pipelining: bool = False
    early_pipe: bool = False
    prdr: bool = False
    chunking: bool = False
    confirmation: str | None = None
    queue_time: float = 0.0
    deliver_time: float = 0.0
    errno: int = 0
    message: str | None = None
    driver_kind: str | None = None       # deferral_log's driver_kind: " router", "routing" ...


def _envelope_items(d: Delivery, selector: LogSelector) -> str:
    """F=, Q=, P= and R=, which delivery_log() and failure_log() both write."""
    out = []
    if "sender_on_delivery" in selector:
        out.append(f" F=<{d.sender}>")
    if d.queue_name:
        out.append(f" Q={d.queue_name}")
    if d.return_path is not None and "return_path_on_delivery" in selector:
        out.append(f" P=<{d.return_path}>")
    if d.router:
        out.append(f" R={d.router}")
    return "".join(out)


def delivery_line(d: Delivery, selector: LogSelector) -> str:
    """The ``=>``/``->``/``*>`` line text (delivery_log())."""
    out = [f"{d.logchar}> ", d.address.text(all_parents="all_parents" in selector, success=True),
           _envelope_items(d, selector)]
    out.append(f" T={d.transport}")
    if "delivery_size" in selector:
        out.append(f" S={d.size}")
    if d.local_transport:
        if d.local_host:
            out.append(f" H={d.local_host}")
        out.append(_interface_items(selector, d.sending_ip, d.sending_port))
        out.append(d.shadow_message)
    else:
        if d.host_used is not None:
            out.append(d.host_used.items(selector, d.sending_ip, d.sending_port))
        if d.tls is not None:
            out.append(d.tls.items(selector))
        out.append(_auth_items(selector, d.authenticator, d.auth_id, d.auth_sender))
        if "pipelining" in selector:
            if d.pipelining:
                out.append(" L")
            if d.early_pipe:
                out.append("*")
        if d.prdr:
            out.append(" PRDR")
        if d.chunking:
            out.append(" K")
    if ("smtp_confirmation" in selector and d.confirmation
            and (d.host_used is not None or d.transport_driver == "lmtp")):
        out.append(" C=" + quoted_text(d.confirmation, 1024))
    if "queue_time" in selector:
        out.append(f" QT={time_diff(d.queue_time, selector)}")
    if "deliver_time" in selector:
        out.append(f" DT={time_diff(d.deliver_time, selector)}")
    return "".join(out)


def deferral_line(d: Delivery, selector: LogSelector) -> str:
    """The ``==`` line text (deferral_log()). The msglog gets the same text without "== "."""
    out = ["== ", d.address.text(all_parents="all_parents" in selector, success=False)]
    if d.queue_name:
        out.append(f" Q={d.queue_name}")
    kind = d.driver_kind
    if kind and kind.startswith(" "):
        if kind[1] == "t" and d.router:
            out.append(f" R={d.router}")
        name = d.transport if kind[1] == "t" else d.router
        out.append(f" {kind[1].upper()}={name}")
    elif kind:
        out.append(" " + kind)
    out.append(f" defer ({d.errno})")
    if d.errno > 0:
        out.append(": " + os.strerror(d.errno))
    if d.host_used is not None:
        out.append(d.host_used.items(selector, d.sending_ip, d.sending_port))
    if "deliver_time" in selector:
        out.append(f" DT={time_diff(d.deliver_time, selector)}")
    if d.message:
        out.append(": " + string_printing(d.message))
    return "".join(out)


def failure_line(d: Delivery, selector: LogSelector) -> str:
    """The ``**`` line text (failure_log())."""
    out = ["** ", d.address.text(all_parents="all_parents" in selector, success=False),
           _envelope_items(d, selector)]
    if d.transport:
        out.append(f" T={d.transport}")
    if d.host_used is not None:
        out.append(d.host_used.items(selector, d.sending_ip, d.sending_port))
    if d.tls is not None:
        out.append(d.tls.items(selector))
    if d.errno > 0:
        out.append(": " + os.strerror(d.errno))
    if d.message:
        out.append(": " + string_printing(d.message))
    if "deliver_time" in selector:
        out.append(f" DT={time_diff(d.deliver_time, selector)}")
    return "".join(out)


def completed_line(queue_time: float, selector: LogSelector) -> str:
    """"Completed", with QT= under queue_time_overall."""
    if "queue_time_overall" in selector:
        return f"Completed QT={time_diff(queue_time, selector)}"
    return "Completed"


def delivery_msglog(d: Delivery, timestamp: str, parent: str | None = None) -> str:
    """The msglog line for a success: ``TIME addr [<parent>]: transport transport succeeded``."""
    who = d.address.address + (f" <{parent}>" if parent else "")
    return f"{timestamp} {who}: {d.transport} transport succeeded\n"


def deferral_msglog(d: Delivery, selector: LogSelector, timestamp: str) -> str:
    """The msglog line for a deferral: the ``==`` line's text after the flag."""
    return f"{timestamp} {deferral_line(d, selector)[3:]}\n"


def failure_msglog(d: Delivery, selector: LogSelector, timestamp: str) -> str:
    """The msglog line for a failure: the ``**`` text after the flag.

    When no router or transport was involved (``driver_kind`` "routing" or
    "transporting"), deliver.c prefixes "KIND failed for".
    """
    text = failure_line(d, selector)[3:]
    if d.driver_kind and not d.driver_kind.startswith(" "):
        return f"{timestamp} {d.driver_kind} failed for {text}\n"
    return f"{timestamp} {text}\n"


def children_complete_msglog(address: str, timestamp: str) -> str:
    """The msglog line when every child of a redirected address is done."""
    return f"{timestamp} {address}: children all complete\n"


# Control lines of the main log (queue.c, deliver.c, receive.c): text only.
MESSAGE_IS_FROZEN = "Message is frozen"                  # selector skip_delivery


def frozen_by_line(user: str) -> str:
    """-Mf, or an ACL's control = freeze: "frozen by USER"."""
    return f"frozen by {user}"


def unfrozen_by_line(user: str) -> str:
    """-Mt: "unfrozen by USER"."""
    return f"unfrozen by {user}"


def frozen_line(info: str = "") -> str:
    """A delivery froze the message: "Frozen" and why (" (delivery error message)", ...)."""
    return f"Frozen{info}"


def queue_run_line(start: bool, pid: int, *, queue_name: str = "", flags: str = "",
                   recipient_select: str | None = None, recipient_regex: bool = False,
                   sender_select: str | None = None, sender_regex: bool = False) -> str:
    """ "Start queue run: pid=N -qff -R x" / "End queue run: ..." (selector queue_run).

    *flags* are the -q letters in Exim's order (q, i, f, f, l).
    """
    detail = f"pid={pid}" + (f" -q{flags}" if flags else "")
    if recipient_select is not None:
        detail += f" -R{'r' if recipient_regex else ''} {recipient_select}"
    if sender_select is not None:
        detail += f" -S{'r' if sender_regex else ''} {sender_select}"
    which = "Start" if start else "End"
    named = f" '{queue_name}'" if queue_name else ""
    return f"{which}{named} queue run: {detail}"


# ---------------------------------------------------------------------------------------
# Rejections (smtp_in.c smtp_handle_acl_fail) and the reject log's extra lines (log.c)
# ---------------------------------------------------------------------------------------

# acl_wherenames[] for the ACLs whose rejections name the command.
ACL_WHERE_NAMES = {
    "rcpt": "RCPT", "mail": "MAIL", "predata": "PREDATA", "mime": "MIME", "dkim": "DKIM",
    "data": "DATA", "prdr": "PRDR", "auth": "AUTH", "connect": "connection", "etrn": "ETRN",
    "expn": "EXPN", "helo": "EHLO or HELO", "mailauth": "MAILAUTH", "quit": "QUIT",
    "starttls": "STARTTLS", "vrfy": "VRFY",
}


def acl_reject_line(where: str, host: PeerHost, selector: LogSelector, *,
                    command_data: str | None = None, sender: str | None = None,
                    authenticator: str | None = None, auth_id: str | None = None,
                    tls: TlsIn | None = None, temporary: bool = False,
                    log_message: str | None = None) -> str:
    """The "rejected ..." line an ACL failure logs (main and reject logs).

    *where* is the ACL: "rcpt", "mail", "data", "predata", "connect", ...
    *command_data* is the command's argument as received (``<a@b> NOTIFY=...``).
    *sender* (the unrewritten sender) is shown for rcpt, data and mime.
    Only the first line of *log_message* is logged.
    """
    if where == "predata":
        what = "DATA"
    elif where == "data":
        what = "after DATA"
    elif where == "prdr":
        what = "after DATA PRDR"
    elif where == "mime":
        what = "during MIME ACL checks"
    else:
        place = command_data if command_data is not None else 'in "connect" ACL'
        if where == "auth":
            place = place.split(None, 1)[0] if place.strip() else ""
        else:
            place = decode(encode(place)[:100])
        what = f"{ACL_WHERE_NAMES[where]} {place}"
    sender_info = ""
    if where in ("rcpt", "data", "mime"):
        auth = ""
        if authenticator:
            auth = f" A={authenticator}" + (f":{auth_id}" if auth_id else "")
        sender_info = f"F=<{sender or ''}>{auth} "
    text = log_message.split("\n", 1)[0] if log_message is not None else None
    dnssec = " DS" if "dnssec" in selector and host.dnssec else ""
    tls_items = tls.items(selector) if tls is not None else ""
    return (f"{dnssec}{host.and_ident(selector)}{tls_items} {sender_info}"
            f"{'temporarily ' if temporary else ''}rejected {what}"
            f"{': ' + text if text is not None else ''}")


def rejectlog_details(sender: str, recipients: Sequence[str],
                      headers: Iterable[HeaderLine]) -> str:
    """What the reject log adds after a rejection with headers (rejected_header).

    ``Envelope-from:``, up to five ``Envelope-to:`` lines (then ``...``), and each header
    as its type flag, a space and its text.
    """
    out = []
    if recipients:
        out.append(f"Envelope-from: <{sender}>\n")
        out.append(f"Envelope-to: <{recipients[0]}>\n")
        for address in recipients[1:5]:
            out.append(f"    <{address}>\n")
        if len(recipients) > 5:
            out.append("    ...\n")
    for header in headers:
        out.append(f"{header.type} {header.text}")
    return "".join(out)
