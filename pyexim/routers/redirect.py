"""The redirect router (spec: "The redirect router")."""

from __future__ import annotations

from pyexim.config.options import (
    Bit,
    Bool,
    EximConfigError,
    GidList,
    MainGetter,
    Octal,
    Opt,
    OptionTable,
    Settings,
    String,
    UidList,
    derive,
)
from pyexim.routers.base import GENERIC_OPTIONS

OPTIONS = OptionTable("redirect router", [
    Opt("allow_defer", Bit(), False),
    Opt("allow_fail", Bit(), False),
    Opt("allow_filter", Bit(), False),
    Opt("allow_freeze", Bit(), False),
    Opt("check_ancestor", Bool(), False),
    # Unset (None) until init: derived from check_local_user, owners, owngroups.
    Opt("check_group", Bool(), None),
    Opt("check_owner", Bool(), None),
    Opt("data", String(), None),
    Opt("directory_transport", String(), None),
    Opt("file", String(), None),
    Opt("file_transport", String(), None),
    Opt("filter_prepend_home", Bit(), True),
    Opt("forbid_blackhole", Bit(), False),
    Opt("forbid_exim_filter", Bit(), False),
    Opt("forbid_file", Bool(), False),
    Opt("forbid_filter_dlfunc", Bit(), False),
    Opt("forbid_filter_existstest", Bit(), False),
    Opt("forbid_filter_logwrite", Bit(), False),
    Opt("forbid_filter_lookup", Bit(), False),
    Opt("forbid_filter_perl", Bit(), False),
    Opt("forbid_filter_readfile", Bit(), False),
    Opt("forbid_filter_readsocket", Bit(), False),
    Opt("forbid_filter_reply", Bool(), False),
    Opt("forbid_filter_run", Bit(), False),
    Opt("forbid_include", Bit(), False),
    Opt("forbid_pipe", Bool(), False),
    Opt("forbid_sieve_filter", Bit(), False),
    Opt("forbid_smtp_code", Bool(), False),
    Opt("hide_child_in_errmsg", Bool(), False),
    Opt("ignore_eacces", Bit(), False),
    Opt("ignore_enotdir", Bit(), False),
    Opt("include_directory", String(), None),
    Opt("modemask", Octal(), 0o022),
    Opt("one_time", Bool(), False),
    Opt("owners", UidList(), None),
    Opt("owngroups", GidList(), None),
    Opt("pipe_transport", String(), None),
    Opt("qualify_domain", String(), None),
    Opt("qualify_preserve_domain", Bool(), False),
    Opt("repeat_use", Bool(), True),
    Opt("reply_transport", String(), None),
    Opt("rewrite", Bit(), True),
    Opt("sieve_enotify_mailto_owner", String(), None),
    Opt("sieve_subaddress", String(), None),
    Opt("sieve_useraddress", String(), None),
    Opt("sieve_vacation_directory", String(), None),
    Opt("skip_syntax_errors", Bool(), False),
    Opt("syntax_errors_text", String(), None),
    Opt("syntax_errors_to", String(), None),
])


def init(name: str, settings: Settings, main: MainGetter) -> None:
    """redirect_router_init: file xor data; one_time limits; check_owner/check_group defaults."""
    def get(option: str) -> object:
        setting = settings.get(option)
        if setting is not None:
            return setting.value
        table = OPTIONS if option in OPTIONS else GENERIC_OPTIONS
        return table.default(option)

    def fail(reason: str) -> EximConfigError:
        return EximConfigError(f"{name} router:\n  {reason}", form="for")

    if (get("file") is None) == (get("data") is None):
        only = "" if get("file") is None else "only "
        raise fail(f'{only}one of "file" or "data" must be specified')
    if get("one_time"):
        for option in ("forbid_pipe", "forbid_file", "forbid_filter_reply"):
            derive(settings, option, True)
        if get("headers_add") is not None or get("headers_remove") is not None:
            raise fail('"headers_add" and "headers_remove" are not permitted with "one_time"')
        if get("unseen"):
            raise fail('"unseen" may not be used with "one_time"')
    if get("check_owner") is None:
        derive(settings, "check_owner", bool(get("check_local_user") or get("owners")))
    if get("check_group") is None:
        modemask = int(get("modemask"))  # type: ignore[call-overload]
        derive(settings, "check_group", bool(
            (get("check_local_user") and modemask & 0o020 == 0) or get("owngroups")))
    if get("qualify_domain") is not None and get("qualify_preserve_domain"):
        raise fail('only one of "qualify_domain" or "qualify_preserve_domain" must be set')
    if not get("check_local_user") and get("user") is None and get("allow_filter"):
        raise fail('"user" or "check_local_user" must be set with "allow_filter"')
