"""Typed option tables: every Exim option as data, parsed and printed as Exim does (readconf.c).

Spec: "The Exim runtime configuration file" (option setting syntax) and
"Main configuration"; the driver chapters list their private options.

One ``OptionType`` subclass stands for each of Exim's ``opt_*`` value types. A type
parses the text after ``name =`` into a Python value (``parse``), raising
``ValueError`` with Exim's exact wording, and renders a value the way ``exim -bP``
prints it (``format`` / ``line``). An ``Opt`` names an option, its type and its
default (the value Exim 4.96, Debian build, has when the option is not set); an
``OptionTable`` keeps Exim's C table order, which is the order ``-bP`` prints in.

``apply_setting`` reads one logical option line into a ``settings`` dict with all of
Exim's rules: ``no_``/``not_`` for booleans, ``hide``, "set for the second time",
repeatable options, and the side effects some settings have on other options
(``verify`` sets ``verify_sender`` and ``verify_recipient``; a ``user`` given by
name also sets the matching ``group``). Such side effects are stored as settings
with ``implied_by`` set, so a later explicit setting may still override them, as in
Exim, where only the option actually written is marked as set.

Values: booleans are ``bool``; strings ``str`` or ``None`` (unset); integers,
times, K-sizes and octal numbers ``int``; fixed-point numbers ``int`` thousandths
(negative = unset); time lists ``tuple[int, ...]``; uids and gids ``int`` (or the
build-time *name* for defaults such as ``exim_user``), expandable uids/gids and
booleans ``str`` when they contain ``$``; uid/gid lists ``tuple[int, ...]``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from types import ModuleType

# The types and the value syntax live in their own modules; they are re-exported
# here, the one module the rest of pyexim imports option machinery from.
from pyexim import load_module
from pyexim.config.option_types import (
    NAME_MAX,
    Bit,
    Bool,
    BoolSet,
    BoolVerify,
    Expandable,
    ExpandBool,
    ExpandGid,
    ExpandUid,
    Fixed,
    Gid,
    GidList,
    IdList,
    Int,
    KInt,
    MkInt,
    Octal,
    OptionType,
    Rewrite,
    SmtpReceiveTimeout,
    String,
    Time,
    TimeList,
    Uid,
    UidList,
    parse_bool_word,
)
from pyexim.config.value_syntax import (
    REWRITE_FLAGS,
    extra_chars_reason,
    find_group,
    find_user,
    group_name,
    parse_rewrite_rule,
    printable,
    read_string,
    skip_space,
    user_name,
)
from pyexim.errors import ConfigError, SourceLoc
from pyexim.record import record
from pyexim.strings import NAME_CHARS, append_list_element, dequote, list_items, span

# What -bP prints instead of a value set with the "hide" prefix (readconf.c `hidden`).
HIDDEN_VALUE = "<value not displayable>"


# ---------------------------------------------------------------------------
# Errors with Exim's log forms
# ---------------------------------------------------------------------------

class EximConfigError(ConfigError):
    """A configuration error whose heading is not the plain "in line N of F" form.

    Exim's log_write() builds the heading from flags: ``form`` is ``"in"``
    (LOG_CONFIG_IN: ``configuration error in line N of F:``), ``"plain"`` (LOG_CONFIG:
    ``configuration error:``), ``"for"`` (LOG_CONFIG_FOR: ``configuration error for``
    followed directly by the reason, which then starts with e.g. ``r1 router:``) or
    ``"none"`` (no heading at all, e.g. "both local_from_check and local_sender_retain
    are set"). ``main_log`` says the message also went to the main log (LOG_MAIN),
    which -bP shows as ``LOG: MAIN PANIC DIE``.
    """

    def __init__(self, reason: str, loc: SourceLoc | None = None, *, form: str = "in",
                 main_log: bool = False):
        super().__init__(reason, loc if form == "in" else None)
        self.form = form
        self.main_log = main_log


def exim_error_text(error: ConfigError, program: str = "Exim") -> str:
    """The text Exim logs for *error*, headings included, without timestamp or newline.

    E.g. ``Exim configuration error in line 3 of /etc/exim.conf:\\n  main option
    "x" unknown`` or ``Exim configuration error for r1 router:\\n  "unseen" may not
    be used with "one_time"``.
    """
    form = getattr(error, "form", "in" if error.loc is not None else "plain")
    if form == "none":
        return error.reason
    if form == "for":
        return f"{program} configuration error for {error.reason}"
    if form == "in" and error.loc is not None:
        return f"{program} configuration error in {error.loc}:\n  {error.reason}"
    return f"{program} configuration error:\n  {error.reason}"


def panic_die_text(error: ConfigError, program: str = "Exim") -> str:
    """What Exim writes to stderr for a fatal config error when -bP forces -v (with newline).

    An error with ``die = False`` (Exim logs a bad macro definition with LOG_PANIC
    and then exits) shows ``LOG: PANIC``.
    """
    flags = "MAIN PANIC" if getattr(error, "main_log", False) else "PANIC"
    if getattr(error, "die", True):
        flags += " DIE"
    return f"LOG: {flags}\n  {exim_error_text(error, program)}\n"


# ---------------------------------------------------------------------------
# Options and tables
# ---------------------------------------------------------------------------

@record(frozen=True)
class Opt:
    """One option: its name, type and the value it has when not set.

    ``hidden``: settable but never printed (Exim's opt_hidden). ``repeat``: "con"
    (router ``condition``: repeats are ANDed) or "str" (``headers_add`` and the
    like: repeats append to a list). ``alias_of``: another option of the same
    table that this one sets (``daemon_smtp_port`` -> ``daemon_smtp_ports``).
    """

    name: str
    type: OptionType
    default: object = None
    hidden: bool = False
    repeat: str | None = None
    alias_of: str | None = None


class OptionTable:
    """Options of one kind, in Exim's C table order (sorted by name; -bP prints in it)."""

    def __init__(self, kind: str, options: Iterable[Opt]):
        self.kind = kind
        self._options: list[Opt] = list(options)
        self._by_name: dict[str, Opt] = {opt.name: opt for opt in self._options}
        if len(self._by_name) != len(self._options):
            raise ValueError(f"duplicate option name in the {kind} table")

    def find(self, name: str) -> Opt | None:
        """The option called *name*, or None."""
        return self._by_name.get(name)

    def __iter__(self) -> Iterator[Opt]:
        return iter(self._options)

    def __len__(self) -> int:
        return len(self._options)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def default(self, name: str) -> object:
        """The default value of option *name* (KeyError when there is no such option)."""
        return self._by_name[name].default

    def __repr__(self) -> str:
        return f"OptionTable({self.kind!r}, {len(self._options)} options)"


@record(frozen=True)
class OptionSetting:
    """One option as set in the file.

    ``hide``: set with the ``hide`` prefix; -bP shows ``<value not displayable>``.
    ``implied_by``: not written in the file but set as a side effect of another
    option (e.g. ``group`` by ``user``); an explicit setting may replace it.
    """

    name: str
    value: object
    loc: SourceLoc | None
    hide: bool = False
    implied_by: str | None = None


Settings = MutableMapping[str, OptionSetting]

# Gives the value of a main option by name (what a driver's init may consult).
MainGetter = Callable[[str], object]


def value_of(table: OptionTable, settings: Mapping[str, OptionSetting], name: str) -> object:
    """The value of option *name*: its setting, else the table default.

    An alias (``daemon_smtp_port``) shares its target's value, as both names point
    at one variable in Exim.
    """
    opt = table.find(name)
    if opt is not None and opt.alias_of is not None:
        name = opt.alias_of
    setting = settings.get(name)
    if setting is not None:
        return setting.value
    return table.default(name)


_UNKNOWN_FORMATS = {
    "main": 'main option "{}" unknown',
    "driver": 'option "{}" unknown',
    "driver-no-driver": 'option "{}" unknown ("driver" must be specified before any private options)',
}



@record
class ParsedLine:
    """An option line split into its parts (before the value is interpreted)."""

    name: str            # as written, with any no_/not_ prefix
    base: str            # without the prefix
    negated: bool
    hide: bool
    rest: str            # text after the name and white space


def split_option_line(text: str) -> ParsedLine:
    """Split ``[hide] [no_|not_]name [= value]``; ValueError "option setting expected: ..."."""
    pos = skip_space(text)
    if pos >= len(text) or not text[pos].isascii() or not text[pos].isalpha():
        raise ValueError(f"option setting expected: {text[pos:]}")
    hide = False
    name = ""
    for _ in range(2):
        end = span(text, NAME_CHARS, pos)
        name = text[pos:end][:NAME_MAX]
        pos = skip_space(text, end)
        if name != "hide":
            break
        hide = True
    base, negated = name, False
    if name.startswith("no_"):
        base, negated = name[3:], True
    if name.startswith("not_"):
        base, negated = name[4:], True
    return ParsedLine(name, base, negated, hide, text[pos:])


def apply_setting(table: OptionTable, settings: Settings, text: str, loc: SourceLoc | None, *,
                  context: str, private: OptionTable | None = None,
                  expand: Callable[[str], str] | None = None) -> OptionSetting:
    """Parse one logical option line into *settings*, with Exim's rules and wording.

    *context* is "main" or a driver kind ("router", "transport", "authenticator").
    For drivers, *table* is the generic table and *private* the driver's own table
    (None while no ``driver =`` has been read: then an option that is not generic is
    'option "x" unknown ("driver" must be specified before any private options)').
    *expand* expands a string; Exim expands uid and gid lists (``trusted_users``...)
    as it reads them, and a failure is "failed to expand NAME: MESSAGE" (the
    expander raises an exception whose text is Exim's message). Without *expand* a
    list containing ``$`` raises NotAvailableError.
    Returns the setting stored. Raises ConfigError(reason, loc) with Exim's reason.
    """
    try:
        line = split_option_line(text)
    except ValueError as error:
        raise ConfigError(str(error), loc) from None
    opt = table.find(line.base)
    owner = table
    if opt is None and context != "main":
        if private is None:
            raise ConfigError(_UNKNOWN_FORMATS["driver-no-driver"].format(line.name), loc)
        opt = private.find(line.base)
        owner = private
    if opt is None:
        key = "main" if context == "main" else "driver"
        raise ConfigError(_UNKNOWN_FORMATS[key].format(line.name), loc)
    try:
        return _store(owner, settings, opt, line, loc, expand)
    except ValueError as error:
        raise ConfigError(str(error), loc) from None


def _store(table: OptionTable, settings: Settings, opt: Opt, line: ParsedLine,
           loc: SourceLoc | None, expand: Callable[[str], str] | None) -> OptionSetting:
    previous = settings.get(opt.name)
    if previous is not None and previous.implied_by is None and opt.repeat is None:
        raise ValueError(f'"{line.name}" option set for the second time')
    rest = line.rest
    kind = opt.type
    if not kind.is_boolean:
        if line.negated:
            raise ValueError("negation prefix applied to a non-boolean option")
        if not rest:
            raise ValueError(f"unexpected end of line (data missing) after {line.name}")
        if not rest.startswith("="):
            raise ValueError(f'missing "=" after {line.name}')
    elif rest and (line.negated or not rest.startswith("=")):
        raise ValueError(extra_chars_reason(rest, "boolean option ", line.name))
    if rest.startswith("="):
        rest = rest[skip_space(rest, 1):]

    value: object
    if kind.is_boolean:
        value = kind.parse(rest, opt) if rest else True
        if line.negated:
            value = False
    elif isinstance(kind, IdList) and expand is not None:
        raw = read_string(rest, opt.name)
        try:
            expanded = expand(raw)
        except Exception as error:  # noqa: BLE001 - any expansion error: its text is Exim's
            raise ValueError(f"failed to expand {opt.name}: {error}") from None
        value = kind.parse_expanded(expanded, opt)
    else:
        value = kind.parse(rest, opt)

    if opt.repeat == "con" and previous is not None and previous.implied_by is None:
        # Exim chains repeated router conditions textually (route.c's "crude hack").
        value = f"${{if and{{{{bool_lax{{{previous.value}}}}}{{bool_lax{{{value}}}}}}}}}"
    elif opt.repeat == "str":
        value = _append_repeated(opt.name, previous.value if previous else None, str(value))

    setting = OptionSetting(opt.name, value, loc, hide=line.hide or bool(previous and previous.hide))
    settings[opt.name] = setting
    _side_effects(table, settings, opt, value, line, loc)
    return setting


def _append_repeated(name: str, current: object, text: str) -> str | None:
    """A repeatable list option (headers_add "\\n", set ";", others ":"): add *text*'s items."""
    sep = "\n" if name.startswith("headers_add") else ";" if name.startswith("set") else ":"
    result = current if isinstance(current, str) else None
    for item in list_items(text, default=sep):
        result = append_list_element(result, sep, item)
    return result


def _side_effects(table: OptionTable, settings: Settings, opt: Opt, value: object,
                  line: ParsedLine, loc: SourceLoc | None) -> None:
    """Settings that one option makes on others, as Exim's readconf does."""
    if opt.alias_of is not None:
        # "hide" marks only the name written: Exim sets opt_secure on that table entry.
        settings[opt.alias_of] = OptionSetting(opt.alias_of, value, loc, implied_by=opt.name)
    if isinstance(opt.type, ExpandBool) and isinstance(value, str):
        # Exim keeps the string form in a companion "*expand_NAME" slot; one
        # driver (appendfile) lists that slot as a printable option.
        mirror = f"*expand_{opt.name}"
        if mirror in table:
            settings[mirror] = OptionSetting(mirror, value, loc, implied_by=opt.name)
    if isinstance(opt.type, BoolVerify):
        for suffix in ("_sender", "_recipient"):
            target = opt.name + suffix
            if target in table:
                settings[target] = OptionSetting(target, value, loc, implied_by=opt.name)
    if type(opt.type) in (Uid, ExpandUid) and opt.name.endswith("user") and not isinstance(value, str):
        # A user given by name also sets the "...group" option from its passwd
        # entry, unless that group is already set (a number gives no entry). A
        # build-time default counts as set: exim_user does not change exim_group.
        written = read_string(line.rest[skip_space(line.rest, 1):], opt.name)
        _uid, gid = find_user(written)
        group = opt.name[:-4] + "group"
        group_opt = table.find(group)
        if (gid is not None and group_opt is not None
                and type(group_opt.type) in (Gid, ExpandGid) and group not in settings
                and group_opt.default is None):
            settings[group] = OptionSetting(group, gid, loc, implied_by=opt.name)


def getter(settings: Mapping[str, OptionSetting], *tables: OptionTable) -> Callable[[str], object]:
    """A function giving an option's value: its setting, else its default in *tables*."""
    def get(name: str) -> object:
        setting = settings.get(name)
        if setting is not None:
            return setting.value
        for table in tables:
            opt = table.find(name)
            if opt is not None:
                return opt.default
        raise KeyError(name)
    return get


# ---------------------------------------------------------------------------
# Driver families (routers, transports, authenticators)
# ---------------------------------------------------------------------------

@record(frozen=True)
class DriverFamily:
    """One kind of driver: its generic options and its registry of driver modules.

    Each driver module (e.g. ``pyexim.routers.accept``) has an ``OPTIONS`` table
    at its top and may have ``init(name, settings, main)``: Exim's per-driver init
    function (checks and values derived after the instance is read). Modules are
    imported only when a configuration uses them.
    """

    kind: str                     # "router", "transport", "authenticator"
    generic: OptionTable
    drivers: Mapping[str, str]    # driver name -> module path

    def module(self, driver: str) -> ModuleType | None:
        """The module of *driver*, or None when this build has no such driver."""
        path = self.drivers.get(driver)
        return load_module(path) if path else None

    def private_options(self, driver: str) -> OptionTable | None:
        """The private option table of *driver*, or None when there is no such driver."""
        module = self.module(driver)
        if module is None:
            return None
        table: OptionTable = module.OPTIONS
        return table

    def check_new_name(self, existing: Iterable[str], name: str) -> None:
        """Exim refuses two instances of the same name (raised at the second header)."""
        if name in existing:
            raise EximConfigError(f'there are two {self.kind}s called "{name}"', form="plain")

    def apply(self, instance: str, settings: Settings, text: str, loc: SourceLoc | None, *,
              expand: Callable[[str], str] | None = None) -> None:
        """One option line of instance *instance*: generic first, then the driver's own.

        A ``driver =`` setting selects the private table; an unknown driver is
        ``router r1: cannot find router driver "x"``, reported at that line.
        """
        driver = settings.get("driver")
        private = self.private_options(str(driver.value)) if driver is not None else None
        setting = apply_setting(self.generic, settings, text, loc, context=self.kind,
                                private=private, expand=expand)
        if setting.name == "driver" and private is None and self.module(str(setting.value)) is None:
            raise ConfigError(f'{self.kind} {instance}: cannot find {self.kind} driver '
                              f'"{setting.value}"', loc)

    def value(self, settings: Mapping[str, OptionSetting], name: str) -> object:
        """The value of *name* for an instance: its setting, else the default."""
        setting = settings.get(name)
        if setting is not None:
            return setting.value
        opt = self.generic.find(name)
        if opt is None:
            driver = settings.get("driver")
            private = self.private_options(str(driver.value)) if driver else None
            opt = private.find(name) if private is not None else None
        if opt is None:
            raise KeyError(name)
        return opt.default

    def init_instance(self, name: str, settings: Settings,
                      main: MainGetter | None = None) -> None:
        """Exim's driver_init_fini: the instance needs a driver; then the driver's init.

        *main* gives main option values (after ``finish_main``); some drivers take
        defaults from them (cram_md5's client_name is primary_hostname). Values the
        init derives are stored in *settings* as implied settings. Raises
        EximConfigError with Exim's wording and log form.
        """
        driver = settings.get("driver")
        if driver is None:
            raise EximConfigError(f'no driver defined for {self.kind} "{name}"', form="plain")
        module = self.module(str(driver.value))
        init = getattr(module, "init", None)
        if init is not None:
            init(name, settings, main if main is not None else _no_main)


def _no_main(name: str) -> object:
    """Main values when the caller gives none: the defaults, as finish_main would compute them."""
    from pyexim.config.main_options import MAIN_OPTIONS, finish_main
    settings: dict[str, OptionSetting] = {}
    finish_main(settings)
    return value_of(MAIN_OPTIONS, settings, name)


def derive(settings: Settings, name: str, value: object) -> None:
    """Store a value that a driver or main init computes (shown by -bP, not written)."""
    settings[name] = OptionSetting(name, value, None, implied_by=COMPUTED)


# Marks values computed after reading (not written in the file).
COMPUTED = "<computed>"


__all__ = [
    "COMPUTED",
    "HIDDEN_VALUE",
    "NAME_MAX",
    "REWRITE_FLAGS",
    "Bit",
    "Bool",
    "BoolSet",
    "BoolVerify",
    "ConfigError",
    "DriverFamily",
    "EximConfigError",
    "ExpandBool",
    "ExpandGid",
    "ExpandUid",
    "Expandable",
    "Fixed",
    "Gid",
    "GidList",
    "IdList",
    "Int",
    "KInt",
    "MainGetter",
    "MkInt",
    "Octal",
    "Opt",
    "OptionSetting",
    "OptionTable",
    "OptionType",
    "ParsedLine",
    "Rewrite",
    "Settings",
    "SmtpReceiveTimeout",
    "String",
    "Time",
    "TimeList",
    "Uid",
    "UidList",
    "apply_setting",
    "dequote",
    "derive",
    "exim_error_text",
    "extra_chars_reason",
    "find_group",
    "find_user",
    "getter",
    "group_name",
    "panic_die_text",
    "parse_bool_word",
    "parse_rewrite_rule",
    "printable",
    "read_string",
    "skip_space",
    "split_option_line",
    "user_name",
    "value_of",
]
