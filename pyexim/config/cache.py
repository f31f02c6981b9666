"""The compiled-configuration cache: read exim.conf once, start fast afterwards.

Reading and checking a large configuration costs tens of milliseconds (and the
Lark parser); an unchanged configuration need not be read again. An entry is kept
per (configuration path, -D macros, host name, pyexim version) under
``$XDG_CACHE_HOME/pyexim/`` (default ``~/.cache/pyexim/``), never in the package.
It records every file the configuration read or looked for (.include,
.include_if_exists, and /etc/passwd and /etc/group, since user and group names are
looked up while reading) with its modification time, size and a digest of its
contents; an entry is used only when all of them still match.

An entry holds small precomputed results (the -bV verdict, the -bP config text)
as plain marshal data, so the quick modes need no unpickling, and the pickled
Config for everything else. A broken, stale or foreign entry is silently ignored
and rebuilt. The directory must belong to the user and not be writable by others,
because a cache entry is trusted code-wise (pickle).
"""

from __future__ import annotations

import marshal
import os
import stat
import zlib

from pyexim import __version__

# typing costs milliseconds to import, and this module is on the quick path.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

Fingerprint = tuple[int, int, int]

# Files whose contents change what reading a configuration gives, besides the
# configuration's own files: user and group names are resolved while reading.
SYSTEM_DEPS = ("/etc/passwd", "/etc/group")

# Bumped when the layout of an entry changes.
_FORMAT = 1


