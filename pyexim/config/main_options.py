"""The main configuration options (spec: "Main configuration"; Exim: readconf.c optionlist_config).

``MAIN_OPTIONS`` lists every main option of Debian's exim4-daemon-heavy 4.96 build in
Exim's order, with the value Exim has when the option is not set. A few defaults
are computed after the file is read (``primary_hostname`` from the host name, the
qualify domains from it, ``process_log_path`` from the spool directory):
``finish_main`` does that, and the checks readconf_main() makes once the main
section is read, storing computed values as implied settings.

``NOT_IN_BUILD`` names the options of Exim 4.96's source that Debian's build
leaves out (so Exim, and pyexim, call them unknown), with the build switch.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pyexim.config.options import (
    COMPUTED,
    Bool,
    EximConfigError,
    Fixed,
    Gid,
    GidList,
    Int,
    KInt,
    MkInt,
    Opt,
    OptionTable,
    Settings,
    SmtpReceiveTimeout,
    String,
    Time,
    TimeList,
    Uid,
    UidList,
    derive,
    value_of,
)
from pyexim.errors import NotAvailableError
from pyexim.strings import list_items

_DELAY_WARNING_CONDITION = (
    "${if or {"
    "{ !eq{$h_list-id:$h_list-post:$h_list-subscribe:}{} }"
    "{ match{$h_precedence:}{(?i)bulk|list|junk} }"
    "{ match{$h_auto-submitted:}{(?i)auto-generated|auto-replied} }"
    "} {no}{yes}}")
_DNS_CHECK_NAMES_PATTERN = r"(?i)^(?>(?(1)\.|())[^\W](?>[a-z0-9/_-]*[^\W])?)+(\.?)$"
_RECEIVED_HEADER_TEXT = (
    "Received: "
    "${if def:sender_rcvhost {from $sender_rcvhost\n\t}"
    "{${if def:sender_ident {from ${quote_local_part:$sender_ident} }}"
    "${if def:sender_helo_name {(helo=$sender_helo_name)\n\t}}}}"
    "by $primary_hostname "
    "${if def:received_protocol {with $received_protocol }}"
    "${if def:tls_in_ver        { ($tls_in_ver)}}"
    "${if def:tls_in_cipher_std { tls $tls_in_cipher_std\n\t}}"
    "(Exim $version_number)\n\t"
    "${if def:sender_address {(envelope-from <$sender_address>)\n\t}}"
    "id $message_exim_id"
    "${if def:received_for {\n\tfor $received_for}}")
_UUCP_FROM_PATTERN = (
    r"^From\s+(\S+)\s+(?:[a-zA-Z]{3},?\s+)?"
    r"(?:[a-zA-Z]{3}\s+\d?\d|\d?\d\s+[a-zA-Z]{3}\s+\d\d(?:\d\d)?)"
    r"\s+\d\d?:\d\d?")

MAIN_OPTIONS = OptionTable("main", [
    Opt("accept_8bitmime", Bool(), True),
    Opt("acl_not_smtp", String(), None),
    Opt("acl_not_smtp_mime", String(), None),
    Opt("acl_not_smtp_start", String(), None),
    Opt("acl_smtp_auth", String(), None),
    Opt("acl_smtp_connect", String(), None),
    Opt("acl_smtp_data", String(), None),
    Opt("acl_smtp_data_prdr", String(), "accept"),
    Opt("acl_smtp_dkim", String(), None),
    Opt("acl_smtp_etrn", String(), None),
    Opt("acl_smtp_expn", String(), None),
    Opt("acl_smtp_helo", String(), None),
    Opt("acl_smtp_mail", String(), None),
    Opt("acl_smtp_mailauth", String(), None),
    Opt("acl_smtp_mime", String(), None),
    Opt("acl_smtp_notquit", String(), None),
    Opt("acl_smtp_predata", String(), None),
    Opt("acl_smtp_quit", String(), None),
    Opt("acl_smtp_rcpt", String(), None),
    Opt("acl_smtp_starttls", String(), None),
    Opt("acl_smtp_vrfy", String(), None),
    Opt("add_environment", String(), None),
    Opt("admin_groups", GidList(), None),
    Opt("allow_domain_literals", Bool(), False),
    Opt("allow_mx_to_ip", Bool(), False),
    Opt("allow_utf8_domains", Bool(), False),
    Opt("auth_advertise_hosts", String(), "*"),
    Opt("auto_thaw", Time(), 0),
    Opt("av_scanner", String(), "sophie:/var/run/sophie"),
    Opt("bi_command", String(), None),
    Opt("bounce_message_file", String(), None),
    Opt("bounce_message_text", String(), None),
    Opt("bounce_return_body", Bool(), True),
    Opt("bounce_return_linesize_limit", MkInt(), 998),
    Opt("bounce_return_message", Bool(), True),
    Opt("bounce_return_size_limit", MkInt(), 102400),
    Opt("bounce_sender_authentication", String(), None),
    Opt("callout_domain_negative_expire", Time(), 10800),
    Opt("callout_domain_positive_expire", Time(), 604800),
    Opt("callout_negative_expire", Time(), 7200),
    Opt("callout_positive_expire", Time(), 86400),
    Opt("callout_random_local_part", String(), "$primary_hostname-$tod_epoch-testing"),
    Opt("check_log_inodes", Int(), 100),
    Opt("check_log_space", KInt(), 10240),
    Opt("check_rfc2047_length", Bool(), True),
    Opt("check_spool_inodes", Int(), 100),
    Opt("check_spool_space", KInt(), 10240),
    Opt("chunking_advertise_hosts", String(), "*"),
    Opt("commandline_checks_require_admin", Bool(), False),
    Opt("daemon_smtp_port", String(), "smtp", hidden=True, alias_of="daemon_smtp_ports"),
    Opt("daemon_smtp_ports", String(), "smtp"),
    Opt("daemon_startup_retries", Int(), 9),
    Opt("daemon_startup_sleep", Time(), 30),
    Opt("debug_store", Bool(), False),
    Opt("delay_warning", TimeList(), (86400,)),
    Opt("delay_warning_condition", String(), _DELAY_WARNING_CONDITION),
    Opt("deliver_drop_privilege", Bool(), False),
    Opt("deliver_queue_load_max", Fixed(), -1),
    Opt("delivery_date_remove", Bool(), True),
    Opt("disable_ipv6", Bool(), False),
    Opt("dkim_verify_hashes", String(), "sha256:sha512"),
    Opt("dkim_verify_keytypes", String(), "ed25519:rsa"),
    Opt("dkim_verify_min_keysizes", String(), "rsa=1024 ed25519=250"),
    Opt("dkim_verify_minimal", Bool(), False),
    Opt("dkim_verify_signers", String(), "$dkim_signers"),
    Opt("dns_again_means_nonexist", String(), None),
    Opt("dns_check_names_pattern", String(), _DNS_CHECK_NAMES_PATTERN),
    Opt("dns_cname_loops", Int(), 1),
    Opt("dns_csa_search_limit", Int(), 5),
    Opt("dns_csa_use_reverse", Bool(), True),
    Opt("dns_dnssec_ok", Int(), -1),
    Opt("dns_ipv4_lookup", String(), None),
    Opt("dns_retrans", Time(), 0),
    Opt("dns_retry", Int(), 0),
    Opt("dns_trust_aa", String(), None),
    Opt("dns_use_edns0", Int(), -1),
    Opt("drop_cr", Bool(), False),
    Opt("dsn_advertise_hosts", String(), None),
    Opt("dsn_from", String(), "Mail Delivery System <Mailer-Daemon@$qualify_domain>"),
    Opt("envelope_to_remove", Bool(), True),
    Opt("errors_copy", String(), None),
    Opt("errors_reply_to", String(), None),
    Opt("event_action", String(), None),
    Opt("exim_group", Gid(), "Debian-exim"),
    Opt("exim_path", String(), "/usr/sbin/exim4"),
    Opt("exim_user", Uid(), "Debian-exim"),
    Opt("exim_version", String(), "4.96"),
    Opt("extra_local_interfaces", String(), None),
    Opt("extract_addresses_remove_arguments", Bool(), True),
    Opt("finduser_retries", Int(), 0),
    Opt("freeze_tell", String(), None),
    Opt("gecos_name", String(), None),
    Opt("gecos_pattern", String(), None),
    Opt("gnutls_allow_auto_pkcs11", Bool(), False),
    Opt("gnutls_compat_mode", Bool(), False),
    Opt("header_line_maxsize", Int(), 0),
    Opt("header_maxsize", Int(), 1048576),
    Opt("headers_charset", String(), "UTF-8"),
    Opt("helo_accept_junk_hosts", String(), None),
    Opt("helo_allow_chars", String(), None),
    Opt("helo_lookup_domains", String(), "@ : @[]"),
    Opt("helo_try_verify_hosts", String(), None),
    Opt("helo_verify_hosts", String(), None),
    Opt("hold_domains", String(), None),
    Opt("host_lookup", String(), None),
    Opt("host_lookup_order", String(), "bydns:byaddr"),
    Opt("host_reject_connection", String(), None),
    Opt("hosts_connection_nolog", String(), None),
    Opt("hosts_proxy", String(), None),
    Opt("hosts_require_alpn", String(), None),
    Opt("hosts_require_helo", String(), "*"),
    Opt("hosts_treat_as_local", String(), None),
    Opt("ignore_bounce_errors_after", Time(), 6048000),
    Opt("ignore_fromline_hosts", String(), None),
    Opt("ignore_fromline_local", Bool(), False),
    Opt("keep_environment", String(), None),
    Opt("keep_malformed", Time(), 345600),
    Opt("ldap_ca_cert_dir", String(), None),
    Opt("ldap_ca_cert_file", String(), None),
    Opt("ldap_cert_file", String(), None),
    Opt("ldap_cert_key", String(), None),
    Opt("ldap_cipher_suite", String(), None),
    Opt("ldap_default_servers", String(), None),
    Opt("ldap_require_cert", String(), None),
    Opt("ldap_start_tls", Bool(), False),
    Opt("ldap_version", Int(), -1),
    Opt("local_from_check", Bool(), True),
    Opt("local_from_prefix", String(), None),
    Opt("local_from_suffix", String(), None),
    Opt("local_interfaces", String(), "<; ::0 ; 0.0.0.0"),
    # Not in upstream Exim: Debian's patch for dlopen()ed local_scan modules adds it.
    Opt("local_scan_path", String(), None),
    Opt("local_scan_timeout", Time(), 300),
    Opt("local_sender_retain", Bool(), False),
    Opt("localhost_number", String(), None),
    Opt("log_file_path", String(), "/var/log/exim4/%slog"),
    Opt("log_selector", String(), None),
    Opt("log_timezone", Bool(), False),
    Opt("lookup_open_max", Int(), 25),
    Opt("max_username_length", Int(), 0),
    Opt("message_body_newlines", Bool(), False),
    Opt("message_body_visible", MkInt(), 500),
    Opt("message_id_header_domain", String(), None),
    Opt("message_id_header_text", String(), None),
    Opt("message_logs", Bool(), True),
    Opt("message_size_limit", String(), "50M"),
    Opt("move_frozen_messages", Bool(), False),
    Opt("mua_wrapper", Bool(), False),
    Opt("mysql_servers", String(), None),
    Opt("never_users", UidList(), None),
    Opt("notifier_socket", String(), "$spool_directory/exim_daemon_notify"),
    Opt("openssl_options", String(), None),
    Opt("percent_hack_domains", String(), None),
    Opt("perl_at_start", Bool(), False),
    Opt("perl_startup", String(), None),
    Opt("perl_taintmode", Bool(), False),
    Opt("pgsql_servers", String(), None),
    Opt("pid_file_path", String(), "/run/exim4/exim.pid"),
    Opt("pipelining_advertise_hosts", String(), "*"),
    Opt("pipelining_connect_advertise_hosts", String(), "*"),
    Opt("prdr_enable", Bool(), False),
    Opt("preserve_message_logs", Bool(), False),
    Opt("primary_hostname", String(), None),  # from the host name: finish_main()
    Opt("print_topbitchars", Bool(), False),
    Opt("process_log_path", String(), None),  # spool_directory: finish_main()
    Opt("prod_requires_admin", Bool(), True),
    Opt("proxy_protocol_timeout", Time(), 3),
    Opt("qualify_domain", String(), None),  # primary_hostname: finish_main()
    Opt("qualify_recipient", String(), None),  # qualify_domain: finish_main()
    Opt("queue_domains", String(), None),
    Opt("queue_fast_ramp", Bool(), False),
    Opt("queue_list_requires_admin", Bool(), True),
    Opt("queue_only", Bool(), False),
    Opt("queue_only_file", String(), None),
    Opt("queue_only_load", Fixed(), -1),
    Opt("queue_only_load_latch", Bool(), True),
    Opt("queue_only_override", Bool(), True),
    Opt("queue_run_in_order", Bool(), False),
    Opt("queue_run_max", String(), "5"),
    Opt("queue_smtp_domains", String(), None),
    Opt("receive_timeout", Time(), 0),
    Opt("received_header_text", String(), _RECEIVED_HEADER_TEXT),
    Opt("received_headers_max", Int(), 30),
    Opt("recipient_unqualified_hosts", String(), None),
    Opt("recipients_max", Int(), 50000),
    Opt("recipients_max_reject", Bool(), False),
    Opt("remote_max_parallel", Int(), 2),
    Opt("remote_sort_domains", String(), None),
    Opt("retry_data_expire", Time(), 604800),
    Opt("retry_interval_max", Time(), 86400),
    Opt("return_path_remove", Bool(), True),
    Opt("return_size_limit", MkInt(), 102400, hidden=True,
        alias_of="bounce_return_size_limit"),
    Opt("rfc1413_hosts", String(), "@[]"),
    Opt("rfc1413_query_timeout", Time(), 0),
    Opt("sender_unqualified_hosts", String(), None),
    Opt("slow_lookup_log", Int(), 0),
    Opt("smtp_accept_keepalive", Bool(), True),
    Opt("smtp_accept_max", Int(), 20),
    Opt("smtp_accept_max_nonmail", Int(), 10),
    Opt("smtp_accept_max_nonmail_hosts", String(), "*"),
    Opt("smtp_accept_max_per_connection", String(), "1000"),
    Opt("smtp_accept_max_per_host", String(), None),
    Opt("smtp_accept_queue", Int(), 0),
    Opt("smtp_accept_queue_per_connection", Int(), 10),
    Opt("smtp_accept_reserve", Int(), 0),
    Opt("smtp_active_hostname", String(), None),
    Opt("smtp_backlog_monitor", Int(), 0),
    Opt("smtp_banner", String(), "$smtp_active_hostname ESMTP Exim $version_number $tod_full"),
    Opt("smtp_check_spool_space", Bool(), True),
    Opt("smtp_connect_backlog", Int(), 20),
    Opt("smtp_enforce_sync", Bool(), True),
    Opt("smtp_etrn_command", String(), None),
    Opt("smtp_etrn_serialize", Bool(), True),
    Opt("smtp_load_reserve", Fixed(), -1),
    Opt("smtp_max_synprot_errors", Int(), 3),
    Opt("smtp_max_unknown_commands", Int(), 3),
    Opt("smtp_ratelimit_hosts", String(), None),
    Opt("smtp_ratelimit_mail", String(), None),
    Opt("smtp_ratelimit_rcpt", String(), None),
    Opt("smtp_receive_timeout", SmtpReceiveTimeout(), 300),
    Opt("smtp_reserve_hosts", String(), None),
    Opt("smtp_return_error_details", Bool(), False),
    Opt("smtputf8_advertise_hosts", String(), "*"),
    Opt("spamd_address", String(), "127.0.0.1 783"),
    Opt("spf_guess", String(), "v=spf1 a/24 mx/24 ptr ?all"),
    Opt("spf_smtp_comment_template", String(), "Please%_see%_http://www.open-spf.org/Why"),
    Opt("split_spool_directory", Bool(), False),
    Opt("spool_directory", String(), "/var/spool/exim4"),
    Opt("spool_wireformat", Bool(), False),
    Opt("sqlite_dbfile", String(), None),
    Opt("sqlite_lock_timeout", Int(), 5),
    Opt("strict_acl_vars", Bool(), False),
    Opt("strip_excess_angle_brackets", Bool(), False),
    Opt("strip_trailing_dot", Bool(), False),
    Opt("syslog_duplication", Bool(), True),
    Opt("syslog_facility", String(), None),
    Opt("syslog_pid", Bool(), True),
    Opt("syslog_processname", String(), "exim"),
    Opt("syslog_timestamp", Bool(), True),
    Opt("system_filter", String(), None),
    Opt("system_filter_directory_transport", String(), None),
    Opt("system_filter_file_transport", String(), None),
    Opt("system_filter_group", Gid(), None),
    Opt("system_filter_pipe_transport", String(), None),
    Opt("system_filter_reply_transport", String(), None),
    Opt("system_filter_user", Uid(), None),
    Opt("tcp_nodelay", Bool(), True),
    Opt("timeout_frozen_after", Time(), 0),
    Opt("timezone", String(), None),
    Opt("tls_advertise_hosts", String(), "*"),
    Opt("tls_alpn", String(), "smtp:esmtp"),
    Opt("tls_certificate", String(), None),
    Opt("tls_crl", String(), None),
    Opt("tls_dh_max_bits", Int(), 2236),
    Opt("tls_dhparam", String(), None),
    Opt("tls_eccurve", String(), "auto"),
    Opt("tls_ocsp_file", String(), None),
    Opt("tls_on_connect_ports", String(), None),
    Opt("tls_privatekey", String(), None),
    Opt("tls_remember_esmtp", Bool(), False),
    Opt("tls_require_ciphers", String(), None),
    Opt("tls_resumption_hosts", String(), None),
    Opt("tls_try_verify_hosts", String(), None),
    Opt("tls_verify_certificates", String(), "system"),
    Opt("tls_verify_hosts", String(), None),
    Opt("trusted_groups", GidList(), None),
    Opt("trusted_users", UidList(), None),
    Opt("unknown_login", String(), None),
    Opt("unknown_username", String(), None),
    Opt("untrusted_set_sender", String(), None),
    Opt("uucp_from_pattern", String(), _UUCP_FROM_PATTERN),
    Opt("uucp_from_sender", String(), "$1"),
    Opt("warn_message_file", String(), None),
    Opt("write_rejectlog", Bool(), True),
])

# Options in Exim 4.96's source that Debian's exim4-daemon-heavy does not build.
NOT_IN_BUILD: dict[str, str] = {
    "bmi_config_file": "EXPERIMENTAL_BRIGHTMAIL",
    "dcc_direct_add_header": "EXPERIMENTAL_DCC",
    "dccifd_address": "EXPERIMENTAL_DCC",
    "dccifd_options": "EXPERIMENTAL_DCC",
    "disable_fsync": "ENABLE_DISABLE_FSYNC",
    "dmarc_forensic_sender": "SUPPORT_DMARC",
    "dmarc_history_file": "SUPPORT_DMARC",
    "dmarc_tld_file": "SUPPORT_DMARC",
    "ibase_servers": "LOOKUP_IBASE",
    "limits_advertise_hosts": "EXPERIMENTAL_ESMTP_LIMITS",
    "oracle_servers": "LOOKUP_ORACLE",
    "redis_servers": "LOOKUP_REDIS",
    "tcp_wrappers_daemon_name": "USE_TCP_WRAPPERS",
}

# Exim's LOCALHOST_MAX for base-62 message ids.
LOCALHOST_MAX = 16

SYSLOG_FACILITIES = ("mail", "user", "news", "uucp", "local0", "local1", "local2", "local3",
                     "local4", "local5", "local6", "local7", "daemon")

def default_hostname() -> str:
    """The host name as Exim finds it: uname's node name, made canonical when unqualified."""
    import os
    import socket  # only when no host name is given: it costs milliseconds to import
    name = os.uname().nodename
    if "." in name:
        return name
    for family in (socket.AF_INET6, socket.AF_INET):
        try:
            info = socket.getaddrinfo(name, None, family, 0, 0, socket.AI_CANONNAME)
        except (OSError, UnicodeError):
            continue
        if info and info[0][3]:
            return info[0][3]
    return name


