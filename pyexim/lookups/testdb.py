"""The testdb lookup (Exim: lookups/testdb.c), used by Exim's own test suite.

Not in Debian's build; pyexim provides it so configs from Exim's tests run. The query
``fail`` is not found, ``defer`` defers, ``nocache`` is returned but not cached, and any
other query is returned as its own result.
"""

from __future__ import annotations

from pyexim.lookups.base import QUERY, Expander, Found, LookupDefer, LookupType

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class Testdb(LookupType):
    """``testdb``: query style."""

    name = "testdb"
    style = QUERY

    def find(self, handle: Any, filename: str | None, key: str, opts: str | None,
             ctx: Any, *, expand: Expander | None = None) -> Found | None:
        if key == "fail":
            return None
        if key == "defer":
            raise LookupDefer("testdb lookup forced DEFER")
        return Found(key, ttl=0 if key == "nocache" else None)


TESTDB = Testdb()
