"""What ``exim -bP`` prints, as pure functions of the option tables and settings (Exim: readconf.c print_ol, readconf_print).

Nothing here reads a file or writes to a stream: each function returns the lines
(without newlines) and, where Exim's return value matters for the exit status,
whether the item was found. ``pyexim.cli.print_config`` drives them.

Rules copied from print_ol():
- booleans print as ``name`` or ``no_name`` even with ``-n``;
- an option set with ``hide`` prints ``name = <value not displayable>`` unless the
  caller is an administrator; the mark belongs to the option table, so for
  drivers one hidden setting hides that option in every instance of the family
  (generic options) or of the same driver (private options), as in Exim;
- an unset fixed-point number prints ``name =`` without a space, even with ``-n``;
- uid and gid lists print ``name =`` then `` a:b`` (no space when empty).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

from pyexim.config.options import (
    HIDDEN_VALUE,
    DriverFamily,
    Opt,
    OptionSetting,
    OptionTable,
)


def option_line(opt: Opt, value: object, *, secure: bool = False, labels: bool = True,
                topbit: bool = False) -> str:
    """One -bP line for *opt* with *value*; *secure*: set with "hide" and caller not admin."""
    if secure:
        return f"{opt.name} = {HIDDEN_VALUE}" if labels else HIDDEN_VALUE
    return opt.type.line(opt, value, labels=labels, topbit=topbit)


def _value(opt: Opt, settings: Mapping[str, OptionSetting], table: OptionTable) -> object:
    if opt.alias_of is not None:
        # Both names point at one variable in Exim: show the target's value.
        target = table.find(opt.alias_of)
        if target is not None:
            opt = target
    setting = settings.get(opt.name)
    return setting.value if setting is not None else opt.default


def topbit_chars(table: OptionTable, settings: Mapping[str, OptionSetting]) -> bool:
    """print_topbitchars: whether -bP shows bytes above 127 as they are."""
    opt = table.find("print_topbitchars")
    return bool(_value(opt, settings, table)) if opt is not None else False


def main_lines(table: OptionTable, settings: Mapping[str, OptionSetting], *, admin: bool = True,
               labels: bool = True) -> Iterator[str]:
    """``-bP`` with no names: every main option that is not hidden, in table order."""
    topbit = topbit_chars(table, settings)
    for opt in table:
        if not opt.hidden:
            yield _main_line(table, opt, settings, admin=admin, labels=labels, topbit=topbit)


def main_option(table: OptionTable, settings: Mapping[str, OptionSetting], name: str, *,
                admin: bool = True, labels: bool = True) -> tuple[str, bool]:
    """``-bP NAME`` for a main option (hidden ones included): (line, known)."""
    opt = table.find(name)
    if opt is None:
        return f"{name} is not a known option", False
    topbit = topbit_chars(table, settings)
    return _main_line(table, opt, settings, admin=admin, labels=labels, topbit=topbit), True


def _main_line(table: OptionTable, opt: Opt, settings: Mapping[str, OptionSetting], *,
               admin: bool, labels: bool, topbit: bool) -> str:
    setting = settings.get(opt.name)
    secure = not admin and setting is not None and setting.hide
    return option_line(opt, _value(opt, settings, table), secure=secure, labels=labels,
                       topbit=topbit)


def secure_names(instances: Iterable[tuple[str, Mapping[str, OptionSetting]]],
                 family: DriverFamily) -> dict[str | None, set[str]]:
    """Options set with "hide" anywhere in a family: {None: generic names, driver: private names}.

    Exim marks the option table entry, not the instance, so the mark is shared.
    """
    marks: dict[str | None, set[str]] = {None: set()}
    for _name, settings in instances:
        driver_setting = settings.get("driver")
        driver = str(driver_setting.value) if driver_setting is not None else ""
        for option, setting in settings.items():
            if setting.hide:
                key = None if option in family.generic else driver
                marks.setdefault(key, set()).add(option)
    return marks


def driver_lines(family: DriverFamily, settings: Mapping[str, OptionSetting], *,
                 marks: Mapping[str | None, set[str]] | None = None, admin: bool = True,
                 labels: bool = True, topbit: bool = False) -> tuple[list[str], bool]:
    """The option lines of one driver instance (generic then private): (lines, any printed)."""
    driver_setting = settings.get("driver")
    driver = str(driver_setting.value) if driver_setting is not None else ""
    private = family.private_options(driver) if driver else None
    marks = marks or {}
    lines: list[str] = []
    for table, key in ((family.generic, None), (private, driver)):
        if table is None:
            continue
        hidden_here = marks.get(key, set())
        for opt in table:
            if opt.hidden:
                continue
            secure = not admin and opt.name in hidden_here
            lines.append(option_line(opt, _value(opt, settings, table), secure=secure,
                                     labels=labels, topbit=topbit))
    return lines, bool(lines)


def drivers_lines(family: DriverFamily,
                  instances: Sequence[tuple[str, Mapping[str, OptionSetting]]],
                  name: str | None, *, names_only: bool = False, admin: bool = True,
                  labels: bool = True, topbit: bool = False) -> tuple[list[str], bool]:
    """``-bP routers`` / ``router_list`` / ``router NAME`` (and the same for the others).

    Returns (lines, success). With *name*, success is whether it was found (and
    printed something); an unknown name prints ``router NAME not found``.
    """
    if names_only:
        return [instance for instance, _settings in instances], True
    marks = secure_names(instances, family)
    lines: list[str] = []
    for instance, settings in instances:
        if name is None:
            lines.append("")
            lines.append(f"{instance} {family.kind}:")
        elif instance != name:
            continue
        printed, ok = driver_lines(family, settings, marks=marks, admin=admin, labels=labels,
                                   topbit=topbit)
        lines.extend(printed)
        if name is not None:
            return lines, ok
    if name is None:
        return lines, True
    return [f"{family.kind} {name} not found"], False


def named_list_lines(name: str, lists: Mapping[str, Mapping[str, object]], *,
                     labels: bool = True) -> tuple[list[str], bool]:
    """``-bP +NAME``: every named list of that name (address, domain, host, local part).

    *lists* maps a kind ("address", "domain", "host", "localpart") to name -> list
    object with ``value`` and, optionally, ``hide`` (``hide domainlist ...``: the value
    is never shown, even to an administrator, as in Exim).
    """
    lines: list[str] = []
    for kind in ("address", "domain", "host", "localpart"):
        item = lists.get(kind, {}).get(name)
        if item is None:
            continue
        text = HIDDEN_VALUE if getattr(item, "hide", False) else str(getattr(item, "value", item))
        lines.append(text if not labels else f"{kind}list {name} = {text}")
    if not lines:
        return [f'no address, domain, host, or local part list called "{name}" exists'], False
    return lines, True


def macro_lines(macros: Iterable[tuple[str, str]], name: str | None, *, names_only: bool = False,
                labels: bool = True) -> tuple[list[str], bool]:
    """``-bP macros`` / ``macro_list`` / ``macro NAME``: (lines, success).

    *macros* are (name, replacement) in Exim's order: built-in ones first, then those
    of the file and the command line as they were defined.
    """
    lines: list[str] = []
    for macro_name, value in macros:
        if name is not None and macro_name != name:
            continue
        if names_only:
            lines.append(macro_name)
        elif not labels:
            lines.append(value)
        else:
            lines.append(f"{macro_name}={value}")
        if name is not None:
            return lines, True
    if name is None:
        return lines, True
    return [f"macro {name} not found"], False
