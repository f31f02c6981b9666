"""Option-setting cases checked against real Exim 4.96, and the harness that runs them in pyexim.

Each case is a small configuration (main lines, driver instances, named lists)
and the ``-bP`` arguments to print. ``gen_option_goldens.py`` writes each case
as an exim.conf, runs the real Exim on it and stores stdout, the first error
message and the exit status in ``goldens/option_cases.json``. The tests build
the same configuration through pyexim's option API (apply_setting,
DriverFamily, finish_main, finish_section) and print it with the Printer
of ``pyexim -bP``, so they need no config reader and no Exim.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pyexim.auth import base as auth_base
from pyexim.auth.registry import AUTHENTICATORS
from pyexim.config.main_options import MAIN_OPTIONS, finish_main
from pyexim.config.options import (
    ConfigError,
    DriverFamily,
    OptionSetting,
    apply_setting,
    getter,
    panic_die_text,
)
from pyexim.errors import SourceLoc
from pyexim.routers import base as router_base
from pyexim.routers.registry import ROUTERS
from pyexim.transports import base as transport_base
from pyexim.transports.registry import TRANSPORTS

# The config path as goldens store it (the generator replaces the real one).
CONF = "CONF"
HOSTNAME = "vm"

Instance = tuple[str, Sequence[str]]


@dataclass(frozen=True)
class Case:
    """One configuration and what to print from it."""

    id: str
    main: Sequence[str] = ()
    routers: Sequence[Instance] = ()
    transports: Sequence[Instance] = ()
    authenticators: Sequence[Instance] = ()
    lists: Sequence[tuple[str, str, str, bool]] = ()   # (kind, name, value, hide)
    args: Sequence[str] = ()                            # after -bP; () = names in main
    names_only: bool = False                            # -n
    admin: bool = True                                  # False: run as "nobody"

    def bp_args(self) -> list[str]:
        """The arguments after -bP."""
        if self.args:
            return list(self.args)
        names = []
        for line in self.main:
            word = line.split("=")[0].split()
            name = word[-1] if word else ""
            for prefix in ("no_", "not_"):
                if name.startswith(prefix) and MAIN_OPTIONS.find(name[len(prefix):]):
                    name = name[len(prefix):]
            if name and name not in names:
                names.append(name)
        return names or ["qualify_domain"]


def config_lines(case: Case) -> list[tuple[str, str, str | None]]:
    """The case as exim.conf lines: (text, section, instance) in file order."""
    lines: list[tuple[str, str, str | None]] = []
    for kind, name, value, hide in case.lists:
        prefix = "hide " if hide else ""
        lines.append((f"{prefix}{kind}list {name} = {value}", "lists", None))
    lines.extend((line, "main", None) for line in case.main)
    for section, instances in (("routers", case.routers), ("transports", case.transports),
                               ("authenticators", case.authenticators)):
        if not instances:
            continue
        lines.append((f"begin {section}", "begin", None))
        for name, options in instances:
            lines.append((f"{name}:", section, name))
            lines.extend((f"  {option}", section, name) for option in options)
    return lines


def config_text(case: Case) -> str:
    """The exim.conf the generator gives real Exim."""
    return "".join(text + "\n" for text, _section, _instance in config_lines(case))


@dataclass
class NamedList:
    """What -bP +NAME needs from a named list."""

    value: str
    hide: bool


@dataclass
class Instance_:
    """A driver instance as the Printer sees one."""

    name: str
    settings: dict[str, OptionSetting]


@dataclass
class Built:
    """A configuration built through the option API, shaped like the reader's Config."""

    main: dict[str, OptionSetting] = field(default_factory=dict)
    routers: list[Instance_] = field(default_factory=list)
    transports: list[Instance_] = field(default_factory=list)
    authenticators: list[Instance_] = field(default_factory=list)
    named_lists: dict[str, dict[str, NamedList]] = field(default_factory=dict)
    macros: tuple[object, ...] = ()
    config_lines: tuple[str, ...] = ()


_FAMILIES: Mapping[str, tuple[DriverFamily, object]] = {
    "routers": (ROUTERS, router_base.finish_section),
    "transports": (TRANSPORTS, transport_base.finish_section),
    "authenticators": (AUTHENTICATORS, auth_base.finish_section),
}


