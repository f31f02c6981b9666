"""Lark tree of exim.conf -> the Config model, with Exim's checks and wording (readconf.c, acl.c).

The grammar gives the structure (sections, ACLs and their statements, driver
instances and their options); this module reads each line the way Exim's section
readers do: readconf_main (options and named lists), acl_read (verbs, conditions,
modifiers), readconf_driver_init (instance names, generic then private options, the
driver's init), readconf_retries and readconf_rewrites. Option values are parsed by
the option tables (pyexim/config/options.py).

Exim stops at its first error. Here each error is recorded with its position in the
stream of logical lines (a float: the seq of the line Exim was reading, minus a
little for checks Exim makes before reading that line), the line is skipped, and
reading goes on. The caller sorts the errors by position, so the first reported is
the one Exim reports.
"""

from __future__ import annotations

from collections.abc import Callable

import lark

from pyexim.config import model
from pyexim.config import options as _options
from pyexim.config.acl_line import NameTooLong, read_acl_line
from pyexim.config.main_options import MAIN_OPTIONS, finish_main
from pyexim.config.options import (
    DriverFamily,
    Settings,
    apply_setting,
    dequote,
    parse_rewrite_rule,
    read_string,
    value_of,
)
from pyexim.config.source import NAME_MAX, ConfigFileError, LogicalLine, Source, read_name
from pyexim.errors import ConfigError, NotAvailableError, SourceLoc
from pyexim.strings import C_SPACE, span
from pyexim.timevalue import read_time

# MAX_NAMED_LIST in Debian's build (readconf.c: read_named_list).
MAX_NAMED_LISTS = 32

_NAMED_LIST_WORDS = (("domainlist", "domain", "domain list"),
                     ("hostlist", "host", "host list"),
                     ("addresslist", "address", "address list"),
                     ("localpartlist", "localpart", "local part list"))

# Offsets that order errors found between two lines: Exim finishes an instance,
# then its section, before it looks at the next line.
_AT_INSTANCE_END = -0.3
_AT_SECTION_END = -0.2


def long_name_error(name: str, loc: SourceLoc) -> ConfigError:
    """readconf_readname()'s refusal of a name of 64 characters or more."""
    return ConfigError(str(NameTooLong(name)), loc)


class _Skip(Exception):
    """A line was refused; its error is recorded and reading goes on."""


