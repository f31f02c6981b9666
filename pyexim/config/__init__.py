"""exim.conf -> a frozen object model (Exim: readconf.c).

Contract: ``load_config(path, cli_macros)`` reads a configuration file the way Exim
4.96 does (preprocessor: macros, ``.include``, ``.ifdef``, continuations; then the
sections) and returns a frozen ``Config``; every option value, ACL statement, driver
instance, named list, retry and rewrite rule carries the ``SourceLoc`` it came from.
Expandable strings are kept raw (expanded later, when used, as Exim does). A
configuration Exim would refuse raises ``ConfigErrors`` carrying one ``ConfigError``
per problem, each with Exim's wording and line. Nothing here touches the network,
the spool or Twisted.

The pipeline: source.py (preprocessor) -> parser.py (Lark grammar) -> transform.py
(model.py objects, option values through options.py, ACL lines through
acl_line.py) -> checks.py (what Exim only finds at use time: warnings);
normalised.py prints it back for -bP config. cache.py keeps the result between runs, so importing
this package stays cheap: Lark is imported only when a file has to be read.
"""

from __future__ import annotations

import os

from pyexim.errors import ConfigError, ConfigErrors, SourceLoc

# typing and dataclasses cost milliseconds to import; this package is on -bV's
# quick path, so neither is imported here at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from pyexim.config.cache import Fingerprint
    from pyexim.config.model import Config

__all__ = ["ConfigError", "ConfigErrors", "Reading", "load_config", "read_config"]


class Reading:
    """The outcome of reading a configuration without the cache.

    ``errors`` are what Exim refuses (first the one Exim reports), ``warnings``
    what Exim finds only at use time; ``deps`` the files the result depends on.
    ``cacheable`` is False when a value was expanded while reading: an expansion can
    read files and the environment, which the cache cannot watch.
    """

    __slots__ = ("cacheable", "config", "deps", "errors", "warnings")

    def __init__(self, config: Config | None, errors: list[ConfigError],
                 warnings: list[tuple[str, SourceLoc | None]],
                 deps: list[tuple[str, Fingerprint | None]], cacheable: bool = True) -> None:
        self.config = config
        self.errors = errors
        self.warnings = warnings
        self.deps = deps
        self.cacheable = cacheable


def _host_key(hostname: str | None) -> str:
    # Defaults such as primary_hostname come from the host name: part of the cache key.
    return hostname if hostname is not None else "uname:" + os.uname().nodename


def read_time_expand(text: str) -> str:
    """Expand one of the few values Exim expands while reading (trusted_users,
    spool_directory, ...), with the expansion engine's configuration-time expander
    (``pyexim.expand.expand_for_config``), imported only when such a value turns up.

    Raises NotAvailableError when the expansion engine does not provide it yet.
    """
    try:
        from pyexim.expand import expand_for_config
    except ImportError:
        from pyexim.errors import NotAvailableError
        raise NotAvailableError("expansion while reading the configuration "
                                f"(pyexim.expand.expand_for_config), needed for {text!r}"
                                ) from None
    result: str = expand_for_config(text)
    return result


def read_config(path: str, cli_macros: Sequence[tuple[str, str]] = (), *,
                hostname: str | None = None) -> Reading:
    """Read and check *path* from scratch (no cache); never raises for a broken file."""
    from pyexim.config import cache
    from pyexim.config.checks import runtime_warnings
    from pyexim.config.normalised import header_line
    from pyexim.config.source import preprocess
    from pyexim.config.transform import build
    from pyexim.record import replace

    expanded: list[str] = []

    def expand(text: str) -> str:
        if "$" in text:
            expanded.append(text)
        return read_time_expand(text)

    source = preprocess(path, cli_macros)
    config, positioned = build(source, hostname=hostname, expand=expand)
    positioned.sort(key=lambda item: item[0])
    errors = [error for _pos, error in positioned]
    warnings = [*config.warnings, *runtime_warnings(config)] if config is not None else []
    if config is not None:
        config = replace(config, config_lines=(header_line(), *source.config_lines),
                         warnings=tuple(warnings))
    deps = [(dep.path, dep.fingerprint) for dep in source.deps]
    deps += cache.fingerprints(cache.SYSTEM_DEPS)
    return Reading(config, errors, warnings, deps, cacheable=not expanded)


def load_config(path: str, cli_macros: Sequence[tuple[str, str]] = (), *,
                hostname: str | None = None) -> Config:
    """The configuration in *path*, read as Exim 4.96 reads it (cached between runs).

    *cli_macros* are the -D definitions in command-line order; *hostname* replaces
    the machine's name where Exim derives defaults from it (primary_hostname).
    Raises ConfigErrors (every error found, Exim's first one first) when Exim would
    refuse the configuration.
    """
    from pyexim.config import cache

    key = _host_key(hostname)
    entry = cache.load(path, cli_macros, key)
    if entry is not None and "config" in entry.results:
        # The C unpickler alone: the pickle module around it costs another 1.1 ms to import.
        from _pickle import UnpicklingError, loads
        try:
            config: Config = loads(entry.results["config"])
            return config
        except (UnpicklingError, EOFError, ImportError, AttributeError, TypeError,
                ValueError, IndexError, KeyError):
            pass  # a broken or outdated entry is rebuilt
    reading = read_config(path, cli_macros, hostname=hostname)
    if reading.errors or reading.config is None:
        raise ConfigErrors(reading.errors)
    remember_reading(path, cli_macros, hostname, reading)
    return reading.config


def remember_reading(path: str, cli_macros: Sequence[tuple[str, str]], hostname: str | None,
                     reading: Reading, **results: object) -> None:
    """Cache a successful reading (and any extra results, e.g. -bV's output)."""
    import pickle

    from pyexim.config import cache
    if reading.errors or reading.config is None or not reading.cacheable:
        return
    results["config"] = pickle.dumps(reading.config, protocol=pickle.HIGHEST_PROTOCOL)
    cache.store(path, cli_macros, _host_key(hostname), reading.deps, results)


def cached_result(path: str, cli_macros: Sequence[tuple[str, str]], hostname: str | None,
                  name: str) -> object:
    """A result stored beside the cached Config (e.g. "bV" text), or None."""
    from pyexim.config import cache
    entry = cache.load(path, cli_macros, _host_key(hostname))
    return entry.results.get(name) if entry is not None else None


def remember_result(path: str, cli_macros: Sequence[tuple[str, str]], hostname: str | None,
                    name: str, value: object) -> None:
    """Store a result beside the cached Config (needs a fresh entry; else ignored)."""
    from pyexim.config import cache
    key = _host_key(hostname)
    entry = cache.load(path, cli_macros, key)
    if entry is not None:
        cache.update(path, cli_macros, key, entry, **{name: value})
