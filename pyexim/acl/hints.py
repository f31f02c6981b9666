"""The hints databases ACLs use: ``ratelimit`` and ``seen`` (Exim: dbfn.c; DESIGN.md
decision 7: hints live in SQLite files under ``spool/db/``).

One SQLite file per database (``<spool>/db/<name>.sqlite3``) holding key -> JSON value;
every operation is a short transaction, so several processes may share a file. A
database that cannot be opened is reported as unavailable (the ACL then defers), as
Exim's dbfn_open failure is.
"""

from __future__ import annotations

import json
import os
import sqlite3

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class HintsUnavailable(Exception):
    """The database cannot be opened or used."""


class HintsDb:
    """One hints database: ``read(key)`` and ``write(key, value)`` of JSON values."""

    def __init__(self, spool_directory: str, name: str):
        self.path = os.path.join(spool_directory, "db", f"{name}.sqlite3")
        try:
            os.makedirs(os.path.dirname(self.path), mode=0o750, exist_ok=True)
            self._conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            self._conn.execute("CREATE TABLE IF NOT EXISTS hints "
                               "(key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        except (OSError, sqlite3.Error) as error:
            raise HintsUnavailable(str(error)) from error

    def read(self, key: str) -> Any:
        """The value stored under *key*, or None."""
        try:
            row = self._conn.execute("SELECT value FROM hints WHERE key = ?",
                                     (key,)).fetchone()
        except sqlite3.Error as error:
            raise HintsUnavailable(str(error)) from error
        return json.loads(row[0]) if row is not None else None

    def write(self, key: str, value: Any) -> None:
        """Store *value* under *key*."""
        try:
            self._conn.execute("INSERT OR REPLACE INTO hints (key, value) VALUES (?, ?)",
                               (key, json.dumps(value)))
        except sqlite3.Error as error:
            raise HintsUnavailable(str(error)) from error

    def close(self) -> None:
        self._conn.close()


__all__ = ["HintsDb", "HintsUnavailable"]
