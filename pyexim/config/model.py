"""The configuration as pyexim holds it once read: frozen records (pyexim.record) (Exim: readconf.c's results).

Everything keeps the SourceLoc it came from. Option values are as the option
tables parse them (pyexim/config/options.py); expandable strings stay raw, to be
expanded when used, as Exim does. Mappings are plain dicts (so a Config can be
cached with pickle); treat them as read-only.
"""

from __future__ import annotations

from collections.abc import Mapping

from pyexim import load_module
from pyexim.config.source import Macro, MacroTable
from pyexim.errors import SourceLoc
from pyexim.record import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyexim.config.options import DriverFamily, OptionSetting

__all__ = [
    "DRIVER_KINDS",
    "NAMED_LIST_KINDS",
    "Acl",
    "AclCondition",
    "AclStatement",
    "Config",
    "DriverInstance",
    "Macro",
    "NamedList",
    "RetryRule",
    "RewriteRule",
    "driver_family",
]

# Named list kinds as the configuration spells them ("domainlist" -> "domain").
NAMED_LIST_KINDS = {"domainlist": "domain", "hostlist": "host", "addresslist": "address",
                    "localpartlist": "localpart"}

# Driver kind -> (package, name of its DriverFamily in <package>.registry).
DRIVER_KINDS = {"router": ("pyexim.routers", "ROUTERS"),
                "transport": ("pyexim.transports", "TRANSPORTS"),
                "authenticator": ("pyexim.auth", "AUTHENTICATORS")}


_FAMILIES: dict[str, DriverFamily] = {}


def driver_family(kind: str) -> DriverFamily:
    """The DriverFamily (generic options + registry of drivers) of "router", "transport"
    or "authenticator"."""
    family = _FAMILIES.get(kind)
    if family is None:
        package, name = DRIVER_KINDS[kind]
        family = _FAMILIES[kind] = getattr(load_module(package + ".registry"), name)
    return family


@record(frozen=True)
class NamedList:
    """``domainlist``/``hostlist``/``addresslist``/``localpartlist`` NAME = value.

    ``value`` is raw (expanded when used). ``cached`` is False when the value
    contains "$" and ``_cache`` was not given: Exim then does not remember match
    results. ``hide``: set with the ``hide`` prefix (-bP shows no value).
    """

    kind: str
    name: str
    value: str
    cached: bool
    loc: SourceLoc
    hide: bool = False


@record(frozen=True)
class AclCondition:
    """One condition or modifier of an ACL statement, e.g. ``hosts = +relay_from_hosts``.

    ``value`` is the raw text after ``=`` ("" for ``endpass``). For ``set``,
    ``variable`` is the variable's name (``acl_m0``, ``acl_c_count``, or
    ``dkim_verify_status``/``dkim_verify_reason``) and ``value`` what follows its ``=``.
    """

    name: str
    value: str
    negated: bool
    loc: SourceLoc
    variable: str | None = None


@record(frozen=True)
class AclStatement:
    """A verb (accept, defer, deny, discard, drop, require, warn) and its conditions in order."""

    verb: str
    conditions: tuple[AclCondition, ...]
    loc: SourceLoc


@record(frozen=True)
class Acl:
    """A named ACL from ``begin acl``; an ACL may have no statements."""

    name: str
    statements: tuple[AclStatement, ...]
    loc: SourceLoc


@record(frozen=True)
class DriverInstance:
    """A router, transport or authenticator as configured (``name:`` and its options).

    ``settings`` holds the options set in the file (and values Exim derives after
    reading, marked ``implied_by``); ``get()`` gives any option's value, falling
    back to the generic or the driver's own default.
    """

    kind: str
    name: str
    driver: str
    settings: Mapping[str, OptionSetting]
    loc: SourceLoc

    def get(self, name: str) -> object:
        """The value of option *name*: as set, else its default. KeyError if no such option."""
        return driver_family(self.kind).value(self.settings, name)

    def is_set(self, name: str) -> bool:
        """True when the option was set in the file (or derived from one that was)."""
        return name in self.settings


