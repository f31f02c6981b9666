"""Checks Exim leaves until a setting is used, made at once (pyexim's -bV goes beyond Exim).

Exim's -bV is shallow: a router naming a transport that does not exist, an
acl_smtp_rcpt naming a missing ACL, a "+name" for a named list never defined, or an
expansion with unbalanced braces pass -bV and fail later, on a live message. pyexim
reports them when it reads the configuration, as warnings: they do not change
whether the configuration is accepted (Exim would accept it), but the administrator
hears about them before the mail does.

Each check returns (reason, SourceLoc) pairs; the reason starts with
"(checked at use time by Exim)".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from pyexim.config import model
from pyexim.config.acl_line import ACL_VERBS
from pyexim.config.options import OptionSetting
from pyexim.errors import SourceLoc
from pyexim.strings import list_items

PREFIX = "(checked at use time by Exim) "

Warning_ = tuple[str, SourceLoc | None]

# Router options that name a transport (spec: generic router options and redirect's).
_TRANSPORT_OPTIONS = ("transport", "file_transport", "pipe_transport", "reply_transport",
                      "directory_transport")

# Main options whose value names an ACL (spec: "Access control lists").
_ACL_OPTIONS = ("acl_not_smtp", "acl_not_smtp_mime", "acl_not_smtp_start", "acl_smtp_auth",
                "acl_smtp_atrn", "acl_smtp_connect", "acl_smtp_data",
                "acl_smtp_data_prdr", "acl_smtp_dkim", "acl_smtp_etrn", "acl_smtp_expn",
                "acl_smtp_helo", "acl_smtp_mail", "acl_smtp_mailauth", "acl_smtp_mime",
                "acl_smtp_notquit", "acl_smtp_predata", "acl_smtp_quit", "acl_smtp_rcpt",
                "acl_smtp_starttls", "acl_smtp_vrfy", "acl_smtp_wellknown")

# ACL conditions whose value is a list, and the kind of named list "+name" refers to.
_ACL_LIST_CONDITIONS = {"domains": "domain", "hosts": "host", "local_parts": "localpart",
                        "recipients": "address", "senders": "address",
                        "sender_domains": "domain"}

# Router preconditions that are lists (spec: "Generic options for routers").
_ROUTER_LIST_OPTIONS = {"domains": "domain", "local_parts": "localpart",
                        "senders": "address"}

# String options that are regular expressions, code or literal text, never expanded:
# a "$" in them is an anchor or a character, not an expansion. A pipe's or
# queryprogram's command is split into arguments before each is expanded, with its
# own quoting rules, so the text as a whole is not an expansion string either.
_NOT_EXPANDED = frozenset({"dns_check_names_pattern", "uucp_from_pattern", "gecos_pattern",
                           "quota_size_regex", "maildir_quota_directory_regex",
                           "maildirfolder_create_regex", "check_string", "escape_string",
                           "keep_environment", "perl_startup", "command"})

_KIND_WORDS = {"domain": "domain", "host": "host", "address": "address",
               "localpart": "local part"}


def brace_problem(text: str) -> str | None:
    """A description of unbalanced ``${``/``}`` in *text*, or None when they balance.

    A small stand-in for a full expansion-syntax check: backslash escapes and
    ``\\N...\\N`` literal regions are skipped, every ``{`` must be closed by a ``}``.
    """
    depth = 0
    i = 0
    n = len(text)
    while i < n:
        char = text[i]
        if char == "\\":
            if text.startswith("\\N", i):
                end = text.find("\\N", i + 2)
                i = n if end < 0 else end + 2
                continue
            i += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                return 'unexpected "}" in expansion'
        i += 1
    if depth > 0:
        return f'missing "}}" in expansion ({depth} unclosed "{{")'
    return None


def expansion_problem(text: str) -> str | None:
    """What is wrong with the syntax of expansion string *text*, or None.

    Uses the expansion engine's reader (pyexim.expand) when it is installed, so the
    check follows Exim's own reading; otherwise the brace count above.
    """
    try:
        from pyexim.expand.nodes import broken_in
        from pyexim.expand.parser import parse
    except ImportError:
        return brace_problem(text)
    broken = broken_in(parse(text))
    if broken is None:
        return None
    if broken.detail:
        return broken.detail
    # Exim's message for a string that ends inside an item.
    return "missing } at end of string"


# Items that look like "+name" but are instructions to the list matcher (match.c).
_LIST_KEYWORDS = {"address": {"+caseful"}, "localpart": {"+caseful"}, "domain": set(),
                  "host": {"+include_unknown", "+ignore_unknown", "+include_defer",
                           "+ignore_defer"}}

# Options that hold a list whose items are expanded one by one, and their separator.
_ITEM_EXPANDED = {"headers_add": "\n", "headers_remove": ":", "set": ";",
                  "require_files": ":"}


def _named_refs(value: str, kind: str) -> Iterator[str]:
    """The names of named lists a list of *kind* refers to with "+name" (or "!+name")."""
    if "$" in value:
        return
    for item in list_items(value):
        if item in _LIST_KEYWORDS[kind]:
            continue
        item = item.lstrip("!").strip()
        if item.startswith("+") and len(item) > 1:
            yield item[1:]


def _expansion_warnings(settings: Mapping[str, OptionSetting],
                        where: str) -> Iterator[Warning_]:
    for setting in settings.values():
        if setting.implied_by is not None or not isinstance(setting.value, str) or \
                setting.name in _NOT_EXPANDED:
            continue
        if "$" not in setting.value:
            continue
        separator = _ITEM_EXPANDED.get(setting.name)
        items = [setting.value] if separator is None else list_items(
            setting.value, default=separator)
        for item in items:
            problem = expansion_problem(item)
            if problem is not None:
                yield (f"{PREFIX}{where}option {setting.name}: {problem}", setting.loc)
                break


def _list_warnings(config: model.Config, value: str, kind: str, loc: SourceLoc | None,
                   what: str) -> Iterator[Warning_]:
    for name in _named_refs(value, kind):
        if config.named_list(kind, name) is None:
            yield (f'{PREFIX}{what}: unknown named {_KIND_WORDS[kind]} list "+{name}"', loc)


def runtime_warnings(config: model.Config) -> list[Warning_]:
    """Every problem Exim would find only when a setting is used, in file order."""
    found: list[Warning_] = []
    transports = {t.name for t in config.transports}
    for router in config.routers:
        for option in _TRANSPORT_OPTIONS:
            setting = router.settings.get(option)
            if setting is None or not isinstance(setting.value, str) or "$" in setting.value:
                continue
            if setting.value not in transports:
                found.append(((f'{PREFIX}router {router.name}: {option} "{setting.value}" is '
                              "not a defined transport"), setting.loc))
        for option, kind in _ROUTER_LIST_OPTIONS.items():
            setting = router.settings.get(option)
            if setting is not None and isinstance(setting.value, str):
                found.extend(_list_warnings(config, setting.value, kind, setting.loc,
                                            f"router {router.name}: {option}"))
        found.extend(_expansion_warnings(router.settings, f"router {router.name}: "))
    for transport in config.transports:
        setting = transport.settings.get("shadow_transport")
        if setting is not None and isinstance(setting.value, str) and \
                setting.value not in transports:
            found.append(((f'{PREFIX}transport {transport.name}: shadow_transport '
                          f'"{setting.value}" is not a defined transport'), setting.loc))
        found.extend(_expansion_warnings(transport.settings, f"transport {transport.name}: "))
    for auth in config.authenticators:
        found.extend(_expansion_warnings(auth.settings, f"authenticator {auth.name}: "))

    for option in _ACL_OPTIONS:
        setting = config.main.get(option)
        if setting is not None and isinstance(setting.value, str):
            found.extend(_acl_name_warnings(config, setting.value, setting.loc, option))
    found.extend(_expansion_warnings(config.main, ""))

    for kind, lists in config.named_lists.items():
        for named in lists.values():
            found.extend(_list_warnings(config, named.value, kind, named.loc,
                                        f"{_KIND_WORDS[kind]} list {named.name}"))
    for acl in config.acls.values():
        for statement in acl.statements:
            for condition in statement.conditions:
                found.extend(_condition_warnings(config, acl, condition))
    found.sort(key=lambda w: (w[1].file, w[1].line) if w[1] else ("", 0))
    return found


def _acl_name_warnings(config: model.Config, value: str, loc: SourceLoc | None,
                       what: str) -> Iterator[Warning_]:
    """An ACL named by a word must exist (a "/file" or text with spaces is an inline ACL)."""
    name = value.strip()
    if not name or "$" in name or name.startswith("/") or " " in name:
        return
    # A single word that names no ACL is read as ACL text: "accept" alone is an ACL.
    if name not in config.acls and name not in ACL_VERBS:
        yield (f'{PREFIX}{what}: there is no ACL called "{name}"', loc)


def _condition_warnings(config: model.Config, acl: model.Acl,
                        condition: model.AclCondition) -> Iterable[Warning_]:
    what = f"ACL {acl.name}: {condition.name}"
    found: list[Warning_] = []
    if condition.name == "acl":
        found.extend(_acl_name_warnings(config, condition.value.split(" ")[0], condition.loc,
                                        what))
    kind = _ACL_LIST_CONDITIONS.get(condition.name)
    if kind is not None:
        found.extend(_list_warnings(config, condition.value, kind, condition.loc, what))
    if "$" in condition.value:
        problem = expansion_problem(condition.value)
        if problem is not None:
            found.append((f"{PREFIX}{what}: {problem}", condition.loc))
    return found
