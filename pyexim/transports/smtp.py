"""The smtp transport (spec: "The smtp transport"): delivery to remote hosts over SMTP or LMTP."""

from __future__ import annotations

from pyexim.config.options import (
    Bool,
    EximConfigError,
    ExpandBool,
    Int,
    MainGetter,
    Opt,
    OptionTable,
    Settings,
    String,
    Time,
    derive,
    getter,
)
from pyexim.transports.base import GENERIC_OPTIONS

# Exim's default: take the real host name from an Outlook.com EHLO greeting.
_HOST_NAME_EXTRACT = (r"${if and {{match{$host}{.outlook.com\$}} "
                      r"{match{$item}{\N^250-([\w.]+)\s\N}}} {$1}}")

OPTIONS = OptionTable("smtp transport", [
    Opt("address_retry_include_sender", Bool(), True),
    Opt("allow_localhost", Bool(), False),
    Opt("authenticated_sender", String(), None),
    Opt("authenticated_sender_force", Bool(), False),
    Opt("command_timeout", Time(), 300),
    Opt("connect_timeout", Time(), 300),
    Opt("connection_max_messages", Int(), 500),
    Opt("dane_require_tls_ciphers", String(), None),
    Opt("data_timeout", Time(), 300),
    Opt("delay_after_cutoff", Bool(), True),
    Opt("dkim_canon", String(), None),
    Opt("dkim_domain", String(), None),
    Opt("dkim_hash", String(), "sha256"),
    Opt("dkim_identity", String(), None),
    Opt("dkim_private_key", String(), None),
    Opt("dkim_selector", String(), None),
    Opt("dkim_sign_headers", String(), None),
    Opt("dkim_strict", String(), None),
    Opt("dkim_timestamps", String(), None),
    Opt("dns_qualify_single", Bool(), True),
    Opt("dns_search_parents", Bool(), False),
    Opt("dnssec_request_domains", String(), "*"),
    Opt("dnssec_require_domains", String(), None),
    Opt("dscp", String(), None),
    Opt("fallback_hosts", String(), None),
    Opt("final_timeout", Time(), 600),
    Opt("gethostbyname", Bool(), False),
    Opt("helo_data", String(), "$primary_hostname"),
    Opt("host_name_extract", String(), _HOST_NAME_EXTRACT),
    Opt("hosts", String(), None),
    Opt("hosts_avoid_esmtp", String(), None),
    Opt("hosts_avoid_pipelining", String(), None),
    Opt("hosts_avoid_tls", String(), None),
    Opt("hosts_max_try", Int(), 5),
    Opt("hosts_max_try_hardlimit", Int(), 50),
    Opt("hosts_nopass_tls", String(), None),
    Opt("hosts_noproxy_tls", String(), None),
    Opt("hosts_override", Bool(), False),
    Opt("hosts_pipe_connect", String(), None),
    Opt("hosts_randomize", Bool(), False),
    Opt("hosts_request_ocsp", String(), "*"),
    Opt("hosts_require_alpn", String(), None),
    Opt("hosts_require_auth", String(), None),
    Opt("hosts_require_dane", String(), None),
    Opt("hosts_require_ocsp", String(), None),
    Opt("hosts_require_tls", String(), None),
    Opt("hosts_try_auth", String(), None),
    Opt("hosts_try_chunking", String(), "*"),
    Opt("hosts_try_dane", String(), "*"),
    Opt("hosts_try_fastopen", String(), "*"),
    Opt("hosts_try_prdr", String(), "*"),
    Opt("hosts_verify_avoid_tls", String(), None),
    Opt("interface", String(), None),
    Opt("keepalive", Bool(), True),
    Opt("lmtp_ignore_quota", Bool(), False),
    Opt("max_rcpt", Int(), 100),
    Opt("message_linelength_limit", Int(), 998),
    Opt("multi_domain", ExpandBool(), True),
    Opt("port", String(), None),
    Opt("protocol", String(), "smtp"),
    Opt("retry_include_ip_address", ExpandBool(), True),
    Opt("serialize_hosts", String(), None),
    Opt("size_addition", Int(), 1024),
    Opt("socks_proxy", String(), None),
    Opt("tls_alpn", String(), None),
    Opt("tls_certificate", String(), None),
    Opt("tls_crl", String(), None),
    Opt("tls_dh_min_bits", Int(), 1024),
    Opt("tls_privatekey", String(), None),
    Opt("tls_require_ciphers", String(), None),
    Opt("tls_resumption_hosts", String(), None),
    Opt("tls_sni", String(), None),
    Opt("tls_tempfail_tryclear", Bool(), True),
    Opt("tls_try_verify_hosts", String(), "*"),
    Opt("tls_verify_cert_hostnames", String(), "*"),
    Opt("tls_verify_certificates", String(), "system"),
    Opt("tls_verify_hosts", String(), None),
    Opt("utf8_downconvert", String(), "-1"),])

# Option of Exim 4.96's smtp transport that Debian's build leaves out.
NOT_IN_BUILD: dict[str, str] = {"arc_sign": "EXPERIMENTAL_ARC"}


def init(name: str, settings: Settings, main: MainGetter) -> None:
    """smtp_transport_init: retry_use_local_part off by default, port from protocol, timeouts."""
    get = getter(settings, OPTIONS, GENERIC_OPTIONS)
    if "retry_use_local_part" not in settings:
        derive(settings, "retry_use_local_part", False)
    if get("port") is None:
        protocol = str(get("protocol")).lower()
        derive(settings, "port", protocol if protocol in ("lmtp", "smtps") else "smtp")
    if any(int(get(option)) <= 0  # type: ignore[call-overload]
           for option in ("command_timeout", "data_timeout", "final_timeout")):
        raise EximConfigError(f"command, data, or final timeout value is zero for {name} "
                              "transport", form="plain")