def build(case: Case) -> Built:
    """Read the case the way Exim reads its config file; raises ConfigError at the first error."""
    built = Built()
    current: Instance_ | None = None
    section = "main"
    instances: list[Instance_] = []

    def main_value(name: str) -> object:
        return getter(built.main, MAIN_OPTIONS)(name)

    def end_section() -> None:
        nonlocal current
        if section in _FAMILIES:
            family, finish = _FAMILIES[section]
            if current is not None:
                family.init_instance(current.name, current.settings, main_value)
            finish([(i.name, i.settings) for i in instances])  # type: ignore[operator]
        elif section == "main":
            finish_main(built.main, hostname=HOSTNAME)
        current = None

    for number, (line, kind, instance) in enumerate(config_lines(case), start=1):
        loc = SourceLoc(CONF, number)
        text = line.rstrip()  # the reader drops trailing white space, as Exim does
        if kind == "lists":
            list_kind, rest = text.replace("hide ", "", 1).split("list ", 1)
            name, value = (part.strip() for part in rest.split("=", 1))
            built.named_lists.setdefault(list_kind, {})[name] = NamedList(
                value, text.startswith("hide "))
        elif kind == "main":
            apply_setting(MAIN_OPTIONS, built.main, text, loc, context="main")
        elif kind == "begin":
            end_section()
            section = text.split()[1]
            instances = getattr(built, section)
        elif text.endswith(":") and not text.startswith(" "):
            family = _FAMILIES[section][0]
            if current is not None:
                family.init_instance(current.name, current.settings, main_value)
            family.check_new_name([i.name for i in instances], text[:-1])
            current = Instance_(text[:-1], {})
            instances.append(current)
        else:
            assert current is not None and instance == current.name
            _FAMILIES[section][0].apply(current.name, current.settings, text, loc)
    end_section()
    return built


@dataclass(frozen=True)
class Outcome:
    """What -bP printed: stdout, the error text (as Exim writes it under -bP) and the status."""

    stdout: str
    error: str
    status: int


def run(case: Case) -> Outcome:
    """Build the case and print its -bP arguments as pyexim does (host "vm")."""
    from pyexim.cli.print_config import Printer, answer
    try:
        built = build(case)
    except ConfigError as error:
        return Outcome("", panic_die_text(error, "Exim"), 1)
    printer = Printer(built, CONF, labels=not case.names_only, admin=case.admin)
    out, complaints, status = answer(printer, case.bp_args())
    return Outcome("".join(line + "\n" for line in out),
                   "".join(complaint + "\n" for complaint in complaints), status)


def _main(*lines: str, args: Sequence[str] = (), names_only: bool = False) -> Case:
    return Case(id="", main=lines, args=args, names_only=names_only)


_ROUTER = ("r1", ("driver = accept", "transport = t1"))
_TRANSPORT = ("t1", ("driver = appendfile", "file = /tmp/x"))


def _router(*options: str, driver: str = "redirect", args: Sequence[str] = ("router", "r1"),
            extra: Sequence[Instance] = ()) -> Case:
    return Case(id="", routers=(("r1", (f"driver = {driver}", *options)), *extra),
                transports=(_TRANSPORT,), args=args)


def _transport(*options: str, driver: str = "pipe", args: Sequence[str] = ("transport", "t2"),
               extra: Sequence[Instance] = ()) -> Case:
    return Case(id="", transports=(_TRANSPORT, ("t2", (f"driver = {driver}", *options)), *extra),
                args=args)


def _auth(*instances: Instance, args: Sequence[str] = ("authenticators",)) -> Case:
    return Case(id="", authenticators=instances, args=args)


