"""Base types every pyexim package shares: where a thing came from, and the error classes.

Outcomes of routing, transports and ACLs are values, not exceptions (DESIGN.md,
decision 9). Exceptions are for bugs and broken input: a configuration that cannot
be read, a command line that cannot be parsed, a spool file that is corrupt.
"""

from __future__ import annotations


class SourceLoc:
    """A line of a configuration file: the file name as Exim prints it, and its 1-based line.

    Immutable and hashable. A plain class rather than a dataclass on purpose: every pyexim
    command imports this module, and importing dataclasses costs ~7 ms of start-up.
    """

    __slots__ = ("file", "line")
    file: str
    line: int

    def __init__(self, file: str, line: int) -> None:
        object.__setattr__(self, "file", file)
        object.__setattr__(self, "line", line)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"SourceLoc is immutable: cannot set {name}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"SourceLoc is immutable: cannot delete {name}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SourceLoc):
            return NotImplemented
        return (self.file, self.line) == (other.file, other.line)

    def __hash__(self) -> int:
        return hash((self.file, self.line))

    def __repr__(self) -> str:
        return f"SourceLoc(file={self.file!r}, line={self.line!r})"

    def __reduce__(self) -> tuple[type[SourceLoc], tuple[str, int]]:
        return (SourceLoc, (self.file, self.line))

    def __str__(self) -> str:
        return f"line {self.line} of {self.file}"


class PyEximError(Exception):
    """Base of every error pyexim raises on purpose."""


class ConfigError(PyEximError):
    """A configuration that Exim would refuse, or that pyexim checks further than Exim does.

    ``reason`` is Exim's wording where Exim has one. ``loc`` is None for errors that
    Exim reports without a line (e.g. "two server authenticators ... have the same
    public name"). ``runtime_only`` marks problems that Exim leaves until the option is
    used (an undefined transport, a missing ACL): pyexim reports them at -bV time as
    warnings, clearly marked, but does not refuse the config for them.
    """

    def __init__(self, reason: str, loc: SourceLoc | None = None, *, runtime_only: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.loc = loc
        self.runtime_only = runtime_only

    def heading(self, program: str = "pyexim") -> str:
        """The first line, as Exim prints it: ``pyexim configuration error in line N of F:``."""
        if self.loc is None:
            return f"{program} configuration error:"
        return f"{program} configuration error in {self.loc}:"

    def __str__(self) -> str:
        return f"{self.heading()}\n  {self.reason}"


class ConfigErrors(PyEximError):
    """Several configuration errors found in one pass (pyexim goes beyond Exim's first-error stop)."""

    def __init__(self, errors: list[ConfigError]):
        super().__init__("; ".join(e.reason for e in errors))
        self.errors = errors


class UsageError(PyEximError):
    """A command line Exim refuses.

    ``abandoned`` selects Exim's wording for an unknown flag ("exim abandoned: unknown,
    malformed, or incomplete option -bq") over its plain "exim: <reason>".
    """

    def __init__(self, reason: str, *, abandoned: bool = False):
        super().__init__(reason)
        self.abandoned = abandoned

    def line(self, program: str = "pyexim") -> str:
        """The whole message, as the command line prints it."""
        return f"{program} abandoned: {self}" if self.abandoned else f"{program}: {self}"


class NotAvailableError(PyEximError):
    """A mode or feature that exists in Exim but is not built in pyexim yet.

    The message names the feature; the CLI exits 2 with it, never silently.
    """
