"""What every lookup type provides, and the outcomes a lookup can have (Exim: lookups/README).

A lookup type is one object in the registry (``registry.LOOKUP_TYPES``) with:

- ``name`` and ``style``: ``ABSFILE`` (single key + absolute file name: lsearch, cdb, dbm...),
  ``SINGLEKEY`` (single key + a "file" that is not a file: nis map, spf address),
  ``QUERY`` (a query: dnsdb, passwd, mysql...) or ``ABSFILE_QUERY`` (a query plus a file:
  sqlite);
- ``open(filename, ctx) -> handle``: raises ``LookupFailed`` with Exim's message when the file
  or service cannot be opened (a hard error: Exim fails the expansion);
- ``find(handle, filename, key, opts, ctx, expand=) -> Found | None``: None is "not found"; raises
  ``LookupDefer`` when the lookup could not complete (the caller defers);
- ``close(handle)``;
- ``quote(value, option) -> str | None``: the ``${quote_<name>:}`` operator, or None when the
  type has no quoting (``quote`` here returns None for an unrecognised option).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable

from pyexim.errors import PyEximError
from pyexim.record import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from pyexim.lookups.context import LookupContext

Expander = Callable[[str], str]

# Lookup styles (Exim: lookup_absfile, 0, lookup_querystyle, lookup_absfilequery).
ABSFILE = "absfile"
SINGLEKEY = "singlekey"
QUERY = "query"
ABSFILE_QUERY = "absfilequery"


class LookupErrorBase(PyEximError):
    """Base of the lookup errors; ``message`` is Exim's text."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class LookupSyntaxError(LookupErrorBase):
    """A lookup type that does not parse: ``unknown lookup type "x"``, ``format error in ...``."""


class LookupDefer(LookupErrorBase):
    """The lookup could not complete now (DNS timeout, database down): callers defer.

    Exim's ``${lookup}`` reports it as ``lookup of "KEY" gave DEFER: MESSAGE``.
    """


class LookupFailed(LookupErrorBase):
    """A hard lookup error: the file or service cannot be opened, a tainted file name.

    ``${lookup}`` fails with the message; in a list Exim writes it to the panic log and dies.
    """


class TaintedLookupFile(LookupFailed):
    """A tainted file name, refused and already logged (Exim's search_open), which leaves
    Exim's search_error_message unset: ``${lookup}`` fails without a message of its own."""


@record(frozen=True, slots=True)
class Found:
    """What a lookup type's ``find`` found: ``data`` (None: nothing after all).

    ``ttl``: seconds the result may be cached (None: for the whole run; 0: do not cache, and
    forget everything cached for this file or database, as Exim does after an SQL update).
    """

    data: str | None
    ttl: int | None = None


class LookupType:
    """Base class for lookup types; subclasses set ``name``/``style`` and override ``find``."""

    name: str = ""
    style: str = ABSFILE

    @property
    def single_key(self) -> bool:
        """True for the types that take ``{key}`` and a file (lsearch, cdb, nis, ...)."""
        return self.style in (ABSFILE, SINGLEKEY)

    def open(self, filename: str | None, ctx: LookupContext) -> Any:
        """Open the file or database; raise LookupFailed with Exim's message on failure."""
        return None

    def check(self, handle: Any, filename: str | None, ctx: LookupContext) -> None:
        """Check the opened file (type, mode); raise LookupFailed when it is unusable."""

    def find(self, handle: Any, filename: str | None, key: str, opts: str | None,
             ctx: LookupContext, *, expand: Expander | None = None) -> Found | None:
        """Look *key* (or the query) up; None when not found; raise LookupDefer to defer.

        *expand* expands strings in the current expansion context (wildlsearch keys).
        """
        raise LookupFailed(f"lookup type \"{self.name}\" has no find function")

    def close(self, handle: Any) -> None:
        """Release what ``open`` took."""

    def quote(self, value: str, option: str | None) -> str | None:
        """``${quote_NAME_OPTION:value}``; None for an option the type does not know.

        Types without a quoting function return *value* unchanged when no option is given.
        """
        return value if option is None else None

    def file_signature(self, filename: str | None) -> tuple[object, ...] | None:
        """What identifies the file's current content (for re-reading changed files)."""
        if not filename:
            return None
        try:
            st = os.stat(filename)
        except OSError:
            return None
        return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def open_failed(fmt: str, filename: str, err: OSError) -> LookupFailed:
    """Exim's ``string_open_failed``: ``failed to open FILE for linear search: REASON``."""
    return LookupFailed(f"failed to open {fmt % filename}: {err.strerror}")


def check_file(fd_or_name: int | str, filename: str, want_dir: bool, type_name: str) -> None:
    """Exim's ``lf_check_file`` with no mode/owner restrictions: the right kind of file."""
    try:
        st = os.fstat(fd_or_name) if isinstance(fd_or_name, int) else os.stat(fd_or_name)
    except OSError as exc:
        raise LookupFailed(f"{filename}: stat failed") from exc
    if want_dir and not stat.S_ISDIR(st.st_mode):
        raise LookupFailed(f"{filename} is not a directory ({type_name} lookup)")
    if not want_dir and not stat.S_ISREG(st.st_mode):
        raise LookupFailed(f"{filename} is not a regular file ({type_name} lookup)")


def strerror(exc: OSError) -> str:
    """The C library's text for an OSError, as Exim prints it."""
    return exc.strerror or os.strerror(exc.errno or 0)




def open_and_read(filename: str, purpose: str, type_name: str) -> str:
    """Open *filename*, check it is a regular file, and read it as text.

    Exim opens first (which works on a directory) and then checks the file type, so the
    two failures have different messages: ``failed to open F for PURPOSE: reason`` and
    ``F is not a regular file (TYPE lookup)``.
    """
    try:
        fd = os.open(filename, os.O_RDONLY)
    except OSError as exc:
        raise LookupFailed(f"failed to open {filename} for {purpose}: {exc.strerror}") from exc
    try:
        check_file(fd, filename, False, type_name)
    except LookupFailed:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as f:
        return f.read().decode("latin-1")


def read_text(path: str) -> str:
    """A file's bytes as text, one character per byte (latin-1), as the expansion engine
    keeps Exim's byte strings (pyexim.strings)."""
    with open(path, "rb") as f:
        return f.read().decode("latin-1")
