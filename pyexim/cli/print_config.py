"""``pyexim -bP``: print configuration values (spec: "-bP" in "The Exim command line").

Forms, as exim.c and readconf_print() handle them:
- no names: every main option that is not hidden;
- ``NAME``: one main option (hidden ones too), or ``NAME is not a known option``;
- ``router NAME`` / ``transport NAME`` / ``authenticator NAME`` / ``macro NAME``;
  ``routers`` / ``transports`` / ``authenticators`` / ``macros`` print all of a kind,
  ``router_list`` ... ``macro_list`` only their names;
- ``+NAME``: a named list; ``config_file`` / ``configure_file``: the file name;
- ``config`` (as the first name): the normalised configuration text; ``environment``;
- ``local_scan``: Debian's build has no local_scan options.
``-n`` leaves out the ``name = `` labels. The exit status follows Exim's: a
driver or macro name that is not found fails the run, but for plain names only
the *last* one decides (exim.c assigns its fail flag instead of or-ing it).

A configuration error is printed to stderr in the form Exim uses under -bP
(which turns on -v): ``LOG: PANIC DIE`` then the indented message; exit 1.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence

from pyexim.cli.args import Invocation
from pyexim.cli.common import is_admin
from pyexim.cli.main import config_file_for
from pyexim.errors import ConfigError, ConfigErrors

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyexim.config.options import OptionSetting

# Items followed by a name (exim.c: only when another argument follows).
_TYPED = ("router", "transport", "authenticator", "macro", "environment")

# Exim refuses -bP items longer than its name buffer (EXIM_DRIVERNAME_MAX).
_ITEM_MAX = 64


def run(invocation: Invocation) -> int:
    """Print what the -bP arguments ask for; 0, or 1 when something was not found."""
    path = config_file_for(invocation)
    names = list(invocation.arguments)
    if names and names[0] == "config":
        from pyexim.config.normalised import normalised_config
        try:
            text = normalised_config(path, invocation.macros, terse=invocation.names_only)
        except (ConfigErrors, ConfigError) as error:
            return _report(error)
        _write(text)
        return 0
    for index, item in enumerate(names):
        if len(item) > _ITEM_MAX:
            previous = names[index - 1] if index else ""
            what = "-bP name" if previous in _TYPED and index else "-bP item"
            print(f"pyexim: length limit exceeded ({len(item)} > {_ITEM_MAX}) for: {what}",
                  file=sys.stderr)
            return 1
    from pyexim.config import cached_result, load_config, remember_result
    # The answer depends only on the configuration (which the cache watches), the
    # names asked for and who asks (admin users see hidden values): kept beside the
    # cached configuration, so a repeated -bP skips loading the option tables.
    # "environment" depends on the process environment and is never kept.
    result_name = None if "environment" in names else "bP\0{}\0{}\0{}\0{}".format(
        invocation.names_only, os.getuid(), sorted({os.getgid(), *os.getgroups()}),
        "\0".join(names))
    saved = cached_result(path, invocation.macros, None, result_name) if result_name else None
    if isinstance(saved, tuple):
        text, complaints, status = saved
    else:
        try:
            config = load_config(path, invocation.macros)
        except (ConfigErrors, ConfigError) as error:
            return _report(error)
        printer = Printer(config, path, labels=not invocation.names_only,
                          admin=is_admin(config))
        out, complaints, status = answer(printer, names)
        text = "".join(line + "\n" for line in out)
        if result_name:
            remember_result(path, invocation.macros, None, result_name,
                            (text, complaints, status))
    _write(text)
    for complaint in complaints:
        print(complaint, file=sys.stderr)
    return status


def answer(printer: Printer, names: Sequence[str]) -> tuple[list[str], list[str], int]:
    """exim.c's -bP loop: (stdout lines, stderr lines, exit status) for *names*."""
    if not names:
        lines, ok = printer.item("all")
        return lines, [], 0 if ok else 1
    out: list[str] = []
    failed = False
    index = 0
    while index < len(names):
        item = names[index]
        if item in _TYPED and index < len(names) - 1:
            lines, ok = printer.typed(item, names[index + 1])
            failed |= not ok
            index += 2
        else:
            lines, ok = printer.item(item)
            # exim.c assigns rather than or-s the flag here (a quirk kept on purpose).
            failed = not ok
            index += 1
        out.extend(lines)
    complaints = list(printer.complaints)
    printer.complaints.clear()
    return out, complaints, 1 if failed else 0


def _report(error: ConfigErrors | ConfigError) -> int:
    """A configuration error as Exim shows it under -bP (the first one, where Exim stops)."""
    from pyexim.config.options import panic_die_text
    first = error.errors[0] if isinstance(error, ConfigErrors) else error
    sys.stderr.write(panic_die_text(first, "pyexim"))
    return 1


