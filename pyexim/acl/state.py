"""What ACLs read and change, and what they ask of the session that runs them.

Exim keeps this in globals that ``acl.c`` and ``smtp_in.c`` share; pyexim keeps it in
an ``AclState`` (one per SMTP connection or local message), resets the per-message
part where Exim's ``smtp_reset`` does, and reaches the outside world (logs, host-name
lookups, routing for ``verify``) through the ``AclSession`` protocol, which the SMTP
session (pyexim.receive) and the expansion test mode implement.
"""

from __future__ import annotations

from typing import Protocol

from pyexim.expand import HeaderView
from pyexim.lists import ListCache
from pyexim.record import field, record

FAKE_REJECT_TEXT = ("Your message has been rejected but is being kept for evaluation.\n"
                    "If it was a legitimate message, it may still be delivered to the "
                    "target recipient(s).")


@record
class Address:
    """The recipient an RCPT (VRFY, PRDR) ACL is checking (Exim's address_item, as
    deliver_split_address leaves it): quoting removed from the local part, the domain
    lower-cased, ``local_part`` lower-cased unless ``control = caseful_local_part``."""

    address: str
    domain: str
    cc_local_part: str
    local_part: str
    domain_cache: ListCache = field(default_factory=ListCache)
    localpart_cache: ListCache = field(default_factory=ListCache)

    @classmethod
    def split(cls, address: str) -> Address:
        """Split ``local@domain`` as Exim's deliver_split_address does."""
        at = address.rfind("@")
        local, domain = (address[:at], address[at + 1:]) if at >= 0 else (address, "")
        out: list[str] = []
        i = 0
        while i < len(local):
            char = local[i]
            if char == '"':
                i += 1
                continue
            if char == "\\" and i + 1 < len(local):
                i += 1
                char = local[i]
            out.append(char)
            i += 1
        cc = "".join(out)
        return cls(address, domain.lower(), cc, cc.lower())


@record
class VerifiedSender:
    """A sender verification done in this message (Exim's sender_verified_list entry)."""

    address: str
    rc: str                       # "OK", "FAIL", "DEFER"
    routed: bool = False
    message: str | None = None
    user_message: str | None = None
    told: bool = False            # af_sverify_told: its detail was sent already
    callout: bool = False
    address_data: str | None = None


@record
class AddedHeader:
    """A header line an ACL asked for (add_header, or message= on warn), and where."""

    text: str
    position: str = "bottom"      # "bottom", "top", "after_received", "rfc"