def _fatal(reason: str, *, form: str = "none", main_log: bool = True) -> EximConfigError:
    return EximConfigError(reason, None, form=form, main_log=main_log)


class _ReadTimeExpansion:
    """Expands the values Exim expands while reading, noting those it cannot expand.

    Without an expander, a value containing "$" is left as written and its name
    noted; finish_main() still computes everything else and then raises
    NotAvailableError naming them, so a caller that tolerates that still has
    every other value right.
    """

    def __init__(self, expand: Callable[[str], str] | None) -> None:
        self.expand = expand
        self.missing: list[str] = []

    def __call__(self, name: str, text: str) -> str | None:
        """The expanded text; None when it needs an expander and there is none."""
        if "$" not in text and "\\" not in text:
            return text
        if self.expand is None:
            if "$" in text:
                self.missing.append(name)
                return None
            return text
        try:
            return self.expand(text)
        except NotAvailableError:
            raise
        except Exception as error:  # noqa: BLE001 - the expander's error text is Exim's message
            raise ValueError(str(error)) from None


def finish_main(settings: Settings, *, hostname: str | None = None,
                expand: Callable[[str], str] | None = None) -> None:
    """What readconf_main() does once the main section is read: checks and computed values.

    *hostname* replaces the machine's host name (tests use "vm", as the corpus gold
    does). *expand* expands a string (spool_directory, log_file_path, pid_file_path
    and localhost_number are expanded at this point in Exim); whatever it raises
    for a failed expansion gives Exim's "failed to expand ..." with its text.
    Without *expand*, values needing expansion stay as written, everything else is
    done, and NotAvailableError names them at the end. Computed values are stored in
    *settings* with ``implied_by=COMPUTED``. Raises EximConfigError with Exim's
    wording and log form at the first problem, as Exim dies there.
    """
    def get(name: str) -> object:
        return value_of(MAIN_OPTIONS, settings, name)

    expansion = _ReadTimeExpansion(expand)
    if get("local_sender_retain") and get("local_from_check"):
        raise _fatal("both local_from_check and local_sender_retain are set; this "
                     "combination is not allowed")
    if get("timezone") == "":
        derive(settings, "timezone", None)
    if int(get("retry_interval_max")) > 24 * 60 * 60:  # type: ignore[call-overload]
        derive(settings, "retry_interval_max", 24 * 60 * 60)
    if int(get("remote_max_parallel")) <= 0:  # type: ignore[call-overload]
        derive(settings, "remote_max_parallel", 1)

    primary = get("primary_hostname")
    if primary is None:
        primary = hostname if hostname is not None else default_hostname()
        derive(settings, "primary_hostname", primary)

    spool = get("spool_directory")
    if not spool:
        raise _fatal("spool_directory undefined: cannot proceed")
    try:
        spool = expansion("spool_directory", str(spool)) or spool
    except ValueError as error:
        raise _fatal(f'failed to expand spool_directory "{get("spool_directory")}": '
                     f"{error}") from None
    if spool != get("spool_directory"):
        derive(settings, "spool_directory", spool)

    _finish_log_file_path(settings, get("log_file_path"), expansion)

    facility = get("syslog_facility")
    if facility is not None:
        name = str(facility)
        if len(name) >= 4 and name[:4].lower() == "log_":
            name = name[4:]
        if name.lower() not in SYSLOG_FACILITIES:
            raise EximConfigError(f'failed to interpret syslog_facility "{facility}"',
                                  form="plain")

    pid_path = get("pid_file_path")
    if pid_path:
        try:
            expanded = expansion("pid_file_path", str(pid_path)) or pid_path
        except ValueError as error:
            raise _fatal(f'failed to expand pid_file_path "{pid_path}": {error}') from None
        if expanded != pid_path:
            derive(settings, "pid_file_path", expanded)

    if not get("process_log_path"):
        derive(settings, "process_log_path", f"{spool}/exim-process.info")

    check_regex(str(get("uucp_from_pattern")))

    for name in ("smtp_ratelimit_mail", "smtp_ratelimit_rcpt"):
        value = get(name)
        if value is not None and not ratelimit_ok(str(value)):
            raise _fatal(f"malformed ratelimit data: {value}")

    if get("qualify_domain") is None:
        derive(settings, "qualify_domain", primary)
    if get("qualify_recipient") is None:
        derive(settings, "qualify_recipient", get("qualify_domain"))

    _finish_system_filter_group(settings)
    _check_errors_reply_to(get("errors_reply_to"))

    # Exim tests string options as C pointers: set (even to "") counts.
    if get("smtp_accept_max") == 0 and (
            int(get("smtp_accept_queue")) > 0  # type: ignore[call-overload]
            or get("smtp_accept_max_per_host") is not None):
        raise EximConfigError("smtp_accept_max must be set if smtp_accept_queue or "
                              "smtp_accept_max_per_host is set", form="plain")

    _check_localhost_number(get("localhost_number"), expansion)

    if (get("tls_verify_hosts") is not None or get("tls_try_verify_hosts") is not None) and get(
            "tls_verify_certificates") is None:
        which = "" if get("tls_verify_hosts") is not None else "try_"
        raise EximConfigError(f"tls_{which}verify_hosts is set, but tls_verify_certificates "
                              "is not set", form="plain")
    if int(get("tls_dh_max_bits")) < 1024:  # type: ignore[call-overload]
        raise EximConfigError("tls_dh_max_bits is too small, must be at least 1024 for "
                              "interop", form="plain")
    if get("openssl_options") is not None:
        # Debian's build uses GnuTLS, which has no such option.
        raise EximConfigError("openssl_options is set but we're using GnuTLS", form="plain")
    _check_after_reading(get)
    if expansion.missing:
        raise NotAvailableError(f"expanding {', '.join(expansion.missing)} while reading the "
                                "configuration")