_RAW_CASES: dict[str, Case] = {
    # --- booleans ------------------------------------------------------------
    "bool-bare": _main("accept_8bitmime"),
    "bool-no": _main("no_accept_8bitmime"),
    "bool-not": _main("not_accept_8bitmime"),
    "bool-eq-false": _main("accept_8bitmime = false"),
    "bool-eq-yes": _main("log_timezone = yes"),
    "bool-eq-True": _main("log_timezone = True"),
    "bool-eq-NO": _main("accept_8bitmime = NO"),
    "bool-eq-empty": _main("log_timezone ="),
    "bool-bad-word": _main("log_timezone = TIMES"),
    "bool-bad-number": _main("log_timezone = 1"),
    "bool-extra-after-word": _main("log_timezone = true false"),
    "bool-extra-after-word-comment": _main("log_timezone = true # why"),
    "bool-no-with-value": _main("no_log_timezone = true"),
    "bool-extra-no-equals": _main("log_timezone true"),
    "bool-extra-comment": _main("log_timezone #true"),
    "bool-twice": _main("log_timezone", "no_log_timezone"),
    # --- integers ------------------------------------------------------------
    "int-decimal": _main("check_spool_inodes = 42"),
    "int-hex": _main("check_spool_inodes = 0x1F"),
    "int-octal": _main("check_spool_inodes = 017"),
    "int-negative": _main("dns_retry = -3"),
    "int-k": _main("check_spool_inodes = 2k"),
    "int-M": _main("check_spool_inodes = 3M"),
    "int-G": _main("check_spool_inodes = 1G"),
    "int-overflow-suffix": _main("check_spool_inodes = 4G"),
    "int-overflow": _main("check_spool_inodes = 99999999999"),
    "int-not-number": _main("check_spool_inodes = many"),
    "int-extra": _main("check_spool_inodes = 10 x"),
    "int-extra-comment": _main("check_spool_inodes = 10 # ten"),
    "int-space-before-suffix": _main("check_spool_inodes = 10 K"),
    "int-trailing-space-ok": _main("check_spool_inodes = 10  "),
    "int-plus": _main("check_spool_inodes = +7"),
    "int-bad-octal": _main("check_spool_inodes = 09"),
    "mkint-1k": _main("bounce_return_size_limit = 1024"),
    "mkint-1m": _main("bounce_return_size_limit = 1048576"),
    "mkint-plain": _main("bounce_return_size_limit = 1000"),
    "mkint-K": _main("bounce_return_size_limit = 20K"),
    "mkint-M": _main("message_body_visible = 3M"),
    "mkint-zero": _main("message_body_visible = 0"),
    "mkint-alias": _main("return_size_limit = 2M",
                         args=("bounce_return_size_limit", "return_size_limit")),
    "kint-bytes-round-down": _main("check_spool_space = 100"),
    "kint-bytes-round-up": _main("check_spool_space = 2000"),
    "kint-K": _main("check_spool_space = 5K"),
    "kint-M": _main("check_spool_space = 10M"),
    "kint-G": _main("check_spool_space = 1G"),
    "kint-T": _main("check_spool_space = 2T"),
    "kint-1025K": _main("check_spool_space = 1025K"),
    "kint-zero": _main("check_spool_space = 0"),
    "kint-bad-suffix": _main("check_spool_space = 1x"),
    "kint-not-number": _main("check_log_space = big"),
    # --- fixed point ------------------------------------------------------------
    "fixed-one-decimal": _main("queue_only_load = 1.5"),
    "fixed-whole": _main("queue_only_load = 2"),
    "fixed-two-decimals": _main("queue_only_load = 0.25"),
    "fixed-three-decimals": _main("queue_only_load = 1.234"),
    "fixed-four-decimals": _main("queue_only_load = 1.2345"),
    "fixed-zero": _main("smtp_load_reserve = 0"),
    "fixed-bad": _main("queue_only_load = high"),
    "fixed-negative": _main("queue_only_load = -1"),
    "fixed-extra": _main("deliver_queue_load_max = 1.5 x"),
    "fixed-unset": _main("qualify_domain = x", args=("deliver_queue_load_max",)),
    "fixed-unset-n": _main("qualify_domain = x", args=("deliver_queue_load_max",),
                           names_only=True),
    # --- times -------------------------------------------------------------------
    "time-h-m": _main("auto_thaw = 1h30m"),
    "time-seconds-carry": _main("auto_thaw = 90s"),
    "time-days": _main("auto_thaw = 2d"),
    "time-weeks-days": _main("auto_thaw = 1w2d"),
    "time-zero": _main("auto_thaw = 0s"),
    "time-repeated-unit": _main("auto_thaw = 1h1h"),
    "time-no-unit": _main("auto_thaw = 10"),
    "time-trailing-number": _main("auto_thaw = 1h30"),
    "time-space": _main("auto_thaw = 1h 30m"),
    "time-fraction": _main("auto_thaw = 1.5s"),
    "time-bad": _main("auto_thaw = soon"),
    "timelist-three": _main("delay_warning = 1h:2h:3h"),
    "timelist-spaces": _main("delay_warning = 1h : 2h"),
    "timelist-out-of-order": _main("delay_warning = 2h:1h"),
    "timelist-zero": _main("delay_warning = 0s"),
    "timelist-too-many": _main("delay_warning = 1h:2h:3h:4h:5h:6h:7h:8h:9h:10h:11h"),
    "timelist-ten": _main("delay_warning = 1h:2h:3h:4h:5h:6h:7h:8h:9h:10h"),
    "timelist-bad": _main("delay_warning = 1h:later"),
    "timelist-empty": _main("delay_warning = "),
    "receive-timeout-time": _main("smtp_receive_timeout = 2m"),
    "receive-timeout-expand": _main("smtp_receive_timeout = ${if eq{1}{1}{1m}{2m}}"),
    "receive-timeout-bad": _main("smtp_receive_timeout = never"),
    # --- strings -----------------------------------------------------------------
    "string-plain": _main("qualify_domain = example.com"),
    "string-spaces": _main("smtp_banner = hello   world  "),
    "string-quoted": _main('smtp_banner = "a\\tb\\nc"'),
    "string-quoted-octal-hex": _main('smtp_banner = "\\101\\x42\\x4a\\q"'),
    "string-quoted-nul": _main('smtp_banner = "ab\\x"'),
    "string-missing-quote": _main('smtp_banner = "abc'),
    "string-only-quote": _main('smtp_banner = "'),
    "string-extra": _main('smtp_banner = "abc" def'),
    "string-extra-comment": _main('smtp_banner = "abc" #def'),
    "string-escaped-final-quote": _main('smtp_banner = "abc\\"'),
    "string-tab-unquoted": _main("smtp_banner = a\tb"),
    "string-control": _main('smtp_banner = "a\\001b\\177"'),
    "string-topbit": _main("smtp_banner = caf\u00e9"),
    "string-topbit-printed": _main("print_topbitchars", "smtp_banner = caf\u00e9",
                                   args=("smtp_banner",)),
    "string-empty": _main("qualify_domain ="),
    "string-empty-quoted": _main('qualify_domain = ""'),
    "string-no-equals": _main("qualify_domain example.com"),
    "string-no-data": _main("qualify_domain"),
    "string-negated": _main("no_qualify_domain"),
    "string-twice": _main("qualify_domain = a", "qualify_domain = b"),
    "string-hide": _main("hide mysql_servers = host/db/user/pass"),
    "string-hide-hide": _main("hide hide mysql_servers = x"),
    "string-alias": _main("daemon_smtp_port = 2525", args=("daemon_smtp_ports",
                                                           "daemon_smtp_port")),
    "string-alias-then-real": _main("daemon_smtp_port = 1", "daemon_smtp_ports = 2",
                                    args=("daemon_smtp_ports", "daemon_smtp_port")),
    "unknown-main": _main("no_such_option = 1"),
    "unknown-main-negated": _main("no_no_such_option"),
    "unknown-dmarc": _main("dmarc_tld_file = /x"),
    "unknown-redis": _main("redis_servers = x"),
    "not-a-name": _main("= 3"),
    "hide-alone": _main("hide = 3"),
    # --- users and groups ------------------------------------------------------------
    "uid-name": _main("exim_user = mail"),
    "uid-number": _main("exim_user = 8"),
    "uid-missing": _main("exim_user = no_such_user_here"),
    "uid-keeps-exim-group": _main("exim_user = mail", args=("exim_user", "exim_group")),
    "uid-quoted": _main('exim_user = "mail"'),
    "gid-name": _main("exim_group = mail"),
    "gid-missing": _main("exim_group = no_such_group_here"),
    "filter-user-sets-group": _main("system_filter_user = mail",
                                    args=("system_filter_user", "system_filter_group")),
    "filter-user-number": _main("system_filter_user = 8",
                                args=("system_filter_user", "system_filter_group")),
    "filter-group-only": _main("system_filter_group = mail",
                               args=("system_filter_user", "system_filter_group")),
    "uidlist": _main("never_users = root:daemon:8"),
    "uidlist-spaces": _main("trusted_users = mail : news"),
    "uidlist-empty": _main("trusted_users ="),
    "uidlist-missing": _main("never_users = root:nobody_here_x"),
    "uidlist-separator": _main("never_users = <; root; mail"),
    "uidlist-n": _main("never_users = root:mail", names_only=True),
    "gidlist": _main("admin_groups = mail:adm"),
    "gidlist-missing": _main("trusted_groups = no_group_x"),
    # --- main checks after reading ---------------------------------------------------
    "check-local-from": _main("local_sender_retain"),
    "check-local-from-ok": _main("local_sender_retain", "no_local_from_check"),
    "check-openssl": _main("openssl_options = +no_sslv3"),
    "check-tls-verify": _main("tls_verify_hosts = *", "tls_verify_certificates ="),
    "check-tls-try-verify": _main('tls_try_verify_hosts = *', 'tls_verify_certificates = ""'),
    "check-dh-bits": _main("tls_dh_max_bits = 512"),
    "check-accept-max": _main("smtp_accept_max = 0", "smtp_accept_queue = 5"),
    "check-accept-max-per-host": _main("smtp_accept_max = 0", "smtp_accept_max_per_host = 3"),
    "check-localhost-number-big": _main("localhost_number = 17"),
    "check-localhost-number-bad": _main("localhost_number = x1"),
    "check-localhost-number-ok": _main("localhost_number = 0x0f"),
    "check-syslog-facility": _main("syslog_facility = bogus"),
    "check-syslog-facility-ok": _main("syslog_facility = LOG_local3"),
    "check-log-path-no-s": _main("log_file_path = /var/log/x"),
    "check-log-path-percent": _main("log_file_path = /var/log/%s%Y"),
    "check-log-path-ok": _main("log_file_path = /var/log/%D-%slog : syslog"),
    "check-errors-reply-to": _main("errors_reply_to = postmaster"),
    "check-errors-reply-to-ok": _main("errors_reply_to = Post Master <pm@example.com>"),
    "check-ratelimit-bad": _main("smtp_ratelimit_mail = 2, 0.5s"),
    "check-ratelimit-ok": _main("smtp_ratelimit_mail = 2, 0.5s, 1.05, 4m"),
    "check-retry-max": _main("retry_interval_max = 2d"),
    "check-uucp-pattern": _main("uucp_from_pattern = ^From ("),
    "check-log-selector": _main("log_selector = +all -bogus_thing"),
    "check-log-selector-malformed": _main("log_selector = smtp_connection"),
    "check-log-selector-number": _main("log_selector = =0x1x"),
    "check-log-selector-ok": _main("log_selector = +all -arguments"),
    "check-syslog-processname": _main("syslog_processname = " + "x" * 33),
    "check-spool-length": _main("spool_directory = /" + "s" * 200),
    "check-remote-parallel": _main("remote_max_parallel = 0"),
    "check-timezone-empty": _main('timezone = ""'),
    "check-qualify-recipient": _main("qualify_domain = example.org",
                                     args=("qualify_domain", "qualify_recipient",
                                           "primary_hostname")),
    "check-primary-hostname": _main("primary_hostname = mail.example.net",
                                    args=("qualify_domain", "qualify_recipient",
                                          "primary_hostname")),
    "check-spool-process-log": _main("spool_directory = /tmp/spool",
                                     args=("spool_directory", "process_log_path")),
    # --- whole -bP forms ------------------------------------------------------------
    "bp-all": _main("qualify_domain = example.org", "no_accept_8bitmime", args=("all",)),
    "bp-all-n": Case(id="", main=("qualify_domain = example.org",), names_only=True,
                     args=("all",)),
    "bp-unknown-last": _main("qualify_domain = x", args=("nosuch", "qualify_domain")),
    "bp-unknown-first": _main("qualify_domain = x", args=("qualify_domain", "nosuch")),
    "bp-config-file": _main("qualify_domain = x", args=("config_file", "configure_file")),
    "bp-local-scan": _main("qualify_domain = x", args=("local_scan",)),
    "bp-router-no-name": _main("qualify_domain = x", args=("router",)),
    "bp-environment-name": _main("qualify_domain = x", args=("environment", "PATH")),
    "bp-hidden-option": _main("qualify_domain = x", args=("daemon_smtp_port",)),
    "bp-lists": Case(id="", lists=(("domain", "local_domains", "a : b", False),
                                   ("host", "relay", "1.2.3.4", True),
                                   ("address", "both", "x@y", False),
                                   ("localpart", "both", "postmaster", False)),
                     args=("+local_domains", "+relay", "+both", "+none")),
    "bp-lists-n": Case(id="", lists=(("domain", "local_domains", "a : b", False),),
                       args=("+local_domains",), names_only=True),
    "bp-drivers": Case(id="", routers=(_ROUTER, ("r2", ("driver = redirect", "data = x"))),
                       transports=(_TRANSPORT,),
                       authenticators=(("a1", ("driver = plaintext",)),),
                       args=("router_list", "transport_list", "authenticator_list",
                             "routers", "transports", "authenticators")),
    "bp-driver-n": Case(id="", routers=(_ROUTER,), transports=(_TRANSPORT,),
                        args=("router", "r1"), names_only=True),
    "bp-driver-missing": Case(id="", routers=(_ROUTER,), transports=(_TRANSPORT,),
                              args=("router", "nosuch", "qualify_domain")),
    "bp-no-drivers": _main("qualify_domain = x", args=("routers", "router_list")),
    "bp-driver-hide": Case(id="", routers=(("r1", ("driver = accept", "transport = t1",
                                                   "hide domains = secret")),),
                           transports=(_TRANSPORT,), args=("router", "r1")),
    # --- callers who are not administrators ---------------------------------------------
    "nonadmin-hide": Case(id="", main=("hide primary_hostname = ph", "hide no_log_timezone",
                                       "qualify_domain = q"),
                          args=("primary_hostname", "log_timezone", "qualify_domain"),
                          admin=False),
    "nonadmin-hide-n": Case(id="", main=("hide primary_hostname = ph",),
                            args=("primary_hostname",), names_only=True, admin=False),
    "nonadmin-hide-drivers": Case(
        id="", routers=(("r1", ("driver = accept", "transport = t1", "hide domains = secret")),
                        ("r2", ("driver = accept", "transport = t1", "domains = open",
                                "hide self = fail"))),
        transports=(_TRANSPORT,), args=("routers",), admin=False),
    "nonadmin-hide-alias": Case(id="", main=("hide daemon_smtp_port = 2525",),
                                args=("daemon_smtp_port", "daemon_smtp_ports"), admin=False),
    "nonadmin-macros": Case(id="", main=("qualify_domain = q",),
                            args=("macros", "qualify_domain"), admin=False),
    "nonadmin-lists": Case(id="", lists=(("domain", "d", "a : b", False),
                                         ("host", "h", "1.2.3.4", True)),
                           args=("+d", "+h"), admin=False),
    "config-in-a-list": _main("qualify_domain = x", args=("qualify_domain", "config")),
    # --- router generic options --------------------------------------------------------
    "router-accept-defaults": Case(id="", routers=(_ROUTER,), transports=(_TRANSPORT,),
                                   args=("router", "r1")),
    "router-condition-repeat": _router("data = x", "condition = ${if eq{1}{1}}",
                                       "condition = two", "condition = three"),
    "router-headers-add-repeat": _router("data = x", "headers_add = X-A: 1",
                                         "headers_add = X-B: 2\\nX-C: 3"),
    "router-headers-remove-repeat": _router("data = x", "headers_remove = a:b",
                                            "headers_remove = c::d"),
    "router-set-repeat": _router("data = x", "set = r_a = 1", "set = r_b = 2; r_c = 3"),
    "router-verify": _router("data = x", "no_verify"),
    "router-fail-verify": _router("data = x", "fail_verify"),
    "router-verify-then-sender": _router("data = x", "no_verify", "verify_sender"),
    "router-verify-twice": _router("data = x", "verify", "verify"),
    "router-user-name": _router("data = x", "user = mail"),
    "router-user-expand": _router("data = x", "user = ${lookup{x}lsearch{/y}}",
                                  "group = $local_part"),
    "router-user-missing": _router("data = x", "user = nobody_here_x"),
    "router-unseen-expand": _router("data = x", "unseen = ${if eq{1}{1}}", "more = $x"),
    "router-self-bad": _router("data = x", "self = ignore"),
    "router-self-reroute": _router("data = x", "self = reroute: rewrite: example.com"),
    "router-transport-required": Case(id="", routers=(("r1", ("driver = accept",)),)),
    "router-transport-verify-only": Case(id="", routers=(("r1", ("driver = accept",
                                                                 "verify_only")),),
                                         args=("router", "r1")),
    "router-transport-forbidden": _router("data = x", "transport = t1"),
    "router-retry-use-local-part": _router("data = x", "local_parts = a : b"),
    "router-redirect-router-missing": _router("data = x", "redirect_router = nowhere"),
    "router-pass-router-before": _router("data = x", "pass_router = r0",
                                         extra=(("r0", ("driver = redirect", "data = y")),)),
    "router-pass-router-self": _router("data = x", "pass_router = r1"),
    "router-pass-router-ok": _router("data = x", "pass_router = r9",
                                     extra=(("r9", ("driver = redirect", "data = y")),)),
    "router-no-driver": Case(id="", routers=(("r1", ("domains = x",)),)),
    "router-no-driver-private": Case(id="", routers=(("r1", ("data = x",)),)),
    "router-bad-driver": Case(id="", routers=(("r1", ("driver = acept",)),)),
    "router-unknown-private": _router("data = x", "nosuch = 1"),
    "router-driver-twice": _router("data = x", "driver = redirect"),
    "router-same-name": Case(id="", routers=(("r1", ("driver = redirect", "data = x")),
                                             ("r1", ("driver = redirect", "data = y")))),
    "router-translate-ip": _router("data = x", "translate_ip_address = 1.2.3.4"),
    "router-bmi": _router("data = x", "bmi_rule = 1"),
    # --- router drivers ---------------------------------------------------------------
    "dnslookup-defaults": Case(id="", routers=(("r1", ("driver = dnslookup",
                                                       "transport = t1")),),
                               transports=(_TRANSPORT,), args=("router", "r1")),
    "ipliteral-defaults": Case(id="", routers=(("r1", ("driver = ipliteral",
                                                       "transport = t1")),),
                               transports=(_TRANSPORT,), args=("router", "r1")),
    "iplookup-ok": _router("port = 1234", "hosts = 127.0.0.1", "protocol = tcp",
                           driver="iplookup"),
    "iplookup-no-port": _router("hosts = x", driver="iplookup"),
    "iplookup-no-hosts": _router("port = 1", driver="iplookup"),
    "iplookup-pattern": _router("port = 1", "hosts = x", "response_pattern = a[b",
                                driver="iplookup"),
    "iplookup-protocol": _router("port = 1", "hosts = x", "protocol = sctp", driver="iplookup"),
    "manualroute-ok": _router("route_list = * 127.0.0.1", "transport = t1",
                              driver="manualroute"),
    "manualroute-neither": _router("transport = t1", driver="manualroute"),
    "manualroute-both": _router("route_list = * x", "route_data = y", driver="manualroute"),
    "manualroute-hff": _router("route_list = * x", "host_find_failed = explode",
                               driver="manualroute"),
    "manualroute-hai-ignore": _router("route_list = * x", "host_all_ignored = ignore",
                                      driver="manualroute"),
    "queryprogram-ok": _router("command = /bin/true", "command_user = mail",
                               driver="queryprogram"),
    "queryprogram-no-command": _router("command_user = mail", driver="queryprogram"),
    "queryprogram-no-user": _router("command = /bin/true", driver="queryprogram"),
    "queryprogram-group": _router("command = /bin/true", "command_user = 8",
                                  "command_group = mail", driver="queryprogram"),
    "redirect-neither": _router(),
    "redirect-both": _router("data = x", "file = /y"),
    "redirect-one-time": _router("data = x", "one_time"),
    "redirect-one-time-headers": _router("data = x", "one_time", "headers_add = X: y"),
    "redirect-one-time-unseen": _router("data = x", "one_time", "unseen"),
    "redirect-check-owner": _router("data = x", "check_local_user"),
    "redirect-modemask": _router("data = x", "check_local_user", "modemask = 002"),
    "redirect-owners": _router("data = x", "owners = root:mail", "owngroups = mail"),
    "redirect-qualify": _router("data = x", "qualify_domain = a", "qualify_preserve_domain"),
    "redirect-filter-no-user": _router("data = x", "allow_filter"),
    "redirect-filter-user": _router("data = x", "allow_filter", "user = mail"),
    "redirect-bits": _router("data = x", "allow_fail", "no_rewrite", "forbid_include",
                             "allow_defer = true"),
    "redirect-octal-bad": _router("data = x", "modemask = 9"),
    "redirect-octal-hex": _router("data = x", "modemask = 0x12"),
    # --- transports -----------------------------------------------------------------
    "appendfile-file": _transport("file = /var/mail/$local_part_data", driver="appendfile"),
    "appendfile-maildir": _transport("directory = /home/x/Maildir", "maildir_format",
                                     driver="appendfile"),
    "appendfile-both": _transport("file = /a", "directory = /b", driver="appendfile"),
    "appendfile-quota-file": _transport("file = /a", "quota_filecount = 10",
                                        driver="appendfile"),
    "appendfile-quota-directory": _transport("directory = /a", "quota_directory = /b",
                                             driver="appendfile"),
    "appendfile-maildir-mailstore": _transport("directory = /a", "maildir_format",
                                               "mailstore_format", driver="appendfile"),
    "appendfile-no-locking": _transport("file = /a", "no_use_fcntl_lock", "no_use_lockfile",
                                        driver="appendfile"),
    "appendfile-flock": _transport("file = /a", "use_flock_lock", driver="appendfile"),
    "appendfile-mbx": _transport("file = /a", "mbx_format", driver="appendfile"),
    "appendfile-mbx-lock": _transport("file = /a", "mbx_format", "use_mbx_lock",
                                      driver="appendfile"),
    "appendfile-bsmtp": _transport("file = /a", "use_bsmtp", driver="appendfile"),
    "appendfile-create-file-bad": _transport("file = /a", "create_file = nowhere",
                                             driver="appendfile"),
    "appendfile-create-file-path": _transport("file = /a", "create_file = /home",
                                              driver="appendfile"),
    "appendfile-warn": _transport("file = /a", "quota = 10M", "quota_warn_threshold = 75%",
                                  driver="appendfile"),
    "appendfile-size-file-expand": _transport(
        "directory = /a", "maildir_format", "maildir_use_size_file = ${if eq{1}{1}}",
        driver="appendfile"),
    "appendfile-lock-retries": _transport("file = /a", "lock_retries = 0", "mode = 0640",
                                          driver="appendfile"),
    "transport-user-without-group": _transport("command = /bin/cat", "user = 54321"),
    "transport-user-name": _transport("command = /bin/cat", "user = mail"),
    "transport-user-group": _transport("command = /bin/cat", "user = 54321", "group = mail"),
    "transport-user-expand": _transport("command = /bin/cat", "user = $local_part"),
    "transport-headers-rewrite": _transport("command = /bin/cat",
                                            "headers_rewrite = a@b c@d : x@y z@w f"),
    "transport-headers-rewrite-envelope": _transport("command = /bin/cat",
                                                     "headers_rewrite = a@b c@d E"),
    "transport-headers-rewrite-flag": _transport("command = /bin/cat",
                                                 "headers_rewrite = a@b c@d Z"),
    "transport-headers-rewrite-missing": _transport("command = /bin/cat",
                                                    "headers_rewrite = a@b"),
    "transport-shadow-smtp": _transport("shadow_transport = t1", driver="smtp"),
    "transport-body-headers": _transport("command = /bin/cat", "body_only", "headers_only"),
    "pipe-defaults": _transport("command = /bin/cat"),
    "pipe-bsmtp": _transport("command = /bin/cat", "use_bsmtp"),
    "pipe-creator": _transport("command = /bin/cat", "pipe_as_creator", "user = mail"),
    "pipe-temp-errors": _transport("command = /bin/cat", "temp_errors = 75 : x"),
    "pipe-temp-errors-star": _transport("command = /bin/cat", "temp_errors = *"),
    "pipe-return-output": _transport("command = /bin/cat", "return_output",
                                     "return_fail_output"),
    "pipe-log-output": _transport("command = /bin/cat", "log_output", "log_fail_output"),
    "pipe-restrict-shell": _transport("command = /bin/cat", "restrict_to_path", "use_shell"),
    "pipe-allow-shell": _transport("command = /bin/cat", "allow_commands = /x", "use_shell"),
    "pipe-max-output": _transport("command = /bin/cat", "max_output = 1M", "umask = 077"),
    "smtp-defaults": _transport(driver="smtp"),
    "smtp-lmtp-port": _transport("protocol = lmtp", driver="smtp"),
    "smtp-smtps-port": _transport("protocol = SMTPS", driver="smtp"),
    "smtp-timeout-zero": _transport("data_timeout = 0s", driver="smtp"),
    "smtp-retry-use-local-part": _transport("retry_use_local_part", driver="smtp"),
    "smtp-multi-domain-expand": _transport("multi_domain = ${if eq{1}{1}}",
                                           "retry_include_ip_address = $x", driver="smtp"),
    "smtp-arc": _transport("arc_sign = x", driver="smtp"),
    "lmtp-neither": _transport(driver="lmtp"),
    "lmtp-socket": _transport("socket = /run/lmtp", driver="lmtp"),
    "autoreply-defaults": _transport(driver="autoreply"),
    "autoreply-user": _transport("user = 54321", driver="autoreply"),
    "queuefile-missing": _transport(driver="queuefile"),
    # --- authenticators ---------------------------------------------------------------
    "auth-all": _auth(("cram", ("driver = cram_md5", "public_name = CRAM-MD5",
                                "client_secret = s")),
                      ("sasl", ("driver = cyrus_sasl", "public_name = PLAIN")),
                      ("dove", ("driver = dovecot",)),
                      ("ext", ("driver = external", "client_send = x")),
                      ("plain", ("driver = plaintext", "public_name = LOGIN")),
                      ("spa", ("driver = spa", "client_username = u", "client_password = p")),
                      ("tls", ("driver = tls", "public_name = X", "server_param = cn"))),
    "auth-no-public-name": _auth(("c", ("driver = cram_md5",))),
    "auth-same-server-name": _auth(("a1", ("driver = plaintext", "public_name = PLAIN",
                                           "server_condition = yes")),
                                   ("a2", ("driver = plaintext", "public_name = plain",
                                           "server_condition = yes"))),
    "auth-same-client-name": _auth(("a1", ("driver = plaintext", "public_name = PLAIN",
                                           "client_send = x")),
                                   ("a2", ("driver = plaintext", "public_name = PLAIN",
                                           "client_send = y"))),
    "auth-same-name-mixed": _auth(("a1", ("driver = plaintext", "public_name = PLAIN",
                                          "client_send = x")),
                                  ("a2", ("driver = plaintext", "public_name = PLAIN",
                                          "server_condition = y"))),
    "auth-spa-half": _auth(("s", ("driver = spa", "client_username = u"))),
    "auth-gsasl": _auth(("g", ("driver = gsasl",))),
    "auth-tls-param-alias": _auth(("t", ("driver = tls", "server_param = a",
                                         "server_param1 = b"))),
}

CASES: list[Case] = [Case(**{**case.__dict__, "id": key}) for key, case in _RAW_CASES.items()]
