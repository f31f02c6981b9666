"""The passwd lookup: a user's password-file entry (Exim: lookups/passwd.c, route.c).

The query is a user name; the result is ``*:uid:gid:gecos:home:shell`` (the password
field is always ``*``). Names longer than ``max_username_length`` (when set) are not found.
"""

from __future__ import annotations

import pwd

from pyexim.lookups.base import QUERY, Expander, Found, LookupType

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class Passwd(LookupType):
    """``passwd``: query style."""

    name = "passwd"
    style = QUERY

    def find(self, handle: Any, filename: str | None, key: str, opts: str | None,
             ctx: Any, *, expand: Expander | None = None) -> Found | None:
        limit = ctx.option("max_username_length", 0)
        if isinstance(limit, int) and limit > 0 and len(key) > limit:
            return None
        try:
            pw = pwd.getpwnam(key)
        except (KeyError, ValueError):
            return None
        return Found(f"*:{pw.pw_uid}:{pw.pw_gid}:{pw.pw_gecos}:{pw.pw_dir}:{pw.pw_shell}")


PASSWD = Passwd()