def _check_after_reading(get: Callable[[str], object]) -> None:
    """What exim.c checks once the main section is read, before the other sections."""
    from pyexim.log.selector import LogSelector
    selector = get("log_selector")
    LogSelector.parse(None if selector is None else str(selector))
    for name in ("log_file_path", "pid_file_path", "spool_directory"):
        if len(str(get(name) or "")) > 200:
            raise _fatal(f"{name} is longer than 200 chars: aborting")
    if len(str(get("syslog_processname") or "")) > 32:
        raise _fatal("syslog_processname is longer than 32 chars: aborting")


def _finish_log_file_path(settings: Settings, path: object,
                          expansion: _ReadTimeExpansion) -> None:
    """log_file_path: expanded; each file component needs one %s and at most one %D/%M."""
    if not path:
        return
    try:
        expanded = expansion("log_file_path", str(path))
    except ValueError as error:
        raise _fatal(f'failed to expand log_file_path "{path}": {error}') from None
    if expanded is None:
        return
    for item in list_items(expanded, ":"):
        if item in ("", "syslog"):
            continue
        if "%s" not in item:
            raise _fatal(f'log_file_path "{item}" does not contain "%s"')
        rest = item.replace("%s", "X", 1)
        percent = rest.find("%")
        if percent >= 0 and (rest[percent + 1:percent + 2] not in ("D", "M")
                             or "%" in rest[percent + 2:]):
            raise _fatal(f'log_file_path "{expanded}" contains unexpected "%" character')
    if expanded != path:
        derive(settings, "log_file_path", expanded)