@record
class AclState:
    """Exim's globals that ACLs change. Connection-wide first, then per message."""

    # connection-wide
    allow_auth_unadvertised: bool = False
    pipelining_enable: bool = True
    no_multiline_responses: bool = False
    enforce_sync: bool | None = None           # None: as configured
    disable_delay_flush: bool = False
    disable_callout_flush: bool = False
    queue_name: str = ""
    helo_verified: bool = False
    helo_verify_failed: bool = False
    csa_cache: dict[str, tuple[str, str]] = field(default_factory=dict)
    ratelimit_conn: dict[str, object] = field(default_factory=dict)
    host_cache: ListCache = field(default_factory=ListCache)
    # per message (Exim's smtp_reset)
    added_headers: list[AddedHeader] = field(default_factory=list)
    removed_headers: str | None = None
    queue_only_policy: bool = False
    queue_smtp: bool = False
    freeze: bool = False
    freeze_tell: bool = True
    fake_response: str | None = None           # None, "defer" or "fail"
    fake_response_text: str = FAKE_REJECT_TEXT
    submission_mode: bool = False
    submission_domain: str | None = None
    submission_name: str | None = None
    sender_retain: bool = False
    from_check: bool = True
    suppress_local_fixups: bool = False
    dkim_disable_verify: bool = False
    no_mbox_unspool: bool = False
    cutthrough: bool = False
    utf8_downconvert: int | None = None
    sender_verified: list[VerifiedSender] = field(default_factory=list)
    sender_verified_failed: VerifiedSender | None = None
    warn_logged: set[str] = field(default_factory=set)
    ratelimit_mail: dict[str, object] = field(default_factory=dict)
    sender_address_cache: ListCache = field(default_factory=ListCache)
    sender_domain_cache: ListCache = field(default_factory=ListCache)
    ratelimit_cmd: dict[str, object] = field(default_factory=dict)
    # per check
    log_reject_target: frozenset[str] = frozenset({"main", "reject"})
    temp_details: bool = False
    level: int = 0

    def reset_message(self, *, suppress_local_fixups: bool = False,
                      from_check: bool = True, sender_retain: bool = False) -> None:
        """What Exim's smtp_reset forgets between messages."""
        self.added_headers = []
        self.removed_headers = None
        self.queue_only_policy = self.queue_smtp = False
        self.freeze = False
        self.freeze_tell = True
        self.fake_response = None
        self.fake_response_text = FAKE_REJECT_TEXT
        self.submission_mode = False
        self.submission_domain = self.submission_name = None
        self.suppress_local_fixups = suppress_local_fixups
        self.from_check = from_check
        self.sender_retain = sender_retain
        self.dkim_disable_verify = False
        self.no_mbox_unspool = False
        self.cutthrough = False
        self.utf8_downconvert = None
        self.sender_verified = []
        self.sender_verified_failed = None
        self.warn_logged = set()
        self.ratelimit_mail = {}
        self.sender_address_cache = ListCache()
        self.sender_domain_cache = ListCache()


@record(frozen=True)
class HostLookup:
    """The outcome of looking up the client's name: "ok", "fail" or "defer", and Exim's
    host_lookup_msg for a failure."""

    rc: str
    message: str = ""


@record
class RouteVerify:
    """What verifying an address by routing found (for ``verify = recipient/sender``).

    ``rc`` is "OK", "FAIL" or "DEFER"; ``message``/``user_message`` the address's
    message and user message; ``address`` the address as verified (possibly rewritten);
    ``routed`` whether routing worked (for the sender cache; None: when rc is "OK");
    ``address_data`` the router's.
    """

    rc: str
    message: str | None = None
    user_message: str | None = None
    address: str | None = None
    routed: bool | None = None
    address_data: str | None = None
    pass_message: bool = False
    basic_errno: int = 0


class AclSession(Protocol):
    """What the ACL engine asks of whoever runs it."""

    host_checking: bool                 # -bh: skip delays, note what would happen

    def log(self, text: str, *, main: bool = True, reject: bool = False,
            panic: bool = False, selector: str | None = None) -> None:
        """Write one log line (Exim's log_write), unless *selector* is off."""

    def trace(self, text: str) -> None:
        """One line of the ACL trace (Exim's debug output; ``>>>`` lines under -bh)."""

    def host_and_ident(self, flag: bool) -> str:
        """``H=name (helo) [ip] U=ident`` as log lines show the client."""

    def host_name_lookup(self) -> HostLookup:
        """Find (once) the client's verified host name; sets $sender_host_name."""

    def verify_helo(self) -> None:
        """Check the HELO name against the client (sets state.helo_verified/failed)."""

    def verify_address(self, address: str, *, recipient: bool,
                       options: dict[str, object]) -> RouteVerify:
        """Route *address* in verify mode (``verify = recipient/sender``)."""

    def message_headers(self) -> list[HeaderView]:
        """The message's header lines (empty before DATA)."""

    def message_recipients(self) -> list[str]:
        """The accepted envelope recipients of the current message."""

    def message_body(self) -> str:
        """The body of the current message as engine text ("" before DATA)."""


__all__ = ["AclSession", "AclState", "AddedHeader", "Address", "FAKE_REJECT_TEXT",
           "HostLookup", "RouteVerify", "VerifiedSender"]
