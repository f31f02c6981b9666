"""A FilterEnv for tests: $name and $h_name: substitution over plain dictionaries."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from pyexim.filter.env import Envelope, FilterExpansionError, FilterVariables
from pyexim.strings import lower

_REFERENCE = re.compile(r"\$(?:(?:h|header|rh|rheader)_([^\s:]+):|(\w+)|\{(\w+)\})")


@dataclass
class FakeEnv:
    """Expands ``$var``, ``${var}`` and ``$h_name:``; ``${`` anything else is an error.

    ``headers`` are complete header lines; ``values`` the other variables. The
    filter's own variables come from the *variables* argument, as the protocol says.
    """

    headers: list[str] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=lambda: {
        "local_part": "alice", "domain": "test.example", "reply_address": "x@y.example"})
    charset: str | None = None
    expanded: list[str] = field(default_factory=list)

    def expand(self, text: str, variables: FilterVariables | None) -> str:
        self.expanded.append(text)
        values = dict(self.values)
        if variables is not None:
            values.update({f"n{i}": str(v) for i, v in enumerate(variables.n)})
            values.update({f"sn{i}": str(v) for i, v in enumerate(variables.sn)})
            values["thisaddress"] = variables.this_address or ""
            values.update({str(i): v for i, v in enumerate(variables.numeric)})

        def substitute(match: re.Match[str]) -> str:
            header, name, braced = match.groups()
            if header is not None:
                return (self.find_header(header + ":") or "").strip()
            key = name or braced
            if key not in values:
                raise FilterExpansionError(f'unknown variable name "{key}"')
            return values[key]

        if "${" in _REFERENCE.sub("", text):
            raise FilterExpansionError("fake expansion has no items")
        return _REFERENCE.sub(substitute, text)

    def header_lines(self) -> Sequence[str]:
        return list(self.headers)

    def find_header(self, name: str, *, raw: bool = False,
                    exists_only: bool = False) -> str | None:
        found = None
        for line in self.headers:
            if lower(line[:len(name)]) == lower(name):
                if exists_only:
                    return "1"
                found = (found or "") + line[len(name):]
        return found

    def add_header(self, text: str) -> None:
        self.headers.append(text)

    def remove_header(self, name: str) -> None:
        self.headers = [h for h in self.headers
                        if not (lower(h[:len(name)]) == lower(name) and h[len(name):][:1] == ":")]

    def set_headers_charset(self, charset: str | None) -> None:
        self.charset = charset

    def rewrite_recipient(self, address: str) -> str:
        return address if "@" in address else f"{address}@test.example"


def envelope(**changes: object) -> Envelope:
    """The envelope most tests use: alice@test.example, mail from bob@elsewhere.example."""
    base = dict(local_part="alice", domain="test.example",
                sender_address="bob@elsewhere.example", return_path="bob@elsewhere.example",
                home="/home/alice", message_id="1xW7wn-0000qv-37", message_size=1234)
    base.update(changes)
    return Envelope(**base)  # type: ignore[arg-type]
