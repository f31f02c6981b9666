"""The address being routed and its hosts (Exim: structs.h address_item, host_item).

An ``AddressItem`` is one address on its way through the routers: the address as
given, its local part and domain once split, the affixes a router stripped, its
parent (for generated addresses), the data that propagates to children (``Prop``),
and what the accepting router decided (transport, hosts, uid/gid, home). Text is
engine text (one character per byte, see pyexim.strings); values that came
from outside are Tainted.
"""

from __future__ import annotations

from pyexim.record import field, record, replace

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyexim.routers.chain import Router

# Exim's "unset" markers for a host item's port and MX value.
PORT_NONE = -1
MX_NONE = -1


@record
class Host:
    """One host an address may be sent to (Exim's host_item).

    ``mx`` is the MX preference (MX_NONE for hosts not from MX records; values below
    -1 mark randomised groups from a configured list); ``sort_key`` orders hosts as
    Exim does; ``status`` is "unusable" for a host whose address could not be found.
    """

    name: str
    address: str | None = None
    port: int = PORT_NONE
    mx: int = MX_NONE
    sort_key: int = 0
    status: str = "unknown"
    why: str = "unknown"
    dnssec: str = "unknown"

    def copy(self) -> Host:
        return replace(self)


@record
class Prop:
    """What an address passes on to the addresses generated from it (address_item_propagated)."""

    address_data: str | None = None
    domain_data: str | None = None
    localpart_data: str | None = None
    errors_address: str | None = None
    extra_headers: tuple[str, ...] = ()      # newest first, as Exim chains them
    remove_headers: str | None = None
    variables: dict[str, str] = field(default_factory=dict)   # $r_... without "r_"
    ignore_error: bool = False

    def copy(self) -> Prop:
        return replace(self, variables=dict(self.variables))


@record(eq=False)
class AddressItem:
    """An address being routed (Exim's address_item), with what routing found out."""

    address: str
    unique: str = ""
    parent: AddressItem | None = None
    prop: Prop = field(default_factory=Prop)

    # Set by split(): the domain (lower-cased), the local part as written and lower-cased.
    domain: str = ""
    cc_local_part: str = ""
    lc_local_part: str = ""
    local_part: str = ""
    prefix: str | None = None
    prefix_v: str | None = None
    suffix: str | None = None
    suffix_v: str | None = None

    start_router: int = 0                 # index of the first router to try
    router: Router | None = None
    transport: str | None = None          # name of the transport chosen
    host_list: list[Host] = field(default_factory=list)
    fallback_hosts: list[Host] = field(default_factory=list)
    self_hostname: str | None = None

    # A generated pipe, file or autoreply ("pfr"), and what it is allowed to be.
    pfr: bool = False
    file: bool = False
    allow_pipe: bool = False
    allow_file: bool = False
    allow_reply: bool = False
    bad_transport: bool = False

    uid: int | None = None
    gid: int | None = None
    initgroups: bool = False
    home_dir: str | None = None
    home_expanded: bool = False
    current_dir: str | None = None

    message: str | None = None
    user_message: str | None = None
    basic_errno: int = 0
    pass_message: bool = False
    freeze: bool = False
    local_host_removed: bool = False
    child_count: int = 0
    onetime_parent: str | None = None
    hide_child: bool = False
    mode: int | None = None               # save's mode, for file deliveries
    reply: object = None                  # a filter's mail/vacation data

    def __post_init__(self) -> None:
        if not self.unique:
            self.unique = self.address

    def split(self) -> bool:
        """Set domain and local parts from the address (Exim: deliver_split_address).

        The domain is lower-cased; quoting is removed from the local part (a backslash
        escapes the next character, double quotes are dropped). False when there is no @.
        """
        address = self.address
        at = address.rfind("@")
        if at < 0:
            return False
        from pyexim.strings import lower
        from pyexim.taint import mark, taint_of
        tainted = taint_of(address)
        self.domain = mark(lower(address[at + 1:]), tainted)
        out = []
        i = 0
        while i < at:
            c = address[i]
            i += 1
            if c == '"':
                continue
            if c == "\\" and i < at:
                out.append(address[i])
                i += 1
            else:
                out.append(c)
        self.cc_local_part = mark("".join(out), tainted)
        self.lc_local_part = mark(lower(self.cc_local_part), tainted)
        self.local_part = self.lc_local_part
        return True

    def ancestors(self) -> list[AddressItem]:
        """The parents, nearest first."""
        found = []
        parent = self.parent
        while parent is not None:
            found.append(parent)
            parent = parent.parent
        return found

    def original(self) -> AddressItem:
        """The top-level address this one came from."""
        item = self
        while item.parent is not None:
            item = item.parent
        return item

    def child(self, address: str) -> AddressItem:
        """A new address generated from this one, with its propagated data copied."""
        return AddressItem(address, parent=self, prop=self.prop.copy())