class ConfigBuilder(lark.Transformer[lark.Token, model.Config]):
    """Builds a Config from the tree of one configuration, collecting errors."""

    def __init__(self, source: Source, *, hostname: str | None = None,
                 expand: Callable[[str], str] | None = None) -> None:
        super().__init__()
        self.source = source
        self.lines = source.lines
        self.hostname = hostname
        self.expand = expand
        self.errors: list[tuple[float, ConfigError]] = [
            (float(pos), err) for pos, err in source.errors]
        self.main: Settings = {}
        self.named_lists: dict[str, dict[str, model.NamedList]] = {
            kind: {} for _word, kind, _t in _NAMED_LIST_WORDS}
        self.acls: dict[str, model.Acl] = {}
        self.instances: dict[str, list[model.DriverInstance]] = {
            kind: [] for kind in model.DRIVER_KINDS}
        self.retry_rules: list[model.RetryRule] = []
        # Problems Exim logs without refusing the configuration.
        self.notes: list[tuple[str, SourceLoc | None]] = []
        # Settings that need something pyexim does not have yet (the expansion
        # engine, for values Exim expands while reading): raised after reading.
        self.unavailable: list[NotAvailableError] = []
        self.rewrite_rules: list[model.RewriteRule] = []
        # Where each section ends: the seq of the next "begin" (known or not, for
        # Exim finishes a section before it looks at the next one's name) or the end.
        begins = source.begins
        self._section_ends = dict(zip(begins, [*begins[1:], source.total]))
        self.main_end = begins[0] if begins else source.total

    # -- helpers ---------------------------------------------------------------

    def _line(self, token: lark.Token) -> tuple[int, LogicalLine]:
        """The logical line of *token*, and its seq (its position for ordering errors)."""
        line = self.lines[int(token.line) - 1]  # type: ignore[arg-type]
        return line.seq, line

    def _fail(self, position: float, error: ConfigError) -> None:
        self.errors.append((position, error))

    def _refuse(self, seq: int, reason: str, loc: SourceLoc) -> _Skip:
        self._fail(seq, ConfigError(reason, loc))
        return _Skip()

    # -- main section -------------------------------------------------------------

    def main_option(self, children: list[lark.Token]) -> None:
        seq, line = self._line(children[0])
        if line.loc.line == 1 and line.text.startswith("\ufeff"):
            self._fail(seq, ConfigError("found unexpected BOM (Byte Order Mark)", line.loc))
            return
        try:
            apply_setting(MAIN_OPTIONS, self.main, line.text, line.loc, context="main",
                          expand=self.expand)
        except ConfigError as error:
            self._fail(seq, error)
        except NotAvailableError as missing:
            self.unavailable.append(missing)

    def named_list(self, children: list[lark.Token]) -> None:
        seq, line = self._line(children[0])
        try:
            named = self._read_named_list(seq, line)
        except _Skip:
            return
        self.named_lists[named.kind][named.name] = named

    def _read_named_list(self, seq: int, line: LogicalLine) -> model.NamedList:
        """read_named_list(): ``[hide] domainlist[_cache] NAME = value``."""
        text, loc = line.text, line.loc
        hide = text.startswith("hide") and text[4:5] != "" and text[4] in C_SPACE
        if hide:
            text = text[5:]
        word, kind, what = next(w for w in _NAMED_LIST_WORDS if text.startswith(w[0]))
        rest = text[len(word):]
        cached = rest.startswith("_cache")
        if cached:
            rest = rest[6:]
        if not rest or rest[0] not in C_SPACE:
            raise self._refuse(seq, "unrecognized configuration line", loc)
        lists = self.named_lists[kind]
        if len(lists) >= MAX_NAMED_LISTS:
            # Exim's message ends with a newline of its own.
            raise self._refuse(seq, f"too many named {what}s (max is {MAX_NAMED_LISTS})\n",
                               loc)
        pos = len(rest) - len(rest.lstrip(C_SPACE))
        end = pos
        while end < len(rest) and rest[end].isascii() and (rest[end].isalnum()
                                                             or rest[end] == "_"):
            end += 1
        name = rest[pos:end]
        rest = rest[end:].lstrip(C_SPACE)
        if name in lists:
            raise self._refuse(seq, f'duplicate name "{name}" for a named {what}', loc)
        if not rest.startswith("="):
            # Exim has already counted the list when it finds this.
            lists[name] = model.NamedList(kind, name, "", True, loc, hide)
            raise self._refuse(seq, f"missing '=' after \"{name}\"", loc)
        try:
            value = read_string(rest[1:].lstrip(C_SPACE), name)
        except ValueError as error:
            raise self._refuse(seq, str(error), loc) from None
        return model.NamedList(kind, name, value, cached or "$" not in value, loc, hide)

    def macro(self, children: list[lark.Token]) -> None:
        return None  # applied by the preprocessor; kept for -bP config

    # -- ACLs -------------------------------------------------------------------------

    def condition(self, children: list[lark.Token]) -> lark.Token:
        return children[0]

    def stray_verb(self, children: list[lark.Token]) -> lark.Token:
        return children[0]

    def acl_stray(self, children: list[lark.Token]) -> None:
        # Exim wanted an ACL name ("name:") here and stopped at the first line.
        seq, line = self._line(children[0])
        if self._check_line_name(seq, line):
            self._fail(seq, ConfigError("missing or malformed ACL name", line.loc))

    def acl_macro(self, children: list[object]) -> None:
        return None

    def condition_stray(self, children: list[lark.Token]) -> list[lark.Token]:
        return children

    def statement(self, children: list[lark.Token]) -> model.AclStatement | None:
        seq, line = self._line(children[0])
        try:
            verb, first = self._acl_line(seq, line, None)
        except _Skip:
            return None
        conditions = [first] if first is not None else []
        assert verb is not None
        for token in children[1:]:
            cseq, cline = self._line(token)
            try:
                _none, condition = self._acl_line(cseq, cline, verb)
            except _Skip:
                continue
            assert condition is not None
            conditions.append(condition)
        return model.AclStatement(verb, tuple(conditions), line.loc)

    def acl(self, children: list[object]) -> None:
        name_token = children[0]
        assert isinstance(name_token, lark.Token)
        seq, line = self._line(name_token)
        text = line.text
        name, after = read_name(text)
        if len(name) > NAME_MAX:
            self._fail(seq, long_name_error(name, line.loc))
            return
        if text.startswith("!") or not name or text[after:after + 1] != ":":
            self._fail(seq, ConfigError("missing or malformed ACL name", line.loc))
            return
        if name in self.acls:
            self._fail(seq, ConfigError(f'there are two ACLs called "{name}"', line.loc))
            return
        statements: list[model.AclStatement] = []
        for child in children[1:]:
            if isinstance(child, list):  # conditions before the first verb
                sseq, sline = self._line(child[0])
                try:
                    self._acl_line(sseq, sline, None)
                except _Skip:
                    pass
            elif isinstance(child, model.AclStatement):
                statements.append(child)
        self.acls[name] = model.Acl(name, tuple(statements), line.loc)

    def _acl_line(self, seq: int, line: LogicalLine,
                  verb: str | None) -> tuple[str | None, model.AclCondition | None]:
        """One line of an ACL (see acl_line.read_acl_line); refused lines raise _Skip
        after recording Exim's error."""
        try:
            return read_acl_line(line.text, line.loc, verb)
        except NameTooLong as error:
            self._fail(seq, long_name_error(error.name, line.loc))
        except ValueError as error:
            self._fail(seq, ConfigError(f"error in ACL: {error}", line.loc))
        raise _Skip()

    # -- routers, transports, authenticators ---------------------------------------

    def option(self, children: list[lark.Token]) -> lark.Token:
        return children[0]

    def option_stray(self, children: list[lark.Token]) -> list[lark.Token]:
        return children

    def driver_macro(self, children: list[object]) -> list[lark.Token] | None:
        return next((c for c in children if isinstance(c, list)), None)

    def instance(self, children: list[lark.Token]) -> tuple[int, LogicalLine, list[lark.Token]]:
        seq, line = self._line(children[0])
        return seq, line, children[1:]

    def routers_section(self, children: list[object]) -> None:
        self._driver_section("router", children)

    def transports_section(self, children: list[object]) -> None:
        self._driver_section("transport", children)

    def authenticators_section(self, children: list[object]) -> None:
        self._driver_section("authenticator", children)

    def _driver_section(self, kind: str, children: list[object]) -> None:
        """readconf_driver_init() over one section, then the section's own checks."""
        begin = children[0]
        assert isinstance(begin, lark.Token)
        begin_seq, _line = self._line(begin)
        family = model.driver_family(kind)
        built = self.instances[kind]
        names: list[str] = []
        for child in children[1:]:
            if isinstance(child, list):
                seq, line = self._line(child[0])
                self._check_line_name(seq, line)
                self._fail(seq, ConfigError(f"{kind} name missing", line.loc))
            elif isinstance(child, tuple):
                instance = self._instance(kind, family, names, *child)
                # An instance whose driver is unknown was reported; Exim stopped
                # there, so the section's checks do not see it.
                if instance is not None and instance.driver:
                    built.append(instance)
        finish = getattr(_base_module(kind), "finish_section", None)
        if finish is not None:
            end = self._section_ends[begin_seq]
            try:
                finish([(i.name, i.settings) for i in built])
            except ConfigError as error:
                self._fail(end + _AT_SECTION_END, error)

    def _check_line_name(self, seq: int, line: LogicalLine) -> bool:
        """Exim reads the first word of every driver-section line with readconf_readname()."""
        name, _after = read_name(line.text)
        if len(name) > NAME_MAX:
            self._fail(seq, long_name_error(name, line.loc))
            return False
        return True

    def _instance(self, kind: str, family: DriverFamily, existing: list[str], seq: int,
                  line: LogicalLine, options: list[lark.Token]) -> model.DriverInstance | None:
        text, loc = line.text, line.loc
        name, after = read_name(text)
        if len(name) > NAME_MAX:
            self._fail(seq, long_name_error(name, loc))
            return None
        try:
            family.check_new_name(existing, name)
        except ConfigError as error:
            self._fail(seq, error)
            return None
        existing.append(name)
        rest = text[after + 1:].lstrip(C_SPACE)
        if rest:
            self._fail(seq, ConfigError(
                _options.extra_chars_reason(rest, "driver name ", name), loc))
        settings: Settings = {}
        driver_missing = False
        last = seq
        for token in options:
            oseq, oline = self._line(token)
            last = oseq
            if not self._check_line_name(oseq, oline):
                continue
            try:
                family.apply(name, settings, oline.text, oline.loc, expand=self.expand)
            except NotAvailableError as missing:
                self.unavailable.append(missing)
                continue
            except ConfigError as error:
                if driver_missing and '"driver" must be specified' in error.reason:
                    continue  # the driver named was unknown: already reported
                self._fail(oseq, error)
                setting = settings.get("driver")
                if setting is not None and setting.loc == oline.loc:
                    driver_missing = True
                    del settings["driver"]
        driver = settings.get("driver")
        if not driver_missing:
            try:
                family.init_instance(name, settings)
            except ConfigError as error:
                self._fail(last + 1 + _AT_INSTANCE_END, error)
        return model.DriverInstance(kind, name, str(driver.value) if driver else "",
                                    settings, loc)

    # -- retry, rewrite, local_scan ------------------------------------------------------

    def retry_rule(self, children: list[lark.Token]) -> None:
        seq, line = self._line(children[0])
        try:
            rule = read_retry_rule(line.text, line.loc, self.notes)
        except ConfigError as error:
            self._fail(seq, error)
            return
        self.retry_rules.append(rule)

    def rewrite_rule(self, children: list[lark.Token]) -> None:
        seq, line = self._line(children[0])
        try:
            pattern, replacement, flags = parse_rewrite_rule(line.text, is_global=True)
        except ValueError as error:
            self._fail(seq, ConfigError(str(error), line.loc))
            return
        self.rewrite_rules.append(model.RewriteRule(pattern, replacement, flags, line.loc))

    def local_scan_section(self, children: list[lark.Token]) -> None:
        seq, line = self._line(children[0])
        # Debian's build has no local_scan() options: Exim refuses the section at once.
        self._fail(seq, ConfigError("local_scan() options not supported: (LOCAL_SCAN_HAS_"
                                      "OPTIONS not defined in Local/Makefile)", line.loc))

    # -- the whole file ----------------------------------------------------------------

    def start(self, children: list[object]) -> model.Config:
        try:
            finish_main(self.main, hostname=self.hostname, expand=self.expand)
        except ConfigError as error:
            self._fail(self.main_end + _AT_SECTION_END, error)
        except NotAvailableError:
            # A value needs the expansion engine, which is not available here;
            # the check is left to the time the value is used.
            pass
        return model.Config(
            path=self.source.path,
            macros=self.source.macros.user_macros(),
            main=self.main,
            named_lists=self.named_lists,
            acls=self.acls,
            routers=tuple(self.instances["router"]),
            transports=tuple(self.instances["transport"]),
            authenticators=tuple(self.instances["authenticator"]),
            retry_rules=tuple(self.retry_rules),
            rewrite_rules=tuple(self.rewrite_rules),
            warnings=tuple(self.notes),
            main_values={opt.name: value_of(MAIN_OPTIONS, self.main, opt.name)
                         for opt in MAIN_OPTIONS},
        )


