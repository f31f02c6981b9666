"""The per-run state of lookups: open files, cached results, the resolver (Exim: search.c caches).

Exim opens each lookup file once per process and remembers every key it looked up in it
(found or not) until ``search_tidyup`` is called, between messages. ``LookupContext`` is that
cache: make one per message or per SMTP connection and call ``tidyup()`` where Exim calls
``search_tidyup``. A long-lived context can instead be made with ``recheck_files=True``:
then a file whose size, mtime or inode changed is closed and read again on its next use.

It also carries what lookups and lists need from the world, injected so tests are
deterministic: the DNS resolver, the clock, a log sink, main option values
(``mysql_servers``, ``sqlite_dbfile``, ``dns_retrans``...), the primary host name and the
local interface addresses (``@`` and ``@[]`` in lists).
"""

from __future__ import annotations

import os
import time

# _socket, not socket: the C functions without socket.py's enum set-up at import.
from _socket import AF_INET6, inet_ntop
from collections.abc import Callable

from pyexim.lookups.base import LookupType
from pyexim.record import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

    from pyexim.resolver import Resolver

LogSink = Callable[[str, bool], None]


@record
class CacheEntry:
    """One remembered result: data (None = not found), when it expires, the options used."""

    data: str | None
    expiry: float | None
    opts: str | None


@record
class OpenLookup:
    """An open file or database and the results remembered for it."""

    ltype: LookupType
    filename: str | None
    handle: Any
    signature: tuple[object, ...] | None
    items: dict[str, CacheEntry] = field(default_factory=dict)


def _discard_log(message: str, panic: bool) -> None:
    """The default log sink: lookups log nothing unless the caller asks."""


class LookupContext:
    """Open lookup files, cached results and the injected environment for one run.

    Cheap to make. ``options`` holds main-option values by name (missing means unset);
    ``log(message, panic)`` receives what Exim writes to the main (and panic) log;
    ``resolver`` is created from the environment on first use when not given.
    """

    def __init__(self, *, resolver: Resolver | None = None,
                 clock: Callable[[], float] = time.time,
                 log: LogSink = _discard_log,
                 options: Mapping[str, object] | None = None,
                 primary_hostname: str | None = None,
                 interfaces: list[str] | None = None,
                 recheck_files: bool = False):
        self._resolver = resolver
        self.clock = clock
        self.log = log
        self.options: Mapping[str, object] = options or {}
        self._primary_hostname = primary_hostname
        self._interfaces = interfaces
        self.recheck_files = recheck_files
        self.open_lookups: dict[tuple[str, str], OpenLookup] = {}
        # Named-list results cached across matches in this run ("hostlist_cache" etc.);
        # owned by pyexim.lists, kept here because it lives exactly as long.
        self.list_state: dict[object, object] = {}
        # $lookup_dnssec_authenticated after a dnsdb lookup: "yes", "no" or None.
        self.dnssec_authenticated: str | None = None

    # -- the environment ---------------------------------------------------------------

    @property
    def resolver(self) -> Resolver:
        """The DNS resolver (from PYEXIM_RESOLV_CONF / PYEXIM_DNS_PORT when not injected)."""
        if self._resolver is None:
            from pyexim.resolver import Resolver
            self._resolver = Resolver.from_environment(options=self.options)
        return self._resolver

    def option(self, name: str, default: object = None) -> object:
        """A main option's value, or *default* when it is unset."""
        value = self.options.get(name)
        return default if value is None else value

    @property
    def primary_hostname(self) -> str:
        """``primary_hostname``: injected, else the option, else this machine's name."""
        if self._primary_hostname is None:
            name = self.option("primary_hostname")
            if not name:
                import socket  # only when no primary_hostname was given
                name = socket.getfqdn()
            self._primary_hostname = str(name)
        return self._primary_hostname

    def interfaces(self) -> list[str]:
        """The local IP addresses (``@[]`` in lists, "local host" for ``@mx_*``)."""
        if self._interfaces is None:
            self._interfaces = running_interfaces()
        return self._interfaces

    # -- open files and cached results ------------------------------------------------

    def open(self, ltype: LookupType, filename: str | None) -> OpenLookup:
        """The open file or database for (*ltype*, *filename*), opening it if needed.

        Raises LookupFailed (from the type's ``open``/``check``) when it cannot be used.
        """
        cache_key = (ltype.name, filename or "")
        entry = self.open_lookups.get(cache_key)
        if entry is not None and self.recheck_files and filename:
            if ltype.file_signature(filename) != entry.signature:
                self._close(entry)
                del self.open_lookups[cache_key]
                entry = None
        if entry is None:
            signature = ltype.file_signature(filename) if self.recheck_files else None
            handle = ltype.open(filename, self)
            try:
                ltype.check(handle, filename, self)
            except Exception:
                ltype.close(handle)
                raise
            entry = OpenLookup(ltype, filename, handle, signature)
            self.open_lookups[cache_key] = entry
        return entry

    def tidyup(self) -> None:
        """Close every open file and forget every cached result (Exim's ``search_tidyup``)."""
        for entry in self.open_lookups.values():
            self._close(entry)
        self.open_lookups.clear()
        self.list_state.clear()

    @staticmethod
    def _close(entry: OpenLookup) -> None:
        entry.ltype.close(entry.handle)


def running_interfaces() -> list[str]:
    """This host's configured IP addresses, read from /proc on Linux (loopback at least)."""
    found: list[str] = []
    try:
        with open("/proc/net/fib_trie", encoding="ascii") as f:
            last = ""
            for line in f:
                parts = line.split()
                if len(parts) >= 2 and parts[0] == "|--":
                    last = parts[1]
                elif "/32 host LOCAL" in line and last and last not in found:
                    found.append(last)
    except OSError:
        pass
    try:
        with open("/proc/net/if_inet6", encoding="ascii") as f:
            for line in f:
                hexaddr = line.split()[0]
                groups = [hexaddr[i:i + 4] for i in range(0, 32, 4)]
                addr = inet_ntop(AF_INET6, bytes.fromhex("".join(groups)))
                if addr not in found:
                    found.append(addr)
    except (OSError, ValueError, IndexError):
        pass
    for loop in ("127.0.0.1", "::1"):
        if loop not in found and (loop != "::1" or os.path.exists("/proc/net/if_inet6")):
            found.append(loop)
    return found
