"""The SMTP client as the session knows it: address, HELO name, verified host name
(Exim: host.c ``host_build_sender_fullhost``, ``host_and_ident``, ``host_name_lookup``;
smtp_in.c ``smtp_verify_helo``).

The facts live in the expansion context's variables (``$sender_host_address``,
``$sender_helo_name``, ``$sender_host_name``, ``$sender_fullhost``, ``$sender_rcvhost``...),
because ACLs and expansions read them there; this module computes the derived ones
whenever a fact changes, as Exim rebuilds sender_fullhost.
"""

from __future__ import annotations

from pyexim.acl.state import HostLookup
from pyexim.hostaddr import host_aton, host_nmtoa, is_ip_address
from pyexim.log.lines import PeerHost
from pyexim.log.selector import LogSelector
from pyexim.taint import Tainted

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyexim.expand import ExpansionContext


class Client:
    """The remote host of one SMTP session (or none, for local SMTP)."""

    def __init__(self, ctx: ExpansionContext, selector: LogSelector):
        self.ctx = ctx
        self.selector = selector

    # -- facts ------------------------------------------------------------------------

    @property
    def address(self) -> str | None:
        value = self.ctx.values.get("sender_host_address")
        return str(value) if value else None

    @property
    def helo(self) -> str | None:
        value = self.ctx.values.get("sender_helo_name")
        return str(value) if value else None

    @property
    def name(self) -> str | None:
        value = self.ctx.values.get("sender_host_name")
        return str(value) if value else None

    @property
    def ident(self) -> str | None:
        value = self.ctx.values.get("sender_ident")
        return str(value) if value else None

    def peer(self) -> PeerHost:
        """The client as pyexim.log formats it."""
        values = self.ctx.values
        port = values.get("sender_host_port") or 0
        iface_port = values.get("interface_port") or 0
        return PeerHost(address=self.address,
                        port=int(port) if isinstance(port, (int, str)) else 0,
                        name=self.name, helo=self.helo, ident=self.ident,
                        interface_address=str(values.get("interface_address") or "")
                        or None,
                        interface_port=int(iface_port) if isinstance(iface_port, (int, str)) else 0,
                        dnssec=bool(values.get("sender_host_dnssec")))

    def set_helo(self, name: str | None) -> None:
        if name is None:
            self.ctx.values.pop("sender_helo_name", None)
        else:
            self.ctx.values["sender_helo_name"] = name
        self.rebuild()

    # -- derived values ----------------------------------------------------------------

    def rebuild(self) -> None:
        """Recompute $sender_fullhost and $sender_rcvhost (Exim's
        host_build_sender_fullhost); nothing without a client address."""
        values = self.ctx.values
        if not self.address:
            return
        peer = self.peer()
        fullhost = peer.fullhost(self.selector)
        values["sender_fullhost"] = Tainted(fullhost or "")
        values["sender_rcvhost"] = Tainted(self._rcvhost(peer))

    def _rcvhost(self, peer: PeerHost) -> str:
        port = peer.port
        address = f"[{peer.address}]"
        with_port = "incoming_port" in self.selector and port > 0
        helo, ident, name = peer.helo, peer.ident, peer.name
        show_helo = helo is not None and not _helo_is_client(helo, peer.address or "")
        if name is None:
            extras = []
            if with_port:
                extras.append(f"port={port}")
            if show_helo:
                extras.append(f"helo={helo}")
            if ident:
                extras.append(f"ident={ident}")
            return address + (f" ({' '.join(extras)})" if extras else "")
        full = f"{address}:{port}" if with_port else address
        if show_helo and helo is not None and name.lower() == helo.lower():
            show_helo = False
        if show_helo:
            if ident:
                return f"{name}\n\t({full} helo={helo} ident={ident})"
            return f"{name} ({full} helo={helo})"
        return f"{name} ({full} ident={ident})" if ident else f"{name} ({full})"

    def host_and_ident(self, flag: bool) -> str:
        """Exim's host_and_ident(): ``H=fullhost U=ident`` (or ``U=ident``/``U=unknown``)."""
        return self.peer().and_ident(self.selector, flag=flag)

    # -- the host name -----------------------------------------------------------------

    def lookup_name(self) -> HostLookup:
        """Find the client's verified host name once (Exim's host_name_lookup): sets
        $sender_host_name and its aliases, or $host_lookup_failed/_deferred."""
        values = self.ctx.values
        if self.name:
            return HostLookup("ok")
        address = self.address
        if not address:
            return HostLookup("fail", "")
        values["host_lookup_failed"] = values["host_lookup_deferred"] = 0
        try:
            found = self.ctx.lookup_context.resolver.host_name_lookup(address)
        except Exception as error:  # a resolver that cannot start: as a DNS deferral
            values["host_lookup_deferred"] = 1
            values["host_lookup_msg"] = f" ({error})"
            return HostLookup("defer", f" ({error})")
        if found.status == "ok" and found.name:
            values["sender_host_name"] = Tainted(found.name)
            values["sender_host_aliases"] = tuple(found.aliases)
            values["host_lookup_msg"] = ""
            self.rebuild()
            return HostLookup("ok")
        message = found.message or ""
        values["host_lookup_msg"] = message
        if found.status == "again":
            values["host_lookup_deferred"] = 1
            return HostLookup("defer", message)
        values["host_lookup_failed"] = 1
        return HostLookup("fail", message)

    def verify_helo(self) -> tuple[bool, bool]:
        """Check the HELO name against the client (Exim's smtp_verify_helo):
        (verified, completed) -- completed is False after a DNS deferral."""
        helo, address = self.helo, self.address
        if helo is None:
            return False, True
        if address is None:
            return True, True
        if helo.startswith("["):
            inner = helo[1:]
            if inner.startswith(address):
                return True, True
            return (address.lower().startswith("::ffff:")
                    and inner.startswith(address[7:])), True
        completed = True
        if self.name is None and not self.ctx.values.get("host_lookup_failed"):
            completed = self.lookup_name().rc != "defer"
        if self.name is not None:
            names = [self.name, *self.ctx.values.get("sender_host_aliases", ())]  # type: ignore
            if any(str(n).lower() == helo.lower() for n in names):
                return True, completed
        found = self.ctx.lookup_context.resolver.host_addresses(helo)
        if found.status == "ok" and address in found.addresses:
            return True, completed
        return False, completed


def _helo_is_client(helo: str, address: str) -> bool:
    """An IP-literal HELO naming the client's own address (shown nowhere then)."""
    if not (helo.startswith("[") and helo.endswith("]")):
        return False
    inner = helo[1:-1]
    if inner[:5].lower() in ("ipv6:", "ipv4:"):
        inner = inner[5:]
    if not is_ip_address(inner) or not is_ip_address(address):
        return False
    return host_nmtoa(host_aton(inner), -1).lower() == host_nmtoa(host_aton(address), -1).lower()


def canonical_address(address: str) -> str:
    """An IP address in Exim's canonical text form (what -bh shows for the client)."""
    return host_nmtoa(host_aton(address), -1)


__all__ = ["Client", "canonical_address"]
