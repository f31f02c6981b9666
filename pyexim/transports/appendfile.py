"""The appendfile transport (spec: "The appendfile transport"): mbox files and maildir/mailstore/mbx directories."""

from __future__ import annotations

from pyexim.config.options import (
    Bool,
    BoolSet,
    EximConfigError,
    ExpandBool,
    Int,
    MainGetter,
    Octal,
    Opt,
    OptionTable,
    Settings,
    String,
    Time,
    derive,
    getter,
)
from pyexim.transports.base import GENERIC_OPTIONS, check_user_group

OPTIONS = OptionTable("appendfile transport", [
    # Exim lists the string form of maildir_use_size_file as an option of its own,
    # and -bP prints it (it is not flagged hidden); it is set only by that option.
    Opt("*expand_maildir_use_size_file", String(), None),
    Opt("allow_fifo", Bool(), False),
    Opt("allow_symlink", Bool(), False),
    Opt("batch_id", String(), None),
    Opt("batch_max", Int(), 1),
    Opt("check_group", Bool(), False),
    Opt("check_owner", Bool(), True),
    Opt("check_string", String(), None),
    Opt("create_directory", Bool(), True),
    Opt("create_file", String(), "anywhere"),
    Opt("directory", String(), None),
    Opt("directory_file", String(), "q${base62:$tod_epoch}-$inode"),
    Opt("directory_mode", Octal(), 0o700),
    Opt("escape_string", String(), None),
    Opt("file", String(), None),
    Opt("file_format", String(), None),
    Opt("file_must_exist", Bool(), False),
    Opt("lock_fcntl_timeout", Time(), 0),
    Opt("lock_flock_timeout", Time(), 0),
    Opt("lock_interval", Time(), 3),
    Opt("lock_retries", Int(), 10),
    Opt("lockfile_mode", Octal(), 0o600),
    Opt("lockfile_timeout", Time(), 1800),
    Opt("mailbox_filecount", String(), None),
    Opt("mailbox_size", String(), None),
    Opt("maildir_format", Bool(), False),
    Opt("maildir_quota_directory_regex", String(), r"^(?:cur|new|\..*)$"),
    Opt("maildir_retries", Int(), 10),
    Opt("maildir_tag", String(), None),
    Opt("maildir_use_size_file", ExpandBool(), False),
    Opt("maildirfolder_create_regex", String(), None),
    Opt("mailstore_format", Bool(), False),
    Opt("mailstore_prefix", String(), None),
    Opt("mailstore_suffix", String(), None),
    Opt("mbx_format", Bool(), False),
    Opt("message_prefix", String(), None),
    Opt("message_suffix", String(), None),
    Opt("mode", Octal(), 0o600),
    Opt("mode_fail_narrower", Bool(), True),
    Opt("notify_comsat", Bool(), False),
    Opt("quota", String(), None),
    Opt("quota_directory", String(), None),
    Opt("quota_filecount", String(), None),
    Opt("quota_is_inclusive", Bool(), True),
    Opt("quota_size_regex", String(), None),
    Opt("quota_warn_message", String(), None),
    Opt("quota_warn_threshold", String(), None),
    Opt("use_bsmtp", Bool(), False),
    Opt("use_crlf", Bool(), False),
    Opt("use_fcntl_lock", BoolSet(), True),
    Opt("use_flock_lock", BoolSet(), False),
    Opt("use_lockfile", BoolSet(), True),
    Opt("use_mbx_lock", BoolSet(), False),
])

# The mbox "From " line that appendfile and pipe add when nothing else is set.
MBOX_PREFIX = "From ${if def:return_path{$return_path}{MAILER-DAEMON}} ${tod_bsdinbox}\n"

QUOTA_WARN_MESSAGE = (
    "To: $local_part@$domain\n"
    "Subject: Your mailbox\n\n"
    "This message is automatically created by mail delivery software (Exim).\n\n"
    "The size of your mailbox has exceeded a warning threshold that is\n"
    "set by the system administrator.\n")


def init(name: str, settings: Settings, main: MainGetter) -> None:
    """appendfile_transport_init: locking defaults, file/directory rules, mbox affixes."""
    get = getter(settings, OPTIONS, GENERIC_OPTIONS)

    def fail(reason: str) -> EximConfigError:
        return EximConfigError(f"{name} transport:\n  {reason}", form="for")

    def set_value(option: str, value: object) -> None:
        if get(option) != value:
            derive(settings, option, value)

    if get("lock_retries") == 0:
        set_value("lock_retries", 1)
    if get("file") is not None and get("directory") is not None:
        raise fail('only one of "file" or "directory" can be specified')
    if get("file") is not None:
        if get("quota_filecount") is not None:
            raise fail('quota_filecount must not be set without "directory"')
        if get("quota_directory") is not None:
            raise fail('quota_directory must not be set without "directory"')

    explicit = {lock: lock in settings and settings[lock].implied_by is None for lock in (
        "use_fcntl_lock", "use_flock_lock", "use_lockfile", "use_mbx_lock")}
    if get("use_flock_lock") and not explicit["use_fcntl_lock"]:
        set_value("use_fcntl_lock", False)
    if get("mbx_format"):
        if not any(explicit.values()):
            set_value("use_lockfile", False)
            set_value("use_flock_lock", False)
            set_value("use_mbx_lock", True)
            set_value("use_fcntl_lock", True)
        elif get("use_mbx_lock"):
            for lock in ("use_lockfile", "use_fcntl_lock", "use_flock_lock"):
                if not explicit[lock]:
                    set_value(lock, False)
            if not get("use_fcntl_lock") and not get("use_flock_lock"):
                set_value("use_fcntl_lock", True)
    if not any(get(lock) for lock in explicit):
        raise fail("no locking configured")
    if not get("use_fcntl_lock"):
        set_value("lock_fcntl_timeout", 0)
    if not get("use_flock_lock"):
        set_value("lock_flock_timeout", 0)

    if get("directory") is not None:
        if get("maildir_format") and get("mailstore_format"):
            raise fail("only one of maildir and mailstore may be specified")
        if get("quota_filecount") is not None and get("quota") is None:
            raise fail("quota must be set if quota_filecount is set")
        if get("quota_directory") is not None and get("quota") is None:
            raise fail("quota must be set if quota_directory is set")
    check_user_group(name, settings)

    create = get("create_file")
    if create:
        text = str(create)
        if text not in ("anywhere", "belowhome", "inhome") and not text.startswith("/"):
            raise EximConfigError(f'invalid value given for "create_file" for the {name} '
                                  f"transport: '{text}'", form="plain")
    if get("quota_warn_threshold") is not None and get("quota_warn_message") is None:
        set_value("quota_warn_message", QUOTA_WARN_MESSAGE)
    if get("use_bsmtp"):
        set_value("check_string", ".")
        set_value("escape_string", "..")
    elif get("directory") is None and not get("maildir_format") and not get("mailstore_format"):
        for option, value in (("message_prefix", MBOX_PREFIX), ("message_suffix", "\n"),
                              ("check_string", "From "), ("escape_string", ">From ")):
            if get(option) is None:
                set_value(option, value)
