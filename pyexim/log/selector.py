"""``log_selector``: which optional items and lines the logs carry (spec: "Log files"; Exim: globals.c log_options, log.c decode_bits)."""

from __future__ import annotations

from pyexim.errors import ConfigError
from pyexim.record import record
from pyexim.strings import NAME_CHARS, span

# Every selector name Exim 4.96 (Debian's build) accepts, "all" included.
LOG_SELECTOR_NAMES: tuple[str, ...] = (
    "8bitmime", "acl_warn_skipped", "address_rewrite", "all", "all_parents", "arguments",
    "connection_reject", "delay_delivery", "deliver_time", "delivery_size", "dkim",
    "dkim_verbose", "dnslist_defer", "dnssec", "etrn", "host_lookup_failed",
    "ident_timeout", "incoming_interface", "incoming_port", "lost_incoming_connection",
    "millisec", "msg_id", "msg_id_created", "outgoing_interface", "outgoing_port", "pid",
    "pipelining", "protocol_detail", "proxy", "queue_run", "queue_time",
    "queue_time_exclusive", "queue_time_overall", "receive_time", "received_recipients",
    "received_sender", "rejected_header", "rejected_headers", "retry_defer",
    "return_path_on_delivery", "sender_on_delivery", "sender_verify_fail", "size_reject",
    "skip_delivery", "smtp_confirmation", "smtp_connection", "smtp_incomplete_transaction",
    "smtp_mailauth", "smtp_no_mail", "smtp_protocol_error", "smtp_syntax_error", "subject",
    "tls_certificate_verified", "tls_cipher", "tls_peerdn", "tls_resumption", "tls_sni",
    "unknown_in_list",
)
_ALIASES = {"rejected_headers": "rejected_header"}

DEFAULT_LOG_SELECTOR: frozenset[str] = frozenset({
    "acl_warn_skipped", "connection_reject", "delay_delivery", "dkim", "dnslist_defer",
    "etrn", "host_lookup_failed", "lost_incoming_connection", "outgoing_interface", "msg_id",
    "queue_run", "queue_time_exclusive", "rejected_header", "retry_defer",
    "sender_verify_fail", "size_reject", "skip_delivery", "smtp_confirmation",
    "tls_certificate_verified", "tls_cipher",
})

_ALL = frozenset(n for n in LOG_SELECTOR_NAMES if n != "all" and n not in _ALIASES)


@record(frozen=True)
class LogSelector:
    """Which optional log items are on. ``"name" in selector`` tests one."""

    enabled: frozenset[str] = DEFAULT_LOG_SELECTOR

    def __contains__(self, name: str) -> bool:
        return name in self.enabled

    @classmethod
    def parse(cls, text: str | None) -> LogSelector:
        """Apply a ``log_selector`` setting to Exim's defaults, as decode_bits() does.

        Raises ConfigError with Exim's wording ("unknown log_selector setting: +foo",
        "malformed log_selector setting: + or - expected but found ...").
        """
        enabled = set(DEFAULT_LOG_SELECTOR)
        if text is None:
            return cls(frozenset(enabled))
        rest = text
        if rest.startswith("="):
            return cls(_numeric_selector(text))
        while True:
            rest = rest.lstrip(" \t\n\r\f\v")
            if not rest:
                return cls(frozenset(enabled))
            if rest[0] not in "+-":
                raise ConfigError("malformed log_selector setting: "
                                  f"+ or - expected but found \"{rest}\"")
            adding = rest[0] == "+"
            end = 1
            end = span(rest, NAME_CHARS, end)
            name = rest[1:end]
            rest = rest[end:]
            if name not in LOG_SELECTOR_NAMES:
                raise ConfigError(f"unknown log_selector setting: {'+' if adding else '-'}{name}")
            name = _ALIASES.get(name, name)
            if name == "all":
                enabled = set(_ALL) if adding else set()
            elif adding:
                enabled.add(name)
            else:
                enabled.discard(name)


# The selectors of the first selector word, in bit order: "=N" sets exactly these bits
# (an internal form Exim uses when it re-executes itself).
_FIRST_WORD = ("address_rewrite", "all_parents", "connection_reject", "delay_delivery",
               "dnslist_defer", "etrn", "host_lookup_failed", "lost_incoming_connection",
               "queue_run", "retry_defer", "size_reject", "skip_delivery", "smtp_connection",
               "smtp_incomplete_transaction", "smtp_protocol_error", "smtp_syntax_error")


def _numeric_selector(text: str) -> frozenset[str]:
    """"=<number>" (C strtoul base 0): all other selectors off."""
    number = text[1:]
    try:
        if number.lower().startswith("0x"):
            value = int(number[2:], 16)
        elif number.startswith("0") and len(number) > 1:
            value = int(number[1:], 8)
        else:
            value = int(number, 10)
    except ValueError:
        raise ConfigError(f"malformed numeric log_selector setting: {text}") from None
    return frozenset(name for bit, name in enumerate(_FIRST_WORD) if value >> bit & 1)
