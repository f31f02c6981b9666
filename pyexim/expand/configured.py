"""An expansion context made from a configuration (Exim: the globals readconf.c sets).

``context_from_config(config)`` gives the context every part of pyexim starts from: the
main options that are also variables (``$primary_hostname``, ``$qualify_domain``,
``$spool_directory``, ``$spf_guess``...), the options that change how expansion
behaves, the named lists, the environment Exim keeps, a lookup context and the
sender-host name lookup. Callers add what they know about the message, the client and
the address being handled.
"""

from __future__ import annotations

import os
import pwd
import sys
import time
from collections.abc import Callable, Mapping

from pyexim import EXIM_COMPAT_VERSION
from pyexim.expand import ExpansionContext, ExpansionOptions, from_engine, to_engine
from pyexim.taint import Tainted

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from pyexim.resolver import HostNames


def context_from_config(config: Any, path: str | None = None, *,
                        panic_log: Callable[[str], None] | None = None) -> ExpansionContext:
    """A context holding what *config* (a pyexim.config.model.Config) gives expansion.

    *path* is the configuration file as named on the command line ($config_file is its
    absolute form); *panic_log* receives what Exim writes to the panic log (default:
    standard error, with Exim's time stamp).
    """
    log = panic_log or panic_to_stderr
    qualify_domain = _text(option(config, "qualify_domain", ""))
    primary = _text(option(config, "primary_hostname", ""))
    absolute = os.path.abspath(path if path is not None else config.path)
    values: dict[str, object] = {
        "primary_hostname": primary,
        "smtp_active_hostname": primary,
        "qualify_domain": qualify_domain,
        "qualify_recipient": _text(option(config, "qualify_recipient", qualify_domain)),
        "spool_directory": _text(option(config, "spool_directory", "")),
        "spf_guess": _text(option(config, "spf_guess", "")),
        "log_file_path": _text(option(config, "log_file_path", "")),
        "bounce_return_size_limit": int_option(config, "bounce_return_size_limit", 0),
        "exim_path": _text(option(config, "exim_path", sys.argv[0])),
        "config_file": to_engine(absolute),
        "config_dir": to_engine(os.path.dirname(absolute)),
        "exim_version": EXIM_COMPAT_VERSION,
        "compile_number": "1",
        "compile_date": time.strftime("%d-%b-%Y %H:%M:%S", time.localtime(
            os.path.getmtime(__file__))),
        "localhost_number": int_option(config, "localhost_number", 0),
        "interface_port": -1,
    }
    exim_user = option(config, "exim_user", None)
    try:
        entry = pwd.getpwnam(str(exim_user)) if exim_user is not None else None
    except KeyError:
        entry = None
    if entry is not None:
        values["exim_uid"], values["exim_gid"] = entry.pw_uid, entry.pw_gid
    options = ExpansionOptions(
        headers_charset=str(option(config, "headers_charset", "UTF-8")),
        print_topbitchars=bool(option(config, "print_topbitchars", False)),
        check_rfc2047_length=bool(option(config, "check_rfc2047_length", True)),
        header_insert_maxlen=int_option(config, "header_insert_maxlen", 64 * 1024),
        strict_acl_vars=bool(option(config, "strict_acl_vars", False)),
        message_body_visible=int_option(config, "message_body_visible", 500),
        message_body_newlines=bool(option(config, "message_body_newlines", False)),
        allow_domain_literals=bool(option(config, "allow_domain_literals", False)),
        allow_utf8_domains=bool(option(config, "allow_utf8_domains", False)),
        strip_excess_angle_brackets=bool(option(config, "strip_excess_angle_brackets",
                                                 False)),
        strip_trailing_dot=bool(option(config, "strip_trailing_dot", False)),
        perl_startup=_optional_text(option(config, "perl_startup", None)),
        timestamps_utc=bool(option(config, "timestamps_utc", False)),
    )
    ctx = ExpansionContext(config=config, values=values, options=options,
                           named_lists=_named_lists(config),
                           environ=exim_environment(config), panic_log=log)
    ctx.lookup_context = _lookup_context(config, ctx, log)
    ctx.host_name_lookup = host_name_lookup
    return ctx


