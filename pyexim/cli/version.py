"""``pyexim -bV``: say what this pyexim is and check the configuration (spec: "-bV").

Like Exim, it prints a banner (pyexim's own, with the support lists in Exim's
layout), reads the configuration, and ends with ``Configuration file is FILE``; a
configuration Exim refuses gives ``pyexim configuration error in line N of FILE:``
and the indented reason on stderr, and exit status 1.

pyexim goes further than Exim: every error is reported in one run (Exim stops at
the first; pyexim's first is Exim's), and problems Exim finds only when a setting
is used (a router's undefined transport, a missing ACL, an unknown "+name" list,
a broken expansion) are printed as warnings, ``pyexim configuration warning in line
N of FILE:``, without changing the exit status.

The whole output of a successful check is cached with the configuration (see
pyexim/config/cache.py), so a repeated -bV costs little more than Python's start.
"""

from __future__ import annotations

import sys

from pyexim import EXIM_COMPAT_VERSION, __version__
from pyexim.cli.args import Invocation
from pyexim.cli.main import DEFAULT_CONFIG_FILES, config_file_for

# typing costs milliseconds to import; -bV is meant to be quick.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyexim.config import Reading

# The order in which Exim's -bV lists lookups; pyexim lists those it has, in this order.
_LOOKUP_ORDER = ("lsearch", "wildlsearch", "nwildlsearch", "iplsearch", "cdb", "dbm", "dbmjz",
                 "dbmnz", "dnsdb", "dsearch", "ldap", "ldapdn", "ldapm", "mysql", "nis", "nis0",
                 "passwd", "pgsql", "sqlite", "json", "testdb")


def _names(module_name: str, attribute: str) -> list[str]:
    """The keys of a registry dict, or [] when that part of pyexim cannot be imported."""
    from pyexim import load_module
    try:
        registry = getattr(load_module(module_name), attribute)
    except (ImportError, AttributeError):
        return []
    return sorted(registry)


def _lookups() -> list[str]:
    """Lookup types that work (those kept only to name a missing library are left out)."""
    from pyexim import load_module
    try:
        registry = load_module("pyexim.lookups.registry")
        external = load_module("pyexim.lookups.external")
    except ImportError:
        return []
    placeholders = {id(value) for value in vars(external).values()}
    have = {name for name, kind in registry.LOOKUP_TYPES.items() if id(kind) not in placeholders}
    return [name for name in _LOOKUP_ORDER if name in have]


def banner() -> str:
    """The text -bV prints before it reads the configuration (kept in the cache: it
    depends only on pyexim, and finding the lookup types means importing them all)."""
    from pyexim.config import cache
    saved = cache.code_result("bV-banner")
    if isinstance(saved, str):
        return saved
    text = _make_banner()
    cache.remember_code_result("bV-banner", text)
    return text


# What Exim does that pyexim does not do yet. The lines above list the drivers whose
# options pyexim reads and checks; this line keeps the banner honest about the rest.
NOT_BUILT = ("message reception (-bs, -bm, the -bd daemon), delivery (transports, -q, -M), "
             "TLS, callouts, authenticators other than plaintext and cram_md5")


def _make_banner() -> str:
    lines = [
        f"pyexim version {__version__} (Exim version {EXIM_COMPAT_VERSION} compatible)",
        "An Exim-compatible mail transfer agent in Python, GPL-2.0-or-later",
        "Support for: IPv6",
        "Lookups (built-in): " + " ".join(_lookups()),
        "Authenticators: " + " ".join(_names("pyexim.auth.registry", "DRIVERS")),
        "Routers: " + " ".join(_names("pyexim.routers.registry", "DRIVERS")),
        "Transports: " + " ".join(_names("pyexim.transports.registry", "DRIVERS")),
        "Not built yet: " + NOT_BUILT,
    ]
    return "".join(line + "\n" for line in lines)


def _heading(kind: str, loc: object) -> str:
    return f"pyexim configuration {kind} in {loc}:" if loc else f"pyexim configuration {kind}:"


def check(path: str, macros: list[tuple[str, str]],
          search_path: str | None) -> tuple[str, str, int, Reading]:
    """Read *path* (no cache): (stdout text after the banner, stderr text, status, reading)."""
    from pyexim.config import read_config
    from pyexim.config.options import exim_error_text
    from pyexim.config.source import ConfigFileError

    reading = read_config(path, macros)
    if search_path and reading.errors and isinstance(reading.errors[0], ConfigFileError):
        # Exim names the whole list it searched.
        reading.errors[0] = ConfigFileError(
            f"non-existent configuration file(s): {search_path}")
    err = [exim_error_text(error, "pyexim") + "\n" for error in reading.errors]
    err += [f"{_heading('warning', loc)}\n  {reason}\n" for reason, loc in reading.warnings]
    if reading.errors:
        return "", "".join(err), 1, reading
    out = summary(reading)
    out += f"Configuration file search path is {search_path}\n" if search_path else ""
    out += f"Configuration file is {path}\n"
    return out, "".join(err), 0, reading


def _count(number: int, word: str) -> str:
    return f"{number} {word}" + ("" if number == 1 else "s")


def summary(reading: Reading) -> str:
    """pyexim's line saying what it checked (Exim prints nothing of the kind)."""
    config = reading.config
    if config is None:
        return ""
    statements = sum(len(acl.statements) for acl in config.acls.values())
    lists = sum(len(kind) for kind in config.named_lists.values())
    parts = [
        _count(sum(1 for s in config.main.values() if s.implied_by is None), "main option"),
        _count(lists, "named list"),
        f"{_count(len(config.acls), 'ACL')} ({_count(statements, 'statement')})",
        _count(len(config.routers), "router"),
        _count(len(config.transports), "transport"),
        _count(len(config.authenticators), "authenticator"),
        _count(len(config.retry_rules), "retry rule"),
        _count(len(config.rewrite_rules), "rewrite rule"),
        _count(len(reading.warnings), "warning"),
    ]
    return "Checked: " + ", ".join(parts) + "\n"


def run(invocation: Invocation) -> int:
    """-bV: banner, configuration check, exit status 0 or 1 as Exim gives."""
    from pyexim.config import cached_result, remember_reading

    path = config_file_for(invocation)
    listed = invocation.config_file or ":".join(DEFAULT_CONFIG_FILES)
    search_path = listed if ":" in listed else None
    macros = list(invocation.macros)
    saved = cached_result(path, macros, None, "bV")
    if isinstance(saved, tuple) and len(saved) == 3:
        out, err, status = saved
    else:
        text = banner()
        after, err, status, reading = check(path, macros, search_path)
        out = text + after
        remember_reading(path, macros, None, reading, bV=(out, err, status))
    stdout = sys.stdout.buffer
    stdout.write(out.encode("utf-8", "surrogateescape"))
    stdout.flush()
    if err:
        sys.stderr.buffer.write(err.encode("utf-8", "surrogateescape"))
    return int(status)
