"""The pipe transport (spec: "The pipe transport"): runs a command with the message on its stdin."""

from __future__ import annotations

from pyexim.config.options import (
    Bool,
    EximConfigError,
    Int,
    MainGetter,
    MkInt,
    Octal,
    Opt,
    OptionTable,
    Settings,
    String,
    Time,
    derive,
    getter,
)
from pyexim.transports.appendfile import MBOX_PREFIX
from pyexim.transports.base import GENERIC_OPTIONS, check_user_group

OPTIONS = OptionTable("pipe transport", [
    Opt("allow_commands", String(), None),
    Opt("batch_id", String(), None),
    Opt("batch_max", Int(), 1),
    Opt("check_string", String(), None),
    Opt("command", String(), None),
    Opt("environment", String(), None),
    Opt("escape_string", String(), None),
    Opt("force_command", Bool(), False),
    Opt("freeze_exec_fail", Bool(), False),
    Opt("freeze_signal", Bool(), False),
    Opt("ignore_status", Bool(), False),
    Opt("log_defer_output", Bool(), False),
    Opt("log_fail_output", Bool(), False),
    Opt("log_output", Bool(), False),
    Opt("max_output", MkInt(), 20480),
    Opt("message_prefix", String(), None),
    Opt("message_suffix", String(), None),
    Opt("path", String(), "/bin:/usr/bin"),
    Opt("permit_coredump", Bool(), False),
    Opt("pipe_as_creator", Bool(), False),
    Opt("restrict_to_path", Bool(), False),
    Opt("return_fail_output", Bool(), False),
    Opt("return_output", Bool(), False),
    Opt("temp_errors", String(), "75:73"),
    Opt("timeout", Time(), 3600),
    Opt("timeout_defer", Bool(), False),
    Opt("umask", Octal(), 0o022),
    Opt("use_bsmtp", Bool(), False),
    Opt("use_crlf", Bool(), False),
    Opt("use_shell", Bool(), False),
])

# Option of Exim 4.96's pipe transport that Debian's (Linux) build leaves out.
NOT_IN_BUILD: dict[str, str] = {"use_classresources": "HAVE_SETCLASSRESOURCES"}


def init(name: str, settings: Settings, main: MainGetter) -> None:
    """pipe_transport_init: option conflicts, temp_errors syntax, mbox-style affixes."""
    get = getter(settings, OPTIONS, GENERIC_OPTIONS)

    def fail(reason: str) -> EximConfigError:
        return EximConfigError(reason, form="plain")

    if get("pipe_as_creator") and (get("user") is not None or get("group") is not None):
        raise fail(f"both pipe_as_creator and an explicit uid/gid are set for the {name} "
                   "transport")
    check_user_group(name, settings)
    temp_errors = get("temp_errors")
    if temp_errors is not None and temp_errors != "*" and any(
            ch not in "0123456789: " for ch in str(temp_errors)):
        raise fail(f"temp_errors must be a list of numbers or an asterisk for the {name} "
                   "transport")
    if get("return_output") and get("return_fail_output"):
        raise fail(f"both return_output and return_fail_output set for {name} transport")
    if get("log_output") and get("log_fail_output"):
        raise fail(f"both log_output and log_fail_output set for the {name} transport")
    if get("use_bsmtp"):
        derive(settings, "check_string", ".")
        derive(settings, "escape_string", "..")
    else:
        if get("message_prefix") is None:
            derive(settings, "message_prefix", MBOX_PREFIX)
        if get("message_suffix") is None:
            derive(settings, "message_suffix", "\n")
    if get("restrict_to_path") and get("use_shell"):
        raise fail(f"both restrict_to_path and use_shell set for {name} transport")
    if get("allow_commands") is not None and get("use_shell"):
        raise fail(f"both allow_commands and use_shell set for {name} transport")