def option(config: Any, name: str, default: object = None) -> object:
    """Main option *name* of *config*, or *default* when unset or unknown."""
    try:
        value = config.option(name)
    except KeyError:
        return default
    return default if value is None else value


def int_option(config: Any, name: str, default: int) -> int:
    """An integer main option, or *default*."""
    value = option(config, name, default)
    return value if isinstance(value, int) else default


def _optional_text(value: object) -> str | None:
    return None if value is None else str(value)


def _text(value: object) -> str:
    """A configuration value as engine text."""
    return to_engine(str(value))


def _named_lists(config: Any) -> dict[str, dict[str, Any]]:
    """The configuration's named lists, their values as engine text."""
    from pyexim.expand.context import NamedListView
    out: dict[str, dict[str, Any]] = {}
    for kind, lists in getattr(config, "named_lists", {}).items():
        out[kind] = {name: NamedListView(to_engine(named.value), named.cached)
                     for name, named in lists.items()}
    return out


def _lookup_context(config: Any, ctx: ExpansionContext, log: Callable[[str], None]) -> Any:
    from pyexim.lookups.context import LookupContext
    options = {name: option(config, name) for name in
               ("primary_hostname", "dns_retrans", "dns_retry", "host_lookup_order",
                "dns_use_edns0", "dns_dnssec_ok")}
    return LookupContext(clock=ctx.clock, options=options,
                         log=lambda message, panic: log(message) if panic else None)


def host_name_lookup(ctx: ExpansionContext) -> str | None:
    """Find the sender host's name from its address ($sender_host_name), once."""
    address = str(ctx.values.get("sender_host_address") or "")
    try:
        names: HostNames = ctx.lookup_context.resolver.host_name_lookup(address)
    except Exception:  # noqa: BLE001 - a resolver that cannot start counts as a deferral
        ctx.values["host_lookup_deferred"] = 1
        return None
    if names.status == "ok" and names.name:
        ctx.values["sender_host_name"] = Tainted(names.name)
        return names.name
    if names.status == "again":
        ctx.values["host_lookup_deferred"] = 1
    else:
        ctx.values["host_lookup_failed"] = 1
    return None


def exim_environment(config: Any) -> dict[str, str]:
    """The environment Exim runs with after start-up (environment_after_startup), as
    engine text."""
    kept = environment_after_startup(
        os.environ, _optional_text(option(config, "keep_environment", None)),
        _optional_text(option(config, "add_environment", None)),
        _optional_text(option(config, "timezone", None)))
    return {to_engine(k): to_engine(v) for k, v in kept.items()}


def environment_after_startup(environ: Mapping[str, str], keep: str | None, add: str | None,
                              timezone: str | None) -> dict[str, str]:
    """Exim's cleanup_environment() and exim.c's TZ setting.

    Only the variables that match the keep_environment list stay (a string list, not
    expanded: names, ``^regex``, ``*suffix``, ``!`` negation; none when it is unset).
    Each add_environment item is then put as putenv() takes it: ``NAME=value`` sets,
    a bare NAME removes (glibc). Last, TZ follows the ``timezone`` option unless that is
    "UTC" (Exim then prints times in UTC whatever TZ says, and leaves TZ alone).
    """
    from pyexim import lists
    from pyexim.strings import list_items
    kept: dict[str, str] = {}
    if keep:
        context = lists.SimpleListContext()
        kept = {name: value for name, value in environ.items()
                if lists.match_string_list(name, keep, context, caseless=False).matched}
    for item in list_items(add or ""):
        name, equals, value = item.partition("=")
        if equals:
            kept[name] = value
        else:
            kept.pop(name, None)
    if timezone is None or timezone.lower() != "utc":
        kept.pop("TZ", None)
        if timezone is not None:
            kept["TZ"] = timezone
    return kept


def panic_to_stderr(message: str) -> None:
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    sys.stdout.flush()
    sys.stderr.write(f"{stamp} {from_engine(message)}\n")