def check_regex(pattern: str) -> None:
    """Exim's regex_must_compile(): a pattern PCRE2 refuses stops Exim (no config heading)."""
    from pyexim.regex import RegexError, compile_pcre
    try:
        compile_pcre(pattern)
    except RegexError as error:
        raise _fatal(f"regular expression error: {error.message} at offset {error.offset} "
                     f"while compiling {pattern}") from None


def ratelimit_ok(text: str) -> bool:
    """smtp_ratelimit_*: ``threshold, base time, factor, limit time`` (sscanf-like reading)."""
    match = re.match(r"\s*[+-]?\d+\s*,\s*([0-9smhdw.]{1,15})\s*,\s*"
                     r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*,\s*(\S{1,15})", text)
    if not match:
        return False
    return all(_read_msec_time(part) >= 0 for part in match.groups())


def _read_msec_time(text: str) -> int:
    """readconf_readtime with fractional seconds allowed (ratelimit times)."""
    match = re.fullmatch(r"(?:\d+(?:[wdhms]|\.\d*s))+", text)
    return 0 if match else -1


def _finish_system_filter_group(settings: Settings) -> None:
    """system_filter_user by number also sets the group, from that uid's passwd entry."""
    import pwd
    user = settings.get("system_filter_user")
    if user is None or "system_filter_group" in settings:
        return
    try:
        entry = pwd.getpwuid(int(user.value))  # type: ignore[call-overload]
    except KeyError:
        raise _fatal(f"Failed to look up uid {user.value}") from None
    derive(settings, "system_filter_group", entry.pw_gid)


def _check_errors_reply_to(value: object) -> None:
    """errors_reply_to must be an address with a domain.

    Exim parses it with its full RFC 2822 address parser; this check covers the
    forms seen in practice (``addr@dom``, ``Name <addr@dom>``).
    """
    if value is None:
        return
    text = str(value)
    inner = re.search(r"<([^<>]*)>\s*$", text)
    address = (inner.group(1) if inner else text).strip()
    if not address:
        raise EximConfigError(f"error in errors_reply_to ({text}): empty address",
                              form="plain")
    if "@" not in address:
        raise EximConfigError(f"errors_reply_to ({text}) does not contain a domain",
                              form="plain")


def _check_localhost_number(value: object, expansion: _ReadTimeExpansion) -> None:
    if value is None:
        return
    try:
        text = expansion("localhost_number", str(value))
    except ValueError as error:
        raise _fatal(f'failed to expand localhost_number "{value}": {error}') from None
    if text is None:
        return
    match = re.match(r"\s*[+-]?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)", text)
    rest = text[match.end():] if match else text
    if rest.strip(" \t\n\v\f\r"):
        raise EximConfigError(f"localhost_number value is not a number: {text}", form="plain")
    number = int(match.group(0).strip(), 0) if match else 0
    if number > LOCALHOST_MAX:
        raise EximConfigError("localhost_number is greater than the maximum allowed value "
                              f"({LOCALHOST_MAX})", form="plain")


__all__ = [
    "COMPUTED",
    "LOCALHOST_MAX",
    "MAIN_OPTIONS",
    "NOT_IN_BUILD",
    "check_regex",
    "default_hostname",
    "finish_main",
    "ratelimit_ok",
]
