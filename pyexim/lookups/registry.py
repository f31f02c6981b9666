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

from pyexim.lookups import (cdb, dbm, dnsdb, dsearch, external, jsonfile, lsearch,
                            passwd, readsock, sqlite, testdb)
from pyexim.lookups.base import LookupType

LOOKUP_TYPES: dict[str, LookupType] = {
    "cdb": cdb.CDB,
    "dbm": dbm.DBM,
    "dbmjz": dbm.DBMJZ,
    "dbmnz": dbm.DBMNZ,
    "dnsdb": dnsdb.DNSDB,
    "dsearch": dsearch.DSEARCH,
    "iplsearch": lsearch.IPLSEARCH,
    "json": jsonfile.JSON,
    "ldap": external.LDAP,
    "ldapdn": external.LDAPDN,
    "ldapm": external.LDAPM,
    "lsearch": lsearch.LSEARCH,
    "mysql": external.MYSQL,
    "nis": external.NIS,
    "nis0": external.NIS0,
    "nwildlsearch": lsearch.NWILDLSEARCH,
    "passwd": passwd.PASSWD,
    "pgsql": external.PGSQL,
    "readsock": readsock.READSOCK,
    "spf": external.SPF,
    "sqlite": sqlite.SQLITE,
    "testdb": testdb.TESTDB,
    "wildlsearch": lsearch.WILDLSEARCH,
}


def find_type(name: str) -> LookupType | None:
    """The lookup type called *name*, or None when pyexim (like Debian's Exim) has none."""
    return LOOKUP_TYPES.get(name)
