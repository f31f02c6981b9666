"""The exim.conf preprocessor: physical lines -> logical lines (spec: "The runtime configuration file").

This is readconf.c's get_config_line() and its macro functions, in Exim's order of
work for each physical line: macro substitution, then comment lines, then the
conditional directives (.ifdef ...), then skipping, then .include, then joining
backslash continuations. Each logical line keeps where it came from (the file and
the number of its last physical line, which is the line Exim names in errors), the
section it belongs to, and whether it is a section start or a macro definition.

Macro definitions are recognised here, not by the section parsers, because a
definition changes how every later line reads: Exim handles it the moment it reads
it. Which lines are definitions depends on the section (readconf_main,
readconf_driver_init, readconf_acl), so the section is tracked here too.

Exim stops at the first error. pyexim records the error with the position Exim would
stop at, recovers the way that loses least (skip the line, the directive or the
include), and carries on, so one run reports every problem.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache

from pyexim.config.cache import Fingerprint, fingerprint_of
from pyexim.config.options import EximConfigError
from pyexim.errors import ConfigError, SourceLoc
from pyexim.record import field, record
from pyexim.strings import C_SPACE, span

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re


# EXIM_DRIVERNAME_MAX is 64: names (macros, drivers, ACLs, options) keep at most 63 characters.
NAME_MAX = 63

# Section names as Exim looks them up: "begin router" and "begin ROUTERS" both work
# because an "s" is added when missing and the comparison ignores case. The value is
# the name pyexim uses for the section.
SECTIONS = {
    "acls": "acl", "authenticators": "authenticators", "local_scans": "local_scan",
    "retrys": "retry", "rewrites": "rewrite", "routers": "routers",
    "transports": "transports",
}

# Sections whose readers accept macro definitions between their items (readconf_acl
# and readconf_driver_init). The retry and rewrite readers do not: there a line
# such as "FOO = x" is a rule.
_NAMED_ITEM_SECTIONS = frozenset({"acl", "authenticators", "routers", "transports"})

# The conditional directives: name, next state index when a macro was found on the
# line, index otherwise, and the stack action (+1 push, 0 none, -1 pop). Exim tests
# them in this order with a prefix comparison, which matters (see _directive()).
_DIRECTIVES = (
    ("ifdef", 0, 1, 1),
    ("ifndef", 1, 0, 1),
    ("elifdef", 2, 3, 0),
    ("elifndef", 3, 2, 0),
    ("else", 2, 2, 0),
    ("endif", 0, 0, -1),
)

# State machine of conditional reading. State 0 reads lines; 1 skips until .else,
# .elifdef or .endif; 2 skips until .endif. Columns: ifdef true, ifdef false,
# elifdef true (or .else), elifdef false.
_NEXT_STATE = (
    (0, 1, 2, 2),
    (2, 2, 0, 1),
    (2, 2, 2, 2),
)

# CSTATE_STACK_SIZE in readconf.c.
_MAX_NESTING = 10


def is_upper(char: str) -> bool:
    """C's isupper() in the "C" locale: ASCII capitals only."""
    return "A" <= char <= "Z"


def is_name_char(char: str) -> bool:
    """The characters Exim allows in macro, option and driver names after the first."""
    return char.isascii() and (char.isalnum() or char == "_")


def read_name(text: str, start: int = 0) -> tuple[str, int]:
    """readconf_readname(): skip white space, read a name that starts with a letter.

    Returns the name ("" when the text does not start with a letter) and the index of
    the first non-blank character after it. The caller checks the length: Exim refuses
    names longer than NAME_MAX where it reads them this way.
    """
    i = start
    i = span(text, C_SPACE, i)
    begin = i
    if i < len(text) and text[i].isascii() and text[i].isalpha():
        while i < len(text) and is_name_char(text[i]):
            i += 1
    name = text[begin:i]
    i = span(text, C_SPACE, i)
    return name, i