def cache_dir(*, configurations: bool = True) -> str | None:
    """The cache directory, created on first use; None when it cannot be used safely.

    PYEXIM_NO_CACHE (any non-empty value) turns off the caching of configurations;
    with *configurations* False (Lark's parser tables, which depend only on pyexim
    itself) it does not apply.
    """
    if configurations and os.environ.get("PYEXIM_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    directory = os.path.join(base, "pyexim")
    if not os.path.isdir(os.path.dirname(base.rstrip("/")) or "/"):
        return None  # no home directory (a system user): nothing is created
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        st = os.stat(directory)
    except OSError:
        return None
    if st.st_uid != os.geteuid() or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return None
    return directory


# The packages whose code decides what reading a configuration gives.
_CODE_PACKAGES = ("config", "routers", "transports", "auth", "cli", "grammar", "lookups", "expand")


_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _code_stamp(root: str = _PACKAGE_ROOT) -> tuple[int, int]:
    """(newest modification time, number of entries) of pyexim's reading code.

    An edited or reinstalled pyexim must not be served results of its older self. In a
    source checkout every file is looked at (an edit changes only the file). An
    installed copy changes only by being reinstalled, which removes and creates files
    and so changes each package directory's own time: a dozen stats instead of two
    hundred, a millisecond off every command.
    """
    checkout = os.path.exists(os.path.join(os.path.dirname(root), "setup.cfg"))
    newest, count = 0, 0
    for package in _CODE_PACKAGES:
        folder = os.path.join(root, package)
        if not os.path.isdir(folder):
            folder = os.path.join(os.path.dirname(root), package)  # grammar/ in a checkout
        if not checkout:
            try:
                newest = max(newest, os.stat(folder).st_mtime_ns)
                count += 1
            except OSError:
                pass
            continue
        try:
            entries = os.scandir(folder)
        except OSError:
            continue
        with entries:
            for item in entries:
                if item.name.endswith((".py", ".lark")):
                    newest = max(newest, item.stat().st_mtime_ns)
                    count += 1
    return newest, count


def _entry_path(directory: str, path: str, cli_macros: Sequence[tuple[str, str]],
                hostname: str | None) -> str:
    key = repr((_FORMAT, __version__, _code_stamp(), os.path.abspath(path), os.getcwd(),
                tuple(cli_macros), hostname)).encode("utf-8", "surrogateescape")
    # Two checksums make a name; the entry itself records the key's parts' effects.
    return os.path.join(directory, f"{zlib.crc32(key):08x}{zlib.adler32(key):08x}.cfg")


def fingerprint_of(data: bytes, st: os.stat_result) -> Fingerprint:
    """What an entry compares for one file: modification time, size, checksum of the contents."""
    return (st.st_mtime_ns, st.st_size, zlib.crc32(data))


def _fingerprint(path: str) -> Fingerprint | None:
    try:
        with open(path, "rb") as handle:
            st = os.fstat(handle.fileno())
            if stat.S_ISDIR(st.st_mode):
                return (st.st_mtime_ns, st.st_size, 0)
            data = handle.read()
    except IsADirectoryError:
        return (0, 0, 0)
    except OSError:
        return None
    return fingerprint_of(data, st)


def fingerprints(paths: Sequence[str]) -> list[tuple[str, Fingerprint | None]]:
    """(path, fingerprint or None) for each path, as an entry records them."""
    return [(path, _fingerprint(path)) for path in paths]


class Entry:
    """One cache entry: the dependencies it was made from and named results."""

    def __init__(self, deps: list[tuple[str, Fingerprint | None]],
                 results: dict[str, Any]) -> None:
        self.deps = deps
        self.results = results

    def fresh(self) -> bool:
        """True when every file it depends on is exactly as it was."""
        return all(_fingerprint(path) == print_ for path, print_ in self.deps)


def load(path: str, cli_macros: Sequence[tuple[str, str]] = (),
         hostname: str | None = None) -> Entry | None:
    """The fresh entry for this configuration, or None (no entry, stale, or unreadable)."""
    directory = cache_dir()
    if directory is None:
        return None
    target = _entry_path(directory, path, cli_macros, hostname)
    data = _read(target)
    try:
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            return None
        entry = Entry([(p, tuple(f) if f is not None else None) for p, f in data["deps"]],
                      data["results"])
    except (ValueError, TypeError, KeyError):
        return None
    return entry if entry.fresh() else None


def store(path: str, cli_macros: Sequence[tuple[str, str]], hostname: str | None,
          deps: list[tuple[str, Fingerprint | None]], results: dict[str, Any]) -> None:
    """Write an entry (replacing any other for the same key); failures are ignored.

    *results* values must be marshal-able (bytes for pickled objects).
    """
    directory = cache_dir()
    if directory is None:
        return
    target = _entry_path(directory, path, cli_macros, hostname)
    _write(target, {"format": _FORMAT, "deps": deps, "results": results})


def update(path: str, cli_macros: Sequence[tuple[str, str]], hostname: str | None,
           entry: Entry, **results: Any) -> None:
    """Add results to an existing fresh entry (e.g. the -bP config text once computed)."""
    merged = dict(entry.results)
    merged.update(results)
    store(path, cli_macros, hostname, entry.deps, merged)


def _code_entry(name: str) -> str | None:
    directory = cache_dir(configurations=False)
    if directory is None:
        return None
    key = repr((_FORMAT, __version__, _code_stamp(), name)).encode()
    return os.path.join(directory, f"{name}-{zlib.crc32(key):08x}.val")


def code_result(name: str) -> Any:
    """A value that depends only on pyexim itself (e.g. -bV's banner), or None."""
    target = _code_entry(name)
    return None if target is None else _read(target)


def remember_code_result(name: str, value: Any) -> None:
    """Keep a value that depends only on pyexim itself; failures are ignored."""
    target = _code_entry(name)
    if target is not None:
        _write(target, value)


def _read(target: str) -> Any:
    """The marshalled value in *target*; None when missing, foreign or unreadable."""
    try:
        with open(target, "rb") as handle:
            st = os.fstat(handle.fileno())
            if st.st_uid != os.geteuid() or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
                return None
            return marshal.load(handle)
    except (OSError, EOFError, ValueError, TypeError):
        return None


def _write(target: str, value: Any) -> None:
    """Replace *target* with *value*, marshalled, atomically; failures are ignored."""
    import tempfile
    temp = None
    try:
        handle, temp = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".tmp-")
        with os.fdopen(handle, "wb") as out:
            marshal.dump(value, out)
        os.replace(temp, target)
    except (OSError, ValueError):
        if temp is not None:
            try:
                os.unlink(temp)
            except OSError:
                pass