@record(frozen=True)
class RetryRule:
    """One rule of ``begin retry``: a pattern, an error and the retry parameters.

    ``error`` is as written ("*", "quota_7d", "timeout_connect_MX", ...);
    ``error_kind`` names its class ("*", "quota", "refused", "timeout", "mail_4xx",
    "rcpt_4xx", "data_4xx", "auth_failed", "lost_connection", "tls_required",
    "lookup") and ``error_data`` its detail (a time for quota, "A"/"MX" for refused
    and timeout, "connect"/"connect_A"/"connect_MX" for timeout, the code digits for
    the 4xx kinds), or None. ``rules`` are (letter F/G/H, timeout seconds, p1
    seconds, p2 as thousandths or 0 for F).
    """

    pattern: str
    error: str
    rules: tuple[tuple[str, int, int, int], ...]
    loc: SourceLoc
    senders: str | None = None
    error_kind: str = "*"
    error_data: str | int | None = None


@record(frozen=True)
class RewriteRule:
    """One rule of ``begin rewrite``: pattern, replacement (raw) and flag letters as written."""

    pattern: str
    replacement: str
    flags: str
    loc: SourceLoc


@record(frozen=True)
class Config:
    """A whole configuration, as read and checked.

    ``main`` holds the main options set in the file (plus values Exim derives once the
    main section is read); ``option()`` gives any main option's value.
    ``config_lines`` is what ``-bP config`` prints from (see normalised.py);
    ``warnings`` are problems Exim only finds when the setting is used (reason, where).
    """

    path: str
    macros: tuple[Macro, ...]
    main: Mapping[str, OptionSetting]
    named_lists: Mapping[str, Mapping[str, NamedList]]
    acls: Mapping[str, Acl]
    routers: tuple[DriverInstance, ...]
    transports: tuple[DriverInstance, ...]
    authenticators: tuple[DriverInstance, ...]
    retry_rules: tuple[RetryRule, ...]
    rewrite_rules: tuple[RewriteRule, ...]
    local_scan: Mapping[str, OptionSetting] = field(default_factory=dict)
    config_lines: tuple[str, ...] = ()
    warnings: tuple[tuple[str, SourceLoc | None], ...] = ()
    # Every main option's value (as set, else the default), worked out when the file is
    # read, so that a command given a cached configuration need not import the option
    # table (1.4 ms) to learn a default.
    main_values: Mapping[str, object] = field(default_factory=dict, compare=False, repr=False)

    def option(self, name: str) -> object:
        """The value of main option *name*: as set, else its default. KeyError if unknown."""
        if self.main_values:  # every option is there: a name missing is unknown
            return self.main_values[name]
        from pyexim.config.main_options import MAIN_OPTIONS
        from pyexim.config.options import value_of
        return value_of(MAIN_OPTIONS, self.main, name)

    def named_list(self, kind: str, name: str) -> NamedList | None:
        """The named list *name* of *kind* ("domain", "host", "address", "localpart"), or None."""
        return self.named_lists.get(kind, {}).get(name)

    def router(self, name: str) -> DriverInstance | None:
        """The router called *name*, or None."""
        return next((r for r in self.routers if r.name == name), None)

    def transport(self, name: str) -> DriverInstance | None:
        """The transport called *name*, or None."""
        return next((t for t in self.transports if t.name == name), None)

    def authenticator(self, name: str) -> DriverInstance | None:
        """The authenticator called *name*, or None."""
        return next((a for a in self.authenticators if a.name == name), None)

    def macro_table(self) -> MacroTable:
        """A fresh macro table: the built-in macros, then this configuration's macros.

        For modes that take more macro definitions (-be reads ``NAME = value`` lines):
        ``table.define(line, None)`` and ``table.expand(text)``.
        """
        table = MacroTable(cli_macros=[(m.name, m.value) for m in self.macros
                                       if m.from_command_line])
        for macro in self.macros:
            if not macro.from_command_line:
                table.add(macro.name, macro.value, macro.loc, False)
        return table

    def apply_macros(self, text: str) -> str:
        """Macro substitution as Exim applies it to a -be input line."""
        return self.macro_table().expand(text)[0]
