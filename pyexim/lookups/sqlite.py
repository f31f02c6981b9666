"""The sqlite lookup (Exim: lookups/sqlite.c), on Python's sqlite3.

The query names its database with a ``file=`` option or a leading absolute path
(``${lookup sqlite{/db/file select ...}}``), else the ``sqlite_dbfile`` option applies. The
result is each row on its own line; a single column gives its value, several columns
give ``name=value `` pairs (values quoted when empty or containing white space); SQL NULL
is ``<NULL>``. A query that returns no rows is "not found" and empties the cache for the
database, and a query that fails is "not found", both as Exim does.
"""

from __future__ import annotations

import sqlite3

from pyexim.lookups.base import ABSFILE_QUERY, Expander, Found, LookupFailed, LookupType
from pyexim.timevalue import read_time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def quote_value(name: str, value: str) -> str:
    """Exim's ``lf_quote``: ``name=value `` with the value quoted when needed."""
    if value == "" or any(c in value for c in " \t\n\r") or value.startswith('"'):
        value = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name}={value} "


def _text(value: object) -> str:
    """A column value as SQLite's own text conversion gives it."""
    if value is None:
        return "<NULL>"
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if isinstance(value, float):
        text = "%.15g" % value
        if text in ("inf", "-inf"):
            return "Inf" if text == "inf" else "-Inf"
        mantissa, e, exponent = text.partition("e")
        if "." not in mantissa and mantissa.lstrip("-").isdigit():
            mantissa += ".0"
        return mantissa + (e + exponent if e else "")
    return str(value)


class Sqlite(LookupType):
    """``sqlite``: a query plus an absolute database file name."""

    name = "sqlite"
    style = ABSFILE_QUERY

    def open(self, filename: str | None, ctx: Any) -> sqlite3.Connection:
        if not filename:
            dbfile = ctx.option("sqlite_dbfile")
            filename = str(dbfile) if dbfile else None
        if not filename or not filename.startswith("/"):
            raise LookupFailed('absolute file name expected for "sqlite" lookup')
        timeout = ctx.option("sqlite_lock_timeout", 5)
        if isinstance(timeout, str):
            timeout = read_time(timeout)
        try:
            conn = sqlite3.connect(filename.encode("latin-1").decode("utf-8",
                                                                     "surrogateescape"),
                                   timeout=float(timeout), isolation_level=None,
                                   check_same_thread=False)
        except sqlite3.Error as exc:
            raise LookupFailed(str(exc)) from exc
        conn.text_factory = bytes
        return conn

    def find(self, handle: sqlite3.Connection, filename: str | None, key: str,
             opts: str | None, ctx: Any, *, expand: Expander | None = None) -> Found | None:
        query = key.encode("latin-1").decode("utf-8", "surrogateescape")
        try:
            cursor = handle.execute(query)
            rows = cursor.fetchall()
        except (sqlite3.Error, ValueError):
            return None
        if not rows:
            return Found(None, ttl=0)
        names = [d[0].encode("utf-8", "surrogateescape").decode("latin-1")
                 for d in cursor.description or ()]
        lines = []
        for row in rows:
            if len(row) > 1:
                lines.append("".join(quote_value(names[i], _text(v))
                                     for i, v in enumerate(row)))
            else:
                lines.append(_text(row[0]))
        return Found("\n".join(lines))

    def close(self, handle: sqlite3.Connection) -> None:
        handle.close()

    def quote(self, value: str, option: str | None) -> str | None:
        if option is not None:
            return None
        return value.replace("'", "''")


SQLITE = Sqlite()
