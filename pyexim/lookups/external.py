"""Lookup types that need a client library pyexim does not carry: ldap, ldapdn, ldapm,
mysql, pgsql, nis, nis0, spf (Exim: lookups/ldap.c, mysql.c, pgsql.c, nis.c, spf.c).

They are in Debian's Exim build, so configurations using them parse and ``-bV`` accepts
them. Used, they defer (mail waits, nothing is lost) with a message naming what is
missing; mysql and pgsql first say, as Exim does, when no servers are configured. Their
``${quote_...}`` operators work, byte for byte as Exim's.
"""

from __future__ import annotations

from pyexim.lookups.base import QUERY, SINGLEKEY, Expander, Found, LookupDefer, LookupType

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_ALWAYS_LITERAL = "!$'-._"
_URL_NONQUOTE = _ALWAYS_LITERAL + "()*+"
_LDAP_QUOTE = "*()\\"
_LDAP_DN_QUOTE = ",+\"\\<>;"


def _isalnum(c: str) -> bool:
    return c.isascii() and c.isalnum()


def quote_ldap(value: str, dn: bool) -> str:
    """``${quote_ldap:}`` (filter text) and ``${quote_ldap_dn:}`` (a DN), URL-escaped."""
    out: list[str] = []
    if not dn:
        for c in value:
            if not _isalnum(c):
                if c in _LDAP_QUOTE:
                    out.append("%%5C%02X" % ord(c))
                    continue
                if c not in _URL_NONQUOTE:
                    out.append("%%%02X" % ord(c))
                    continue
            out.append(c)
        return "".join(out)
    end = len(value)
    while end > 0 and value[end - 1] == " ":
        end -= 1
    i = 0
    while i < end and value[i] in " #":
        out.append("%%5C%%%02X" % ord(value[i]))
        i += 1
    while i < end:
        c = value[i]
        i += 1
        if not _isalnum(c):
            if c in _LDAP_DN_QUOTE:
                out.append("%5C")
            if c not in _URL_NONQUOTE:
                out.append("%%%02X" % ord(c))
                continue
        out.append(c)
    out.append("%5C%20" * (len(value) - end))
    return "".join(out)


_SQL_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b"}


def quote_mysql(value: str) -> str:
    """``${quote_mysql:}``: backslash before newline, tab, CR, backspace, quotes, backslash."""
    return "".join(_SQL_ESCAPES.get(c) or ("\\" + c if c in "'\"\\" else c) for c in value)


def quote_pgsql(value: str) -> str:
    """``${quote_pgsql:}``: as mysql, except that a single quote is doubled."""
    return "".join("''" if c == "'" else _SQL_ESCAPES.get(c) or
                   ("\\" + c if c in "\"\\" else c) for c in value)


class External(LookupType):
    """A lookup type whose client library is missing; *servers_option* names the option
    that must be set before Exim would even try (mysql_servers, pgsql_servers)."""

    def __init__(self, name: str, style: str, library: str,
                 servers_option: str | None = None, product: str | None = None):
        self.name = name
        self.style = style
        self.library = library
        self.servers_option = servers_option
        self.product = product

    def find(self, handle: Any, filename: str | None, key: str, opts: str | None,
             ctx: Any, *, expand: Expander | None = None) -> Found | None:
        if self.servers_option and not ctx.option(self.servers_option) \
                and "servers=" not in (opts or ""):
            raise LookupDefer(f"no {self.product} servers defined "
                              f"({self.servers_option} option)")
        raise LookupDefer(f"{self.name} lookups are not available in pyexim: they need "
                          f"{self.library}, which pyexim does not include")

    def quote(self, value: str, option: str | None) -> str | None:
        if self.name in ("mysql", "pgsql"):
            if option is not None:
                return None
            return quote_mysql(value) if self.name == "mysql" else quote_pgsql(value)
        if self.name.startswith("ldap"):
            if option not in (None, "dn"):
                return None
            return quote_ldap(value, option == "dn")
        return super().quote(value, option)


LDAP = External("ldap", QUERY, "an LDAP client library")
LDAPDN = External("ldapdn", QUERY, "an LDAP client library")
LDAPM = External("ldapm", QUERY, "an LDAP client library")
MYSQL = External("mysql", QUERY, "a MySQL client library", "mysql_servers", "MySQL")
PGSQL = External("pgsql", QUERY, "a PostgreSQL client library", "pgsql_servers",
                 "PostgreSQL")
NIS = External("nis", SINGLEKEY, "a NIS client library")
NIS0 = External("nis0", SINGLEKEY, "a NIS client library")
SPF = External("spf", SINGLEKEY, "libspf2")
