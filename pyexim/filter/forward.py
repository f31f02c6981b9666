"""Plain forward lists: alias file entries and traditional .forward files (spec: "The redirect
router", "Redirection data"; Exim: parse.c parse_forward_list).

Items are separated by commas or newlines; ``#`` in a white-space position starts a
comment; an item may be an address, ``"|command"``, ``/file``, ``:include:/path``,
``:blackhole:``, ``:defer: text``, ``:fail: text`` or ``:unknown:``; a leading ``\\``
on an unqualified address qualifies it with the incoming domain.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable

from pyexim.address import AddressError, extract_address, find_address_end
from pyexim.filter.result import FilterResult, Generated, Kind, Outcome
from pyexim.record import field, record
from pyexim.strings import C_SPACE, span
from pyexim.taint import is_tainted, mark

_MAX_INCLUDE_SIZE = 1024 * 1024          # Exim's MAX_INCLUDE_SIZE


@record(frozen=True)
class ForwardOptions:
    """What a forward list may contain (Exim's RDO_* bits for parse_forward_list).

    ``include_directory``: when set, :include: files must be inside it and reached
    without symbolic links. ``skip_syntax_errors``: collect bad items instead of
    failing (the router's skip_syntax_errors).
    """

    allow_defer: bool = False
    allow_fail: bool = False
    forbid_blackhole: bool = False
    forbid_include: bool = False
    include_directory: str | None = None
    skip_syntax_errors: bool = False


@record
class ForwardResult(FilterResult):
    """A FilterResult plus the items skipped for syntax errors: (error, item) pairs."""

    syntax_errors: list[tuple[str, str]] = field(default_factory=list)


class _Failure(Exception):
    def __init__(self, outcome: str, message: str):  # an Outcome
        super().__init__(message)
        self.outcome = outcome
        self.message = message


def parse_forward_list(text: str, incoming_domain: str, rewrite: Callable[[str], str],
                       options: ForwardOptions = ForwardOptions()) -> ForwardResult:
    """Turn a forward list into destinations, as Exim's parse_forward_list does.

    *rewrite* qualifies and rewrites each address (Exim: rewrite_address with the
    global rules). The outcome is DELIVERED when something was generated (or a syntax
    error was skipped), NOT_DELIVERED for an empty list, BLACKHOLE/DEFER/FAIL for those
    items (``error`` holds their text), INCLUDE_FAIL when an :include: file cannot be
    read, and ERROR for anything else (``error`` says what, in Exim's words).
    """
    result = ForwardResult(Outcome.NOT_DELIVERED)
    try:
        _parse(text, incoming_domain, rewrite, options, result)
    except _Failure as failure:
        result.outcome, result.error = failure.outcome, failure.message
        return result
    if result.generated or result.syntax_errors:
        result.outcome = Outcome.DELIVERED
    return result


def _parse(text: str, incoming_domain: str, rewrite: Callable[[str], str],
           options: ForwardOptions, result: ForwardResult) -> None:
    pos = 0
    n = len(text)
    while True:
        while True:
            while pos < n and (text[pos] in C_SPACE or text[pos] == ","):
                pos += 1
            if pos < n and text[pos] == "#":
                newline = text.find("\n", pos)
                pos = n if newline < 0 else newline
            else:
                break
        if pos >= n:
            return
        end = next_item = find_address_end(text, pos, nl_ends=True)
        while text[end - 1] in C_SPACE:
            end -= 1
        start, quoted = pos, False
        if text[start] == '"' and text[end - 1] == '"':
            start, end, quoted = start + 1, end - 1, True
            start = span(text, C_SPACE, start, end)
            while end > start and text[end - 1] in C_SPACE:
                end -= 1
        item = text[start:end]
        pos = next_item

        # A prefix of ":unknown:" (Exim compares only the item's length) is ignored.
        if ":unknown:".startswith(item):
            continue
        special = _special(text, start, item, options)
        if special is not None:
            raise special
        if item.startswith(":include:"):
            # Slicing drops the Tainted mark: the list's taint goes with the file name.
            _include(mark(item, is_tainted(text)), incoming_domain, rewrite, options, result)
            continue
        _one_item(item, quoted, incoming_domain, rewrite, options, result)


def _special(text: str, start: int, item: str, options: ForwardOptions) -> _Failure | None:
    """:defer:, :blackhole: and :fail:, whose text is the rest of the whole list."""
    rest = text[start:]
    if rest.startswith(":defer:"):
        outcome, permitted = Outcome.DEFER, options.allow_defer
    elif rest.startswith(":blackhole:"):
        outcome, permitted = Outcome.BLACKHOLE, not options.forbid_blackhole
    elif rest.startswith(":fail:"):
        outcome, permitted = Outcome.FAIL, options.allow_fail
    else:
        return None
    if not permitted:
        return _Failure(Outcome.ERROR, f'"{item}" is not permitted')
    message = rest[rest.index(":", 1) + 1:].lstrip(C_SPACE).rstrip("\n")
    return _Failure(outcome, message)


def _include(item: str, incoming_domain: str, rewrite: Callable[[str], str],
             options: ForwardOptions, result: ForwardResult) -> None:
    filename = mark(item[9:].lstrip(C_SPACE), is_tainted(item))
    if not filename:
        raise _Failure(Outcome.ERROR, "file name missing after :include:")
    if len(filename) > 255:
        raise _Failure(Outcome.ERROR, f'included file name "{filename}" is too long')
    if not filename.startswith("/"):
        raise _Failure(Outcome.ERROR, f'included file "{filename}" is not an absolute path')
    if options.forbid_include:
        raise _Failure(Outcome.ERROR, "included files not permitted")
    if is_tainted(filename):
        # Exim's message has the doubled space and the newline.
        raise _Failure(Outcome.ERROR,
                       f"Tainted name '{filename}' for included file  not permitted\n")
    directory = options.include_directory
    if directory is not None:
        _check_include_path(filename, directory)
    try:
        with open(filename.encode("latin-1"), "rb") as handle:
            info = os.fstat(handle.fileno())
            if directory is not None and not stat.S_ISREG(info.st_mode):
                raise _Failure(Outcome.ERROR, f"included file {filename} is not a regular "
                                              f"file in the {directory} directory")
            if info.st_size > _MAX_INCLUDE_SIZE:
                raise _Failure(Outcome.ERROR, f"included file {filename} is too big "
                                              f"(max {_MAX_INCLUDE_SIZE})")
            data = handle.read()
    except OSError as error:
        raise _Failure(Outcome.INCLUDE_FAIL,
                       f"failed to open included file {filename}: {error.strerror}") from None
    inner = ForwardResult(Outcome.NOT_DELIVERED)
    _parse(data.decode("latin-1"), incoming_domain, rewrite, options, inner)
    result.generated.extend(inner.generated)
    result.syntax_errors.extend(inner.syntax_errors)


def _check_include_path(filename: str, directory: str) -> None:
    """The file must be below *directory*, reached without symbolic links."""
    base = directory.rstrip("/")
    if not filename.startswith(base) or filename[len(base):len(base) + 1] != "/":
        raise _Failure(Outcome.ERROR, f"included file {filename} is not in directory {directory}")
    path = base
    for component in filename[len(base):].split("/"):
        if not component:
            continue
        path = f"{path}/{component}"
        if os.path.islink(path.encode("latin-1")) or not os.path.lexists(path.encode("latin-1")):
            raise _Failure(Outcome.ERROR, f"failed to open {filename} (component of included "
                                          f"file); could be symbolic link")


def _one_item(item: str, quoted: bool, incoming_domain: str, rewrite: Callable[[str], str],
              options: ForwardOptions, result: ForwardResult) -> None:
    recipient: str | None = None
    has_domain = False
    error = ""
    if item.startswith("\\"):
        # "\user": the incoming domain qualifies it; a domain makes it fall through.
        try:
            extracted = extract_address(item[1:])
            if not extracted.domain:
                recipient = f"{extracted.address}@{incoming_domain}"
                has_domain = True
        except AddressError as failure:
            error = str(failure)
    if recipient is None:
        try:
            extracted = extract_address(item)
            recipient, has_domain = extracted.address, extracted.domain > 0
        except AddressError as failure:
            error = str(failure)
    if item[:1] in ("|", "/") and (recipient is None or not has_domain):
        # A pipe or a file; inside quotes a backslash quotes the next character.
        if quoted:
            unquoted: list[str] = []
            i = 0
            while i < len(item):
                if item[i] == "\\" and i + 1 < len(item):
                    i += 1
                unquoted.append(item[i])
                i += 1
            item = "".join(unquoted)
        kind = Kind.PIPE if item.startswith("|") else Kind.FILE
        result.generated.append(Generated(item, kind))
        return
    if recipient is None:
        if error == "empty address":
            return          # commented-out entries: "(comment)" alone is allowed
        if options.skip_syntax_errors:
            result.syntax_errors.append((error, item))
            return
        raise _Failure(Outcome.ERROR, f'{error} in "{item}"')
    result.generated.append(Generated(rewrite(recipient), Kind.ADDRESS))
