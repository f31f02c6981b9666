"""The lookup types pyexim knows, by name (Exim: drtables.c ``init_lookup_list``).

The set is Debian 12's exim4-daemon-heavy 4.96 build (``exim -bV``: lsearch wildlsearch
nwildlsearch iplsearch cdb dbm dbmjz dbmnz dnsdb dsearch ldap ldapdn ldapm mysql nis nis0
passwd pgsql sqlite, plus the internal readsock and spf), and two that Exim's own test
suite builds in and pyexim provides as extensions: ``json`` and ``testdb``. Names outside
this table (redis, lmdb, oracle, ibase, nisplus, whoson) are "unknown lookup type", exactly
as Debian's Exim says. Types whose client library pyexim does not carry (ldap, mysql,
pgsql, nis, spf) parse, and defer when used with a message that names what is missing.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping

from pyexim import load_module
from pyexim.lookups.base import LookupType

# name -> (module, attribute). A type's module is imported the first time the type is
# used, so a configuration that only uses lsearch never pays for sqlite3 or json.
LOOKUP_MODULES: dict[str, tuple[str, str]] = {
    "cdb": ("pyexim.lookups.cdb", "CDB"),
    "dbm": ("pyexim.lookups.dbm", "DBM"),
    "dbmjz": ("pyexim.lookups.dbm", "DBMJZ"),
    "dbmnz": ("pyexim.lookups.dbm", "DBMNZ"),
    "dnsdb": ("pyexim.lookups.dnsdb", "DNSDB"),
    "dsearch": ("pyexim.lookups.dsearch", "DSEARCH"),
    "iplsearch": ("pyexim.lookups.lsearch", "IPLSEARCH"),
    "json": ("pyexim.lookups.jsonfile", "JSON"),
    "ldap": ("pyexim.lookups.external", "LDAP"),
    "ldapdn": ("pyexim.lookups.external", "LDAPDN"),
    "ldapm": ("pyexim.lookups.external", "LDAPM"),
    "lsearch": ("pyexim.lookups.lsearch", "LSEARCH"),
    "mysql": ("pyexim.lookups.external", "MYSQL"),
    "nis": ("pyexim.lookups.external", "NIS"),
    "nis0": ("pyexim.lookups.external", "NIS0"),
    "nwildlsearch": ("pyexim.lookups.lsearch", "NWILDLSEARCH"),
    "passwd": ("pyexim.lookups.passwd", "PASSWD"),
    "pgsql": ("pyexim.lookups.external", "PGSQL"),
    "readsock": ("pyexim.lookups.readsock", "READSOCK"),
    "spf": ("pyexim.lookups.external", "SPF"),
    "sqlite": ("pyexim.lookups.sqlite", "SQLITE"),
    "testdb": ("pyexim.lookups.testdb", "TESTDB"),
    "wildlsearch": ("pyexim.lookups.lsearch", "WILDLSEARCH"),
}


class _LookupTypes(MutableMapping[str, LookupType]):
    """The type table as a mapping whose values are imported on first access."""

    def __init__(self) -> None:
        self._loaded: dict[str, LookupType] = {}
        self._names: dict[str, tuple[str, str] | None] = dict(LOOKUP_MODULES)

    def __getitem__(self, name: str) -> LookupType:
        if name not in self._loaded:
            module_name, attribute = self._names[name]  # type: ignore[misc]
            self._loaded[name] = getattr(load_module(module_name), attribute)
        return self._loaded[name]

    def __setitem__(self, name: str, kind: LookupType) -> None:
        self._names[name] = None
        self._loaded[name] = kind

    def __delitem__(self, name: str) -> None:
        del self._names[name]
        self._loaded.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


LOOKUP_TYPES: MutableMapping[str, LookupType] = _LookupTypes()


def find_type(name: str) -> LookupType | None:
    """The lookup type called *name*, or None when pyexim (like Debian's Exim) has none."""
    return LOOKUP_TYPES[name] if name in LOOKUP_TYPES else None
