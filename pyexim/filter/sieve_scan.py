"""The Sieve scanner: white space, comments, strings, string lists, numbers and tagged
arguments, with Exim's error messages (RFC 5228 section 2; Exim: sieve.c parse_white,
parse_string, parse_stringlist, parse_number, parse_comparator...).

The scanner keeps Exim's state: a position, the line counter (which only LF moves,
and not inside ``/* */`` comments) and the capabilities required so far (which
change how strings and some tags are read).
"""

from __future__ import annotations

from collections.abc import Callable

from pyexim.filter.sieve_match import COMPARATOR_NAMES, Comparator, MatchType, ascii_fold
from pyexim.filter.sieve_text import SieveTextError, decode_encoded_characters

_ULONG_MAX = 2**64 - 1
_ERANGE_TEXT = "Numerical result out of range"    # strerror(ERANGE) on Linux

_IDENTIFIER_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_0123456789")


class SieveError(Exception):
    """A syntax or run-time error; the message is Exim's (the line is added when reported)."""


class SieveScanner:
    """Reads the tokens of a Sieve script the way Exim's sieve.c does."""

    def __init__(self, text: str):
        # C strings end at the first NUL byte; so does the script.
        self.text = text.split("\0", 1)[0]
        self.pos = 0
        self.line = 1
        self.required: set[str] = set()

    def char(self, offset: int = 0) -> str:
        index = self.pos + offset
        return self.text[index] if index < len(self.text) else ""

    def white(self) -> None:
        """Blanks, newlines, ``#`` and ``/* */`` comments (Exim's parse_white).

        Only LF ends a line (CR is not white space), and newlines inside a ``/* */``
        comment are not counted: both as in Exim.
        """
        text = self.text
        while self.pos < len(text):
            ch = text[self.pos]
            if ch in " \t":
                self.pos += 1
            elif ch == "\n":
                self.pos += 1
                self.line += 1
            elif ch == "#":
                self.hash_comment()
            elif ch == "/" and self.char(1) == "*":
                end = text.find("*/", self.pos + 2)
                if end < 0:
                    self.pos = len(text)
                    raise SieveError("missing end of comment")
                self.pos = end + 2
            else:
                return

    def hash_comment(self) -> None:
        """A ``#`` comment: it must end with a newline, even at the end of the script."""
        end = self.text.find("\n", self.pos + 1)
        if end < 0:
            self.pos = len(self.text)
            raise SieveError("missing end of comment")
        self.pos = end + 1
        self.line += 1

    def identifier(self, word: str) -> bool:
        """Consume *word* (any case) when it is next and not part of a longer identifier."""
        end = self.pos + len(word)
        if ascii_fold(self.text[self.pos:end]) != word:
            return False
        if end < len(self.text) and self.text[end] in _IDENTIFIER_CHARS:
            return False
        self.pos = end
        return True

    def semicolon(self) -> None:
        self.white()
        if self.char() != ";":
            raise SieveError("missing semicolon")
        self.pos += 1

    def string(self) -> str | None:
        """A quoted string or a ``text:`` multi-line string; None when neither is next."""
        if self.char() == '"':
            value = self.quoted_string()
        elif self.text.startswith("text:", self.pos):
            value = self.multiline_string()
        else:
            return None
        if "encoded_character" in self.required:
            try:
                value = decode_encoded_characters(value)
            except SieveTextError as error:
                raise SieveError(str(error)) from None
        return value

    def quoted_string(self) -> str:
        out: list[str] = []
        text = self.text
        self.pos += 1
        while self.pos < len(text):
            ch = text[self.pos]
            if ch == '"':
                self.pos += 1
                return "".join(out)
            if ch == "\\" and self.pos + 1 < len(text):
                out.append(text[self.pos + 1])
                self.pos += 2
                continue
            if ch == "\n":
                # Exim stores a line break inside a quoted string as CRLF.
                out.append("\r")
                self.line += 1
            out.append(ch)
            self.pos += 1
        raise SieveError("missing end of string")

    def multiline_string(self) -> str:
        text = self.text
        self.pos += 5
        while self.char() in (" ", "\t") and self.char():
            self.pos += 1
        if self.char() == "#":
            self.hash_comment()
        elif self.char() == "\n":
            self.pos += 1
            self.line += 1
        else:
            raise SieveError("syntax error")
        out: list[str] = []
        while self.pos < len(text):
            ch = text[self.pos]
            if ch != "\n":
                out.append(ch)
                self.pos += 1
                continue
            out.append("\r\n")
            self.pos += 1
            self.line += 1
            if text.startswith(".\n", self.pos):
                self.pos += 2
                self.line += 1
                return "".join(out)
            if text.startswith("..", self.pos):
                out.append(".")
                self.pos += 2
        raise SieveError("missing end of multi line string")

    def string_list(self) -> list[str] | None:
        """``"a"`` or ``["a", "b"]``; None when neither is next.

        Any error inside brackets becomes "missing string list", as in Exim.
        """
        if self.char() != "[":
            start = self.pos
            value = self.string()
            if value is None:
                self.pos = start
                return None
            return [value]
        self.pos += 1
        items: list[str] = []
        try:
            while True:
                self.white()
                value = self.string()
                if value is None:
                    if not items:
                        break
                    raise SieveError("missing string")
                items.append(value)
                self.white()
                if self.char() != ",":
                    break
                self.pos += 1
            if self.char() != "]":
                raise SieveError("missing closing bracket")
        except SieveError:
            raise SieveError("missing string list") from None
        self.pos += 1
        return items

    def number(self) -> int:
        """Digits with an optional K, M or G multiplier (RFC 5228 section 2.4.1)."""
        start = self.pos
        while self.char() and self.char() in "0123456789":
            self.pos += 1
        if self.pos == start:
            raise SieveError("missing number")
        value = int(self.text[start:self.pos])
        if value > _ULONG_MAX:
            raise SieveError(_ERANGE_TEXT)
        unit = {"K": 1024, "M": 1024**2, "G": 1024**3}.get(self.char(), 1)
        if unit > 1:
            self.pos += 1
        if value > _ULONG_MAX // unit:
            raise SieveError(_ERANGE_TEXT)
        return value * unit

    # --- tagged arguments --------------------------------------------------------
    def address_part(self) -> str | None:
        for part in ("user", "detail"):
            if self.identifier(f":{part}"):
                if "subaddress" not in self.required:
                    raise SieveError('missing previous require "subaddress";')
                return part
        for part in ("localpart", "domain", "all"):
            if self.identifier(f":{part}"):
                return part
        return None

    def comparator(self) -> Comparator | None:
        if not self.identifier(":comparator"):
            return None
        self.white()
        name = self.string()
        if name is None:
            raise SieveError("missing comparator")
        found = COMPARATOR_NAMES.get(ascii_fold(name))
        if found is None:
            raise SieveError("invalid comparator")
        return found

    def match_type(self) -> MatchType | None:
        for match in MatchType:
            if self.identifier(match.value):
                return match
        return None

    def tags(self, *, address_part: bool) -> tuple[str, Comparator, MatchType]:
        """The optional tags of address/header/envelope tests, each at most once."""
        readers: list[tuple[str, Callable[[], object]]] = [
            ("comparator", self.comparator), ("match type", self.match_type)]
        if address_part:
            readers.insert(0, ("address part", self.address_part))
        found: dict[str, object] = {}
        while True:
            self.white()
            for what, read in readers:
                value = read()
                if value is not None:
                    if what in found:
                        raise SieveError(f"{what} already specified")
                    found[what] = value
                    break
            else:
                part = found.get("address part", "all")
                comparator = found.get("comparator", Comparator.ASCII_CASEMAP)
                match = found.get("match type", MatchType.IS)
                assert isinstance(part, str) and isinstance(comparator, Comparator)
                assert isinstance(match, MatchType)
                return part, comparator, match

    def required_list(self, missing: str) -> list[str]:
        self.white()
        items = self.string_list()
        if items is None:
            raise SieveError(missing)
        return items

    def tagged_string(self, missing: str) -> str:
        self.white()
        value = self.string()
        if value is None:
            raise SieveError(missing)
        return value