class ConfigFileError(EximConfigError):
    """The configuration file itself cannot be found; Exim says so without its usual heading."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, None, form="none", main_log=True)


@record(frozen=True, slots=True)
class Macro:
    """A macro as defined on the command line (-D) or in the file (spec: "Macros")."""

    name: str
    value: str
    loc: SourceLoc | None
    from_command_line: bool


# Where a macro name can start: an upper-case letter, or "_" and an upper-case letter.
@lru_cache(maxsize=1)
def _candidates() -> re.Pattern[str]:
    import re  # only reading a file substitutes macros; a cached configuration is not read
    return re.compile(r"[A-Z]|_(?=[A-Z])")


def _candidate(text: str, i: int) -> int:
    """Index of the first character at or after *i* that can start a macro name.

    Macro names start with an upper-case letter, or with "_" and an upper-case letter
    (the built-in ones); Exim skips everything else before searching.
    """
    found = _candidates().search(text, i)
    return found.start() if found else len(text)


class MacroTable:
    """Exim's macro list: the built-in macros, then -D macros, then the file's, in order.

    Substitution walks this list in order; a built-in macro is only considered when
    the first possible macro name on the line starts with "_" (readconf.c's
    macros_expand() starts from the first user macro otherwise). That is a quirk of
    Exim's, reproduced on purpose.
    """

    def __init__(self, builtins: Iterable[tuple[str, str]] | None = None,
                 cli_macros: Sequence[tuple[str, str]] = ()) -> None:
        if builtins is None:
            from pyexim.config.builtin_macros import BUILTIN_MACROS
            builtins = BUILTIN_MACROS
        self.names: list[str] = []
        self.values: list[str] = []
        self.from_cli: list[bool] = []
        self.locs: list[SourceLoc | None] = []
        for name, value in builtins:
            self.add(name, value, None, False)
        self.first_user = len(self.names)
        for name, value in cli_macros:
            self.add(name, value, None, True)

    def add(self, name: str, value: str, loc: SourceLoc | None, cli: bool) -> None:
        """Append a macro (no checks: use define() for a definition line)."""
        self.names.append(name)
        self.values.append(value)
        self.from_cli.append(cli)
        self.locs.append(loc)

    def user_macros(self) -> tuple[Macro, ...]:
        """The -D and file macros with their final values, in definition order."""
        return tuple(Macro(self.names[i], self.values[i], self.locs[i], self.from_cli[i])
                     for i in range(self.first_user, len(self.names)))

    def expand(self, text: str, at_line_start: bool = True) -> tuple[str, bool]:
        """Substitute macros in one physical line, as macros_expand() does.

        Returns the new text and whether any macro was substituted (what .ifdef
        tests). At the start of a logical line, the name of a macro being defined
        (``NAME = ...``) is not substituted. Each macro is substituted everywhere
        on the line before the next is tried; a replacement is not rescanned for the
        same macro, but later macros do see it.
        """
        n = len(text)
        first = span(text, C_SPACE)
        s = first
        if at_line_start and first < n and is_upper(text[first]):
            j = first
            while j < n and is_name_char(text[j]):
                j += 1
            j = span(text, C_SPACE, j)
            if j < n and text[j] == "=":
                s = j
        s = _candidate(text, s)
        if s >= n:
            return text, False
        found = False
        start = 0 if text[s] == "_" else self.first_user
        names, values = self.names, self.values
        for k in range(start, len(names)):
            name = names[k]
            p = text.find(name, s)
            if p < 0:
                continue
            while p >= 0:
                value = values[k]
                text = text[:p] + value + text[p + len(name):]
                found = True
                p = text.find(name, _candidate(text, p + len(value)))
            # A replacement may have put something else where the search starts.
            s = _candidate(text, s)
            if s >= len(text):
                break
        return text, found

    def define(self, line: str, loc: SourceLoc | None) -> str:
        """Handle a definition line ``NAME = value`` or ``NAME == value`` (macro_read_assignment).

        Returns the macro's name. Raises ConfigError with Exim's wording; some of
        Exim's macro errors name no line (it logs them without the position).
        """
        i = 0
        n = len(line)
        while i < n and is_name_char(line[i]):
            if i >= NAME_MAX:
                raise ConfigError(
                    f"macro name too long (maximum is {NAME_MAX} characters)", loc)
            i += 1
        name = line[:i]
        i = span(line, C_SPACE, i)
        if i >= n or line[i] != "=":
            raise ConfigError("malformed macro definition", loc)
        i += 1
        redefine = i < n and line[i] == "="
        if redefine:
            i += 1
        i = span(line, C_SPACE, i)
        value = line[i:]

        found = None
        # Built-in names all start with "_": they can only be in a name that has one.
        first = 0 if "_" in name else self.first_user
        for k in range(first, len(self.names)):
            existing = self.names[k]
            if existing == name:
                if not self.from_cli[k] and not redefine:
                    raise ConfigError(f'macro "{name}" is already defined '
                                      '(use "==" if you want to redefine it)')
                found = k
                break
            if len(existing) < len(name) and existing in name:
                raise ConfigError(f'"{name}" cannot be defined as a macro because previously '
                                  f'defined macro "{existing}" is a substring')
        if found is not None and self.from_cli[found]:
            return name  # a -D definition wins over the file's
        if redefine:
            if found is None:
                raise ConfigError(f'can\'t redefine an undefined macro "{name}"')
            self.values[found] = value
            self.locs[found] = loc
        else:
            self.add(name, value, loc, False)
        return name


@record(frozen=True, slots=True)
class LogicalLine:
    """One logical line of the configuration, after macros, includes and continuations.

    ``kind`` is "begin" (a section start; ``section`` is the new section), "macro" (a
    macro definition, already applied) or "line" (everything else). ``seq`` counts
    the logical lines read before this one, including those of a section Exim does
    not know (which are read but not produced): errors are ordered by it.
    """

    text: str
    loc: SourceLoc
    section: str
    kind: str = "line"
    seq: int = 0        # position among all logical lines read (see Preprocessor)


@record
class FileDep:
    """A file the result depends on: its path and a fingerprint (None when it did not exist)."""

    path: str
    fingerprint: Fingerprint | None


@record
class _OpenFile:
    name: str          # as Exim prints it (not normalised)
    directory: str     # for relative .include names
    lines: list[str]
    index: int = 0
    lineno: int = 0
    identity: tuple[int, int] | None = None  # (st_dev, st_ino) for include-loop detection


def _split_physical(data: bytes) -> list[str]:
    """The physical lines fgets() would return, each with its newline (the last may lack it).

    Exim works on C strings, so a NUL ends what it sees of a line: the rest of that
    line, including its newline, is lost.
    """
    text = data.decode("utf-8", "surrogateescape")
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    if "\0" in text:
        lines = [line.split("\0", 1)[0] for line in lines]
    return lines


def section_name(text: str) -> tuple[str, str]:
    """The section a ``begin NAME`` line starts: (pyexim's section name or "", name as written).

    Exim keeps at most 22 characters of the name, adds an "s" when the name does not
    end in one, and compares without regard to case.
    """
    written = text[6:].lstrip(C_SPACE)[:22]
    key = written if written[-1:].lower() == "s" else written + "s"
    return SECTIONS.get(key.lower(), ""), written


class Preprocessor:
    """Reads a configuration file into logical lines, the way get_config_line() does.

    Iterate over it for LogicalLine objects. Afterwards, ``errors`` holds
    (position, ConfigError) pairs, position being the ``seq`` of the logical line
    Exim was reading when it stopped; ``config_lines`` holds what ``-bP config``
    prints (file position markers and logical lines); ``deps`` lists every file read
    or looked for.
    """

    def __init__(self, path: str, macros: MacroTable) -> None:
        self.path = path
        self.macros = macros
        self.errors: list[tuple[float, ConfigError]] = []
        self.config_lines: list[str] = []
        self.deps: list[FileDep] = []
        self.count = 0                      # logical lines read so far (seq of the next)
        self.begins: list[int] = []         # seq of every "begin" line, known or not
        self.section = "main"
        self._seen_sections: set[str] = set()
        self._stack: list[_OpenFile] = []
        self._state = 0
        self._state_stack: list[int] = []

    # -- files ---------------------------------------------------------------

    def _read(self, path: str) -> tuple[list[str], tuple[int, int]] | None:
        """The physical lines of *path*, or None when it cannot be opened."""
        try:
            with open(path, "rb") as handle:
                st = os.fstat(handle.fileno())
                data = handle.read()
        except IsADirectoryError:
            # fopen() of a directory succeeds on Linux and fgets() then fails at
            # once: Exim reads a directory as an empty file.
            st = os.stat(path)
            data = b""
        except OSError:
            self.deps.append(FileDep(path, None))
            return None
        self.deps.append(FileDep(path, fingerprint_of(data, st)))
        return _split_physical(data), (st.st_dev, st.st_ino)

    def _main_directory(self) -> str:
        """config_main_directory: the directory relative .include names start from."""
        path = self.path
        slash = path.rfind("/")
        if path.startswith("/"):
            return "/" if slash == 0 else path[:slash]
        cwd = os.getcwd()
        if not cwd.endswith("/"):
            cwd += "/"
        return cwd + (path[:slash] if slash >= 0 else "")

    def _error(self, reason: str, loc: SourceLoc | None) -> None:
        """Record an error met on the way to the next logical line (a directive, an
        include): it comes just before anything found in that line itself."""
        self.errors.append((self.count - 0.5, ConfigError(reason, loc)))

    def _here(self) -> SourceLoc:
        top = self._stack[-1]
        return SourceLoc(top.name, top.lineno)

    def _position(self, top: _OpenFile) -> None:
        self.config_lines.append(f'# {top.lineno} "{top.name}"')

    # -- the reader ----------------------------------------------------------

    def __iter__(self) -> Iterator[LogicalLine]:
        opened = self._read(self.path)
        if opened is None:
            self._open_failed()
            return
        lines, identity = opened
        self._stack.append(_OpenFile(self.path, self._main_directory(), lines,
                                     identity=identity))
        while (text := self._logical_line()) is not None:
            line = self._classify(text, self._here())
            if line is not None:
                yield line

    def _open_failed(self) -> None:
        # Exim logs this one without its "configuration error" heading.
        self.errors.append((0, ConfigFileError(
            f"non-existent configuration file(s): {self.path}")))

    def _physical_line(self) -> str | None:
        """The next physical line, popping finished .include files; None at the very end."""
        while True:
            top = self._stack[-1]
            if top.index < len(top.lines):
                line = top.lines[top.index]
                top.index += 1
                top.lineno += 1
                if top.lineno == 1:
                    self._position(top)
                return line
            if len(self._stack) == 1:
                return None
            self._stack.pop()
            self._position(self._stack[-1])

    def _logical_line(self) -> str | None:
        """The next logical line's text; None at the end of the file."""
        logical = ""
        # What a consumed physical line leaves in Exim's buffer after the logical
        # line so far (see the end of the file below).
        leftover = ""
        while True:
            raw = self._physical_line()
            if raw is None:
                if self._state_stack:
                    self._error("Unexpected end of configuration file: .endif missing",
                                self._here())
                    self._state_stack.clear()
                    self._state = 0
                if logical:
                    # Exim reads each physical line into its buffer just after the
                    # logical line so far and does not cut it off again when it skips
                    # the line (a comment, a directive, an .include); if the file then
                    # ends, that text, newline and all, stays part of the logical
                    # line. An accident of Exim's, reproduced on purpose.
                    logical += leftover
                    break
                return None
            text, found = self.macros.expand(raw, at_line_start=not logical)
            ss = text.lstrip(C_SPACE)
            leftover = text
            if ss.startswith("#"):
                continue
            if ss.startswith(".") and self._directive(ss, found):
                continue
            if self._state != 0:
                continue
            if ss.startswith(".include"):
                end = self._include(ss)
                if end is not None:
                    leftover = text[:len(text) - len(ss) + end]  # Exim ends the name there
                    continue
            leftover = ""
            logical = (logical + ss).rstrip(C_SPACE)
            if logical:
                if not logical.endswith("\\"):
                    break
                logical = logical[:-1]
        return logical

    def _directive(self, ss: str, macro_found: bool) -> bool:
        """Handle .ifdef and friends; True when the line was one (and is consumed)."""
        for name, if_found, if_not_found, stack_action in _DIRECTIVES:
            if not ss.startswith(name, 1):
                continue
            after = ss[1 + len(name):2 + len(name)]
            # Exim accepts a space, a newline or the end of the line after the
            # name, and also the letter "t" (its table has 't' where '\t' was
            # meant). Any other character, a tab included, makes Exim drop the
            # whole line silently. Both accidents are reproduced on purpose.
            if after not in (" ", "t", "\n", ""):
                return True
            column = if_found if macro_found else if_not_found
            if stack_action > 0:
                if len(self._state_stack) >= _MAX_NESTING:
                    self._error(f".{name} nested too deeply", self._here())
                    return True
                self._state_stack.append(self._state)
                self._state = _NEXT_STATE[self._state][column]
            elif not self._state_stack:
                self._error(f".{name} without matching .ifdef", self._here())
            elif stack_action < 0:
                self._state = self._state_stack.pop()
            else:
                self._state = _NEXT_STATE[self._state][column]
            return True
        return False

    def _include(self, ss: str) -> int | None:
        """Handle .include and .include_if_exists; None when the line is not one.

        Returns where, in *ss*, the file name ends (Exim writes a NUL there).
        """
        if ss[8:9] and ss[8] in C_SPACE:
            if_exists = False
        elif ss.startswith("_if_exists", 8) and ss[18:19] and ss[18] in C_SPACE:
            if_exists = True
        else:
            return None
        start = 19 if if_exists else 9
        start = span(ss, C_SPACE, start)
        end = max(start, len(ss.rstrip(C_SPACE)))
        name = ss[start:end]
        if len(name) >= 2 and name[0] == '"' and name[-1] == '"':
            name = name[1:-1]
            end -= 1
        top = self._stack[-1]
        if not name.startswith("/"):
            if if_exists:
                self._error(f'.include specifies a non-absolute path "{name}"', self._here())
                return end
            name = f"{top.directory}/{name}"
        if if_exists and not os.path.exists(name):
            self.deps.append(FileDep(name, None))
            return end
        self._position(top)
        opened = self._read(name)
        if opened is None:
            self._error(f"failed to open included configuration file {name}", self._here())
            return end
        lines, identity = opened
        if any(f.identity == identity for f in self._stack):
            # Exim would follow the loop until it runs out of file descriptors;
            # pyexim stops at the first repeat and says why.
            self._error(f"failed to open included configuration file {name} "
                        "(.include loop: the file is already being read)", self._here())
            return end
        self._stack.append(_OpenFile(name, name[:name.rfind("/")], lines, identity=identity))
        return end

    def _classify(self, text: str, loc: SourceLoc) -> LogicalLine | None:
        """Section starts and macro definitions; None for lines of an unknown section."""
        self.config_lines.append(text)
        seq = self.count
        self.count += 1
        if text[:6].lower() == "begin ":
            self.begins.append(seq)
            return self._begin(text, loc, seq)
        if not self.section:
            return None  # the rest of an unknown section: Exim stopped at its name
        if self._is_macro_definition(text):
            try:
                self.macros.define(text, loc)
            except ConfigError as error:
                self.errors.append((seq, error))
            return LogicalLine(text, loc, self.section, "macro", seq)
        return LogicalLine(text, loc, self.section, "line", seq)

    def _begin(self, text: str, loc: SourceLoc, seq: int) -> LogicalLine | None:
        section, written = section_name(text)
        if not section:
            self.errors.append((seq, ConfigError(
                f'"{written}" is not a known configuration section name', loc)))
        elif section in self._seen_sections:
            self.errors.append((seq, ConfigError(
                f'"{written}" section is repeated in the configuration file', loc)))
        else:
            self._seen_sections.add(section)
        self.section = section
        if not section:
            return None
        return LogicalLine(text, loc, section, "begin", seq)

    def _is_macro_definition(self, text: str) -> bool:
        if self.section == "main":
            return is_upper(text[0])
        if self.section in _NAMED_ITEM_SECTIONS:
            name, after = read_name(text)
            return (bool(name) and is_upper(name[0]) and len(name) <= NAME_MAX
                    and text[after:after + 1] == "=")
        return False


@record
class Source:
    """A preprocessed configuration: its logical lines and what reading it found."""

    path: str
    lines: list[LogicalLine]
    macros: MacroTable
    errors: list[tuple[float, ConfigError]]
    config_lines: list[str]
    deps: list[FileDep] = field(default_factory=list)
    begins: list[int] = field(default_factory=list)  # seq of each "begin" line
    total: int = 0                                   # logical lines read


def preprocess(path: str, cli_macros: Sequence[tuple[str, str]] = ()) -> Source:
    """Read *path* and everything it includes into logical lines.

    Never raises for a broken configuration: problems are in ``Source.errors``,
    each paired with its position (see Preprocessor).
    """
    macros = MacroTable(cli_macros=cli_macros)
    reader = Preprocessor(path, macros)
    lines = list(reader)
    return Source(path, lines, macros, reader.errors, reader.config_lines, reader.deps,
                  reader.begins, reader.count)
