"""What an expansion can see: variables, message, ACL variables, lists, lookups, clock.

Exim keeps all of this in global variables; pyexim passes one ``ExpansionContext``.
It holds plain values (``values``: Exim variable name -> value), the message and
address being handled, hooks for the parts of pyexim that expansion calls back
into (ACLs, host-name lookup, the panic log), and the injected clock, pid and
random source so tests are deterministic. A few fields are the "live" state that
Exim's expansion changes and that survives from one expansion to the next in the
same process (``$value``, ``$runrc``, ``$prvscheck_*``, the numbered ``$0``..``$9``).

Text is engine text: one character per byte (see pyexim.strings).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, MutableMapping

from pyexim.record import field, record

# expand_forbid bits (Exim: RDO_*): what a filter or a forbid_* option has turned off.
FORBID_EXISTS = "exists"
FORBID_LOOKUP = "lookup"
FORBID_PERL = "perl"
FORBID_READFILE = "readfile"
FORBID_READSOCK = "readsocket"
FORBID_RUN = "run"
FORBID_DLFUNC = "dlfunc"


TYPE_CHECKING = False
if TYPE_CHECKING:
    import random
    from typing import Any, Protocol

    # What expansion reads of a named list; at run time any object with .value will do.
    class NamedListLike(Protocol):
        """The part of pyexim.config.model.NamedList that expansion reads."""

        @property
        def value(self) -> str: ...


@record(frozen=True)
class NamedListView:
    """A named list as expansion and list matching read it (engine text)."""

    value: str
    cached: bool = True


@record
class HeaderView:
    """A header line as expansion reads it: the full text ("Name: value\\n") and type flag."""

    text: str
    type: str = " "


# The result codes an ACL returns to ${acl} and the acl condition (Exim: rc_names).
ACL_OK = "OK"
ACL_FAIL = "FAIL"
ACL_DEFER = "DEFER"
ACL_ERROR = "ERROR"
ACL_DISCARD = "DISCARD"

AclRunner = Callable[[str, list[str], "ExpansionContext"], tuple[str, str | None]]
"""Run a named ACL with arguments: returns (result code, user message or None)."""


@record
class ExpansionOptions:
    """Main-configuration options that change how expansion behaves."""

    headers_charset: str = "UTF-8"        # Debian's HEADERS_CHARSET
    print_topbitchars: bool = False
    check_rfc2047_length: bool = True
    header_insert_maxlen: int = 64 * 1024
    strict_acl_vars: bool = False
    message_body_visible: int = 500
    message_body_newlines: bool = False
    allow_domain_literals: bool = False
    allow_utf8_domains: bool = False
    strip_excess_angle_brackets: bool = False
    strip_trailing_dot: bool = False
    perl_startup: str | None = None
    timestamps_utc: bool = False


@record
class ExpansionContext:
    """Everything an expansion reads or changes. Cheap to make; fill what you have.

    ``values`` holds Exim's ordinary variables by name (``sender_address``,
    ``local_part``, ``primary_hostname``, ``message_size``...): strings, ints or
    bools; a missing name reads as Exim's unset value (empty, or 0 for numbers).
    """

    config: Any = None
    values: MutableMapping[str, object] = field(default_factory=dict)
    options: ExpansionOptions = field(default_factory=ExpansionOptions)
    acl_c: MutableMapping[str, str] = field(default_factory=dict)
    acl_m: MutableMapping[str, str] = field(default_factory=dict)
    router_vars: MutableMapping[str, str] = field(default_factory=dict)
    acl_args: list[str] = field(default_factory=list)
    auth_vars: list[str | None] = field(default_factory=lambda: [None] * 4)
    regex_vars: list[str | None] = field(default_factory=lambda: [None] * 9)
    headers: list[HeaderView] = field(default_factory=list)
    recipients: list[str] | None = None   # $recipients, where Exim makes it visible
    message_body: str | None = None       # first message_body_visible bytes of the body
    message_body_end: str | None = None
    # named lists: kind ("domain", "host", "address", "localpart") -> name -> list
    named_lists: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    lookup_context: Any = None
    acl_runner: AclRunner | None = None
    host_name_lookup: Callable[[ExpansionContext], str | None] | None = None
    panic_log: Callable[[str], None] | None = None
    forbid: frozenset[str] = frozenset()
    filter_running: bool = False
    filter_vars: list[int] = field(default_factory=lambda: [0] * 10)   # $n0..$n9
    filter_svars: list[int] = field(default_factory=lambda: [0] * 10)  # $sn0..$sn9
    first_delivery: bool = False
    queue_running: bool = False
    clock: Callable[[], float] = time.time
    pid: int = field(default_factory=os.getpid)
    rng: random.Random | None = None   # made by the first ${randint}
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    load_average: Callable[[], int] | None = None

    # Live state that Exim keeps in globals between expansions.
    lookup_value: str | None = None       # $value
    iterate_item: str | None = None       # $item
    match_strings: list[str] = field(default_factory=list)  # $0 .. $n
    runrc: int = 0
    prvscheck_address: str | None = None
    prvscheck_keynum: str | None = None
    prvscheck_result: str | None = None

    # -- the ListContext duties (pyexim.lists) ----------------------------------

    def expand(self, text: str) -> str:
        """Expand *text* in this context (used by list matching for named lists)."""
        from pyexim.expand import expand_string
        return expand_string(text, self)

    def named_list(self, kind: str | None, name: str) -> Any:
        """The named list *name* of *kind* (None: any kind, Exim's search order), or None."""
        kinds = (kind,) if kind else ("address", "domain", "host", "localpart")
        for k in kinds:
            found = self.named_lists.get(k, {}).get(name)
            if found is not None:
                return found
        return None