def _write(text: str) -> None:
    sys.stdout.buffer.write(text.encode("utf-8", "surrogateescape"))
    sys.stdout.buffer.flush()


class Printer:
    """readconf_print() over a loaded configuration."""

    def __init__(self, config: object, path: str, *, labels: bool, admin: bool):
        from pyexim.auth.registry import AUTHENTICATORS
        from pyexim.config.main_options import MAIN_OPTIONS
        from pyexim.routers.registry import ROUTERS
        from pyexim.transports.registry import TRANSPORTS
        self.config = config
        self.path = path
        self.labels = labels
        self.admin = admin
        self.main_table = MAIN_OPTIONS
        self.main: Mapping[str, OptionSetting] = getattr(config, "main", {})
        self.families = {"router": (ROUTERS, "routers"), "transport": (TRANSPORTS, "transports"),
                         "authenticator": (AUTHENTICATORS, "authenticators")}
        # Messages for stderr (e.g. macros asked for by a caller who is not admin).
        self.complaints: list[str] = []

    def _instances(self, kind: str) -> list[tuple[str, Mapping[str, OptionSetting]]]:
        attribute = self.families[kind][1]
        return [(instance.name, instance.settings)
                for instance in getattr(self.config, attribute, ())]

    def _macros(self) -> list[tuple[str, str]]:
        """Exim's macro list: the built-in ones, then -D and file macros in definition order."""
        from pyexim.config.builtin_macros import BUILTIN_MACROS
        user = [(macro.name, macro.value) for macro in getattr(self.config, "macros", ())]
        return [*BUILTIN_MACROS, *user]

    def item(self, name: str) -> tuple[list[str], bool]:
        """readconf_print(name, NULL): one plain -bP item."""
        from pyexim.config import printing
        if name.startswith("+"):
            lists = getattr(self.config, "named_lists", {})
            return printing.named_list_lines(name[1:], lists, labels=self.labels)
        if name in ("configure_file", "config_file"):
            return [self.path], True
        if name == "all":
            return list(printing.main_lines(self.main_table, self.main, admin=self.admin,
                                            labels=self.labels)), True
        if name == "local_scan":
            return ["local_scan() options are not supported"], False
        if name == "config":
            # Exim saves the lines for this only when "config" is the first name
            # (run() handles that); anywhere else there is nothing to print.
            return [], True
        plural = {"routers": "router", "transports": "transport",
                  "authenticators": "authenticator", "macros": "macro"}
        if name in plural:
            return self.typed(plural[name], None)
        if name.endswith("_list") and name[:-5] in ("router", "transport", "authenticator",
                                                    "macro"):
            return self.typed(name[:-5], None, names_only=True)
        if name == "environment":
            return self._environment(), True
        line, known = printing.main_option(self.main_table, self.main, name, admin=self.admin,
                                           labels=self.labels)
        return [line], known

    def typed(self, kind: str, name: str | None, *,
              names_only: bool = False) -> tuple[list[str], bool]:
        """readconf_print(name, type): drivers and macros by name, or all of them."""
        from pyexim.config import printing
        if kind == "macro":
            if not self.admin:
                self.complaints.append("pyexim: permission denied")
                return [], False
            return printing.macro_lines(self._macros(), name, names_only=names_only,
                                        labels=self.labels)
        if kind not in self.families:
            # "environment NAME" falls through Exim's type tests to this message.
            return [f"{kind} {name} not found"], False
        topbit = printing.topbit_chars(self.main_table, self.main)
        return printing.drivers_lines(self.families[kind][0], self._instances(kind), name,
                                      names_only=names_only, admin=self.admin,
                                      labels=self.labels, topbit=topbit)

    def _environment(self) -> list[str]:
        """The environment as Exim leaves it after reading the main section, sorted."""
        environment = exim_environment(dict(os.environ), self.main)
        entries = sorted(f"{key}={value}" for key, value in environment.items())
        if self.labels:
            return entries
        return [entry.split("=", 1)[0] for entry in entries]


def exim_environment(environment: dict[str, str],
                     main: Mapping[str, OptionSetting]) -> dict[str, str]:
    """The environment Exim leaves after start-up with these main settings
    (pyexim.expand.configured.environment_after_startup)."""
    from pyexim.config.main_options import MAIN_OPTIONS
    from pyexim.config.options import value_of
    from pyexim.expand.configured import environment_after_startup

    def text(name: str) -> str | None:
        value = value_of(MAIN_OPTIONS, main, name)
        return None if value is None else str(value)

    return environment_after_startup(environment, text("keep_environment"),
                                     text("add_environment"), text("timezone"))