def _base_module(kind: str) -> object:
    from pyexim import load_module
    return load_module(model.DRIVER_KINDS[kind][0] + ".base")


# -- retry rules (readconf_retries) ----------------------------------------------------------

def read_fixed(text: str) -> int:
    """readconf_readfixed(): ``N`` or ``N.ddd`` as thousandths; -1 when malformed."""
    if not text[:1].isdigit():
        return -1
    whole, dot, fraction = text.partition(".")
    if not whole.isdigit() or (dot and fraction and not fraction.isdigit()):
        return -1
    value = int(whole) * 1000
    scale = 100
    for digit in fraction:
        value += int(digit) * scale
        scale //= 10
    return value


def retry_error(text: str) -> tuple[str, str | int | None]:
    """Decode a retry rule's error field (readconf_retry_error()).

    Returns (kind, detail) as RetryRule documents them; ValueError with Exim's
    message for an error Exim does not know.
    """
    base, underscore, extra = text.partition("_")
    lower = base.lower()
    if len(base) == 5 and lower == "quota":
        if not underscore:
            return "quota", None
        seconds = read_time(extra)
        if seconds < 0:
            raise ValueError("bad time value")
        return "quota", seconds
    if len(base) == 7 and lower == "refused":
        if not underscore:
            return "refused", None
        # strncmpic with the length of what was written: a prefix matches.
        if "mx".startswith(extra.lower()):
            return "refused", "MX"
        if "a".startswith(extra.lower()):
            return "refused", "A"
        raise ValueError('A or MX expected after "refused"')
    if len(base) == 7 and lower == "timeout":
        if not underscore:
            return "timeout", None
        for word in ("A", "MX", "connect", "connect_A", "connect_MX"):
            if word.lower().startswith(extra.lower()):
                return "timeout", word
        if "dns".startswith(extra.lower()):
            # Exim logs that timeout_DNS never worked and treats it as "timeout".
            return "timeout", None
        raise ValueError('"A", "MX", or "connect" expected after "timeout"')
    if text[:6].lower() in ("mail_4", "rcpt_4", "data_4"):
        digits = text[6:]
        bad = len(text) != 8
        if not bad and not (digits == "xx" or (digits[0].isdigit() and (
                digits[1].isdigit() or digits[1] == "x"))):
            bad = True
        if bad:
            raise ValueError(f"{text[:4]}_4 must be followed by xx, dx, or dd, where x is "
                             "literal and d is any digit")
        # Exim picks the kind by the first letter as written: "MAIL_4xx" counts
        # as a DATA error. Reproduced on purpose.
        kind = {"m": "mail", "r": "rcpt"}.get(text[0], "data")
        return kind + "_4xx", digits
    # Without "_", Exim compares what follows the word with "failed" and finds no match.
    if len(base) == 4 and lower == "auth" and underscore and "failed".startswith(extra.lower()):
        return "auth_failed", None
    for word in ("lost_connection", "tls_required", "lookup"):
        if word.startswith(text.lower()) and text:
            return word, None
    if text != "*":
        raise ValueError(f'unknown or malformed retry error "{text}"')
    return "*", None


