"""What a filter needs from the outside world, as a narrow protocol (spec: "Exim filter files").

The interpreters never reach into the expansion engine, the spool or the config
themselves: they ask a :class:`FilterEnv`. The redirect router and ``-bf`` build one
from the real engine; tests build small fakes. The message facts a filter tests
(sender, return path, the address being delivered...) are plain data in
:class:`Envelope`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from pyexim.record import record


class FilterExpansionError(Exception):
    """An expansion failed (or was forced to fail); the message is Exim's expand_string_message."""


@record
class Envelope:
    """The message and the address being filtered, as the filter sees them.

    ``message_id`` is empty when no message is being processed (address testing);
    Exim's ``error_message`` and ``manually_thawed`` conditions are false then.
    """

    local_part: str
    domain: str
    sender_address: str | None
    return_path: str | None
    prefix: str | None = None
    suffix: str | None = None
    home: str | None = None
    message_id: str = ""
    message_size: int = 0
    first_delivery: bool = True
    manually_thawed: bool = False


@record
class FilterVariables:
    """The variables an Exim filter sets for its own expansions.

    ``n``/``sn``: $n0..$n9 and $sn0..$sn9; ``this_address``: $thisaddress inside
    ``foranyaddress`` (None elsewhere, which reads as empty); ``numeric``: $0, $1...
    from the last successful ``matches`` (empty when there was none).
    """

    n: Sequence[int]
    sn: Sequence[int]
    this_address: str | None = None
    numeric: Sequence[str] = ()


class FilterEnv(Protocol):
    """The services a filter calls on.

    ``expand`` runs Exim's string expansion; *variables* are an Exim filter's own
    (None while a Sieve script runs: Exim does not make them visible there). It
    raises :class:`FilterExpansionError` with Exim's message on failure.

    ``header_lines`` are the message's current header lines, each complete with its
    name and trailing newline (``"Subject: hi\\n"``), without those Exim has marked
    as deleted. ``find_header`` is Exim's find_header for *name* (with its colon,
    any case): with *raw*, the values after the colon of every such header
    concatenated as they are; with *exists_only*, any non-None value means it
    exists; None when there is no such header.

    ``add_header``/``remove_header`` change the header list (system filters'
    ``headers add``/``headers remove``); the change is visible to later expansions.
    ``set_headers_charset`` changes the charset for header decoding in expansions
    (``headers charset``); None restores the configured one.

    ``rewrite_recipient`` qualifies an unqualified address with the recipient
    qualify domain and applies the global rewriting rules for envelope recipients.
    """

    def expand(self, text: str, variables: FilterVariables | None) -> str: ...

    def header_lines(self) -> Sequence[str]: ...

    def find_header(self, name: str, *, raw: bool = False,
                    exists_only: bool = False) -> str | None: ...

    def add_header(self, text: str) -> None: ...

    def remove_header(self, name: str) -> None: ...

    def set_headers_charset(self, charset: str | None) -> None: ...

    def rewrite_recipient(self, address: str) -> str: ...
