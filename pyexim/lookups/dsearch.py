"""The dsearch lookup: is there an entry with this name in a directory? (Exim: lookups/dsearch.c)

The key is a file name (no ``/``); it is found when ``lstat`` of ``DIR/KEY`` succeeds.
Options: ``ret=full`` returns ``DIR/KEY`` instead of the key; ``filter=file`` only regular
files, ``filter=dir`` only directories, ``filter=subdir`` directories other than ``.``
and ``..``. The result is untainted: the name exists on the file system.
"""

from __future__ import annotations

import errno
import os
import stat

from pyexim.lookups.base import (
    ABSFILE,
    Expander,
    Found,
    LookupDefer,
    LookupFailed,
    LookupType,
    check_file,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class Dsearch(LookupType):
    """``dsearch``: single key, absolute directory name."""

    name = "dsearch"
    style = ABSFILE

    def open(self, filename: str | None, ctx: Any) -> None:
        assert filename is not None
        try:
            with os.scandir(filename):
                pass
        except OSError as exc:
            raise LookupFailed(f"failed to open {filename} for directory search: "
                               f"{exc.strerror}") from exc

    def check(self, handle: Any, filename: str | None, ctx: Any) -> None:
        assert filename is not None
        if not filename.startswith("/"):
            raise LookupFailed(f"dirname '{filename}' for dsearch is not absolute")
        check_file(filename, filename, True, "dsearch")

    def find(self, handle: Any, filename: str | None, key: str, opts: str | None,
             ctx: Any, *, expand: Expander | None = None) -> Found | None:
        if "/" in key:
            raise LookupDefer(f"key for dsearch lookup contains a slash: {key}")
        ret_full = False
        want: str | None = None
        for item in (opts or "").split(","):
            item = item.strip()
            if item == "ret=full":
                ret_full = True
            elif item.startswith("filter=") and item[7:] in ("file", "dir", "subdir"):
                want = item[7:]
        path = f"{filename}/{key}"
        try:
            mode = os.lstat(path).st_mode
        except OSError as exc:
            if exc.errno == errno.ENOENT:
                return None
            raise LookupDefer(f"{path}: lstat: {exc.strerror}") from exc
        if want == "file" and not stat.S_ISREG(mode):
            return None
        if want in ("dir", "subdir") and not stat.S_ISDIR(mode):
            return None
        # Exim's test for "subdir" leaves out "." and "..", and also any name starting
        # "..": copied as it is.
        if want == "subdir" and key.startswith(".") and (len(key) == 1 or key[1] == "."):
            return None
        return Found(path if ret_full else key)


DSEARCH = Dsearch()