# What Exim logs (and carries on) for the error name "timeout_DNS".
TIMEOUT_DNS_NOTE = ('"timeout_dns" is no longer available in retry rules (it has never worked) '
                    '- treated as "timeout"')


def read_retry_rule(text: str, loc: SourceLoc,
                    notes: list[tuple[str, SourceLoc | None]] | None = None) -> model.RetryRule:
    """One line of ``begin retry``: pattern, error, optional senders, F/G/H rules.

    Raises ConfigError with Exim's reason; Exim's non-fatal complaints are added
    to *notes*.
    """
    def fail(reason: str) -> ConfigError:
        return ConfigError(reason, loc)

    pattern, pos = dequote(text, 0)
    pos = span(text, C_SPACE, pos)
    start = pos
    while pos < len(text) and ord(text[pos]) > 32 and text[pos] != "\x7f":
        pos += 1
    if pos == start:
        raise fail("missing error type in retry rule")
    error = text[start:pos]
    try:
        kind, data = retry_error(error)
    except ValueError as problem:
        raise fail(str(problem)) from None
    if kind == "timeout" and data is None and "_" in error and notes is not None:
        notes.append((TIMEOUT_DNS_NOTE, loc))
    pos = span(text, C_SPACE, pos)
    senders = None
    if text.startswith("senders", pos):
        pos += 7
        pos = span(text, C_SPACE, pos)
        if text[pos:pos + 1] != "=":
            raise fail('"=" expected after "senders" in retry rule')
        pos += 1
        pos = span(text, C_SPACE, pos)
        senders, pos = dequote(text, pos)
    pos = span(text, C_SPACE, pos)

    def argument(fixed: bool) -> int:
        nonlocal pos
        if text[pos:pos + 1] != ",":
            raise fail("comma expected")
        pos += 1
        pos = span(text, C_SPACE, pos)
        begin = pos
        while pos < len(text) and text[pos].isascii() and (
                text[pos].isalnum() or (fixed and text[pos] == ".")):
            pos += 1
        if pos < len(text) and text[pos] not in C_SPACE and text[pos] not in ",;":
            raise fail("comma or semicolon expected")
        word = text[begin:pos]
        return read_fixed(word) if fixed else read_time(word)

    rules = []
    while pos < len(text):
        letter = text[pos].upper()
        pos += 1
        timeout = argument(False)
        if letter == "F":
            p1, p2 = argument(False), 0
        elif letter in "GH" and letter:
            p1 = argument(False)
            p2 = argument(True)
        else:
            raise fail("unknown retry rule letter")
        if timeout <= 0 or p1 <= 0 or (letter != "F" and p2 < 1000):
            raise fail("bad parameters for retry rule")
        rules.append((letter, timeout, p1, p2))
        pos = span(text, C_SPACE, pos)
        if text[pos:pos + 1] == ";":
            pos += 1
            pos = span(text, C_SPACE, pos)
        elif pos < len(text):
            raise fail("semicolon expected")
    return model.RetryRule(pattern, error, tuple(rules), loc, senders, kind, data)


def build(source: Source, *, hostname: str | None = None,
          expand: Callable[[str], str] | None = None) -> tuple[model.Config | None,
                                                                list[tuple[float, ConfigError]]]:
    """Parse and transform a preprocessed configuration.

    Returns the Config (None when the main file could not be read) and the errors
    found, each with its position; the caller decides what they mean.
    """
    from pyexim.config.parser import parse_lines

    builder = ConfigBuilder(source, hostname=hostname, expand=expand)
    if any(isinstance(err, ConfigFileError) for _pos, err in source.errors):
        return None, builder.errors
    try:
        tree = parse_lines(source.lines)
    except ConfigError as error:
        return None, builder.errors + [(float(len(source.lines)), error)]
    try:
        config = builder.transform(tree)
    except lark.exceptions.VisitError as error:
        # Lark wraps what a callback raises; let it through as itself (a
        # NotAvailableError naming a missing feature, or a bug's own traceback).
        raise error.orig_exc from None
    assert isinstance(config, model.Config)
    if builder.unavailable and not builder.errors:
        raise builder.unavailable[0]
    return config, builder.errors


__all__ = [
    "ConfigBuilder",
    "build",
    "read_fixed",
    "read_retry_rule",
    "retry_error",
]
