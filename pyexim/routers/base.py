"""Generic router options and the checks made once all routers are read (spec: "Generic options for routers").

``GENERIC_OPTIONS`` is route.c's optionlist_routers for Debian's 4.96 build (the
Brightmail and translate_ip_address options are not built). ``TRANSPORT_NEED``
says, per driver, whether a transport is required, forbidden or optional
(Exim's ri_yestransport / ri_notransport). ``finish_section`` does what
route_init() does after reading the section.
"""

from __future__ import annotations

from collections.abc import Sequence

from pyexim.config.options import (
    Bool,
    BoolVerify,
    EximConfigError,
    ExpandBool,
    ExpandGid,
    ExpandUid,
    Opt,
    OptionTable,
    Settings,
    String,
    derive,
)

GENERIC_OPTIONS = OptionTable("router", [
    Opt("address_data", String(), None),
    Opt("address_test", Bool(), True),
    Opt("cannot_route_message", String(), None),
    Opt("caseful_local_part", Bool(), False),
    Opt("check_local_user", Bool(), False),
    Opt("condition", String(), None, repeat="con"),
    Opt("debug_print", String(), None),
    Opt("disable_logging", Bool(), False),
    Opt("dnssec_request_domains", String(), "*"),
    Opt("dnssec_require_domains", String(), None),
    Opt("domains", String(), None),
    Opt("driver", String(), None),
    Opt("dsn_lasthop", Bool(), False),
    Opt("errors_to", String(), None),
    Opt("expn", Bool(), True),
    Opt("fail_verify", BoolVerify(), False, hidden=True),
    Opt("fail_verify_recipient", Bool(), False),
    Opt("fail_verify_sender", Bool(), False),
    Opt("fallback_hosts", String(), None),
    Opt("group", ExpandGid(), None),
    Opt("headers_add", String(), None, repeat="str"),
    Opt("headers_remove", String(), None, repeat="str"),
    Opt("ignore_target_hosts", String(), None),
    Opt("initgroups", Bool(), False),
    Opt("local_part_prefix", String(), None),
    Opt("local_part_prefix_optional", Bool(), False),
    Opt("local_part_suffix", String(), None),
    Opt("local_part_suffix_optional", Bool(), False),
    Opt("local_parts", String(), None),
    # Unset (None) until the end of the section: accept makes it true, others false.
    Opt("log_as_local", Bool(), None),
    Opt("more", ExpandBool(), True),
    Opt("pass_on_timeout", Bool(), False),
    Opt("pass_router", String(), None),
    Opt("redirect_router", String(), None),
    Opt("require_files", String(), None),
    # Unset (None) until the end of the section, then derived from other options.
    Opt("retry_use_local_part", Bool(), None),
    Opt("router_home_directory", String(), None),
    Opt("self", String(), "freeze"),
    Opt("senders", String(), None),
    Opt("set", String(), None, repeat="str"),
    Opt("transport", String(), None),
    Opt("transport_current_directory", String(), None),
    Opt("transport_home_directory", String(), None),
    Opt("unseen", ExpandBool(), False),
    Opt("user", ExpandUid(), None),
    Opt("verify", BoolVerify(), False, hidden=True),
    Opt("verify_only", Bool(), False),
    Opt("verify_recipient", Bool(), True),
    Opt("verify_sender", Bool(), True),
])

# Router options of Exim 4.96's source that Debian's build leaves out.
NOT_IN_BUILD: dict[str, str] = {
    "bmi_deliver_alternate": "EXPERIMENTAL_BRIGHTMAIL",
    "bmi_deliver_default": "EXPERIMENTAL_BRIGHTMAIL",
    "bmi_dont_deliver": "EXPERIMENTAL_BRIGHTMAIL",
    "bmi_rule": "EXPERIMENTAL_BRIGHTMAIL",
    "translate_ip_address": "SUPPORT_TRANSLATE_IP_ADDRESS",
}

# Does the driver need a transport? (drtables.c ri_flags)
TRANSPORT_NEED: dict[str, str] = {
    "accept": "required", "dnslookup": "required", "ipliteral": "required",
    "iplookup": "forbidden", "redirect": "forbidden",
    "manualroute": "optional", "queryprogram": "optional",
}

_SELF_WORDS = ("freeze", "defer", "send", "pass", "fail")


def _get(settings: Settings, name: str) -> object:
    setting = settings.get(name)
    if setting is not None:
        return setting.value
    opt = GENERIC_OPTIONS.find(name)
    return opt.default if opt is not None else None


def finish_section(routers: Sequence[tuple[str, Settings]]) -> None:
    """route_init()'s checks and derived values for all routers, in order.

    *routers* is (name, settings) for each router, settings already through
    ``ROUTERS.init_instance``. Raises EximConfigError at the first problem.
    """
    names = [name for name, _settings in routers]
    for index, (name, settings) in enumerate(routers):
        if _get(settings, "log_as_local") is None:
            derive(settings, "log_as_local", False)
        driver = str(_get(settings, "driver"))
        need = TRANSPORT_NEED.get(driver, "optional")
        if need == "required" and _get(settings, "transport") is None and not _get(
                settings, "verify_only"):
            raise EximConfigError(f"{name} router:\n  a transport is required for this router",
                                  form="plain")
        if need == "forbidden" and _get(settings, "transport") is not None:
            raise EximConfigError(f"{name} router:\n  a transport must not be defined for "
                                  "this router", form="plain")
        self_value = str(_get(settings, "self"))
        if self_value not in _SELF_WORDS and not self_value.startswith("reroute:"):
            raise EximConfigError(f"{name} router:\n  {self_value} is not valid for the self "
                                  "option", form="for")
        if self_value.startswith("reroute:"):
            # Exim keeps only the new domain (after "reroute:" and "rewrite:").
            rest = self_value[8:].lstrip(" \t\n\v\f\r")
            if rest.startswith("rewrite:"):
                rest = rest[8:].lstrip(" \t\n\v\f\r")
            derive(settings, "self", rest)
        if _get(settings, "retry_use_local_part") is None:
            derive(settings, "retry_use_local_part", bool(_get(settings, "check_local_user")) or any(
                _get(settings, option) is not None for option in (
                    "local_parts", "condition", "local_part_prefix", "local_part_suffix",
                    "senders", "require_files")))
        for option, after in (("redirect_router", False), ("pass_router", True)):
            target = _get(settings, option)
            if target is None:
                continue
            if target not in names:
                raise EximConfigError(f'new_router "{target}" not found for "{name}" router',
                                      form="plain")
            if after and names.index(str(target)) <= index:
                raise EximConfigError(f'new_router "{target}" does not follow "{name}" '
                                      "router", form="plain")


# ---------------------------------------------------------------------------
# Outcomes of a router, and of routing an address (Exim: OK, DECLINE, DEFER, FAIL,
# PASS, REROUTED, DISCARD). A driver sets what it found on the address item (the
# transport, hosts, generated children on the routing queues) and returns one of
# these; ``message`` (when given) becomes the address's error message.

class Outcome:
    """Base of the router outcome values; ``code`` is Exim's name for it."""

    code = ""
    __slots__ = ("message",)

    def __init__(self, message: str | None = None):
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})" if self.message else \
            f"{type(self).__name__}()"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.message == getattr(other, "message", None)

    def __hash__(self) -> int:
        return hash((self.code, self.message))


class Accept(Outcome):
    """OK: the address was queued for a transport, or it generated new addresses."""

    code = "OK"


class Decline(Outcome):
    """DECLINE: this router does not handle the address; the next one may ("more")."""

    code = "DECLINE"


class Pass(Outcome):
    """PASS: go on to the next router (or pass_router), whatever "more" says."""

    code = "PASS"


class Defer(Outcome):
    """DEFER: the address cannot be routed now ("cannot be resolved at this time")."""

    code = "DEFER"


class Fail(Outcome):
    """FAIL: the address is undeliverable; no later router is tried."""

    code = "FAIL"


class Rerouted(Outcome):
    """REROUTED: the domain changed (widening, self = reroute); a child routes anew."""

    code = "REROUTED"


class Discard(Outcome):
    """DISCARD: the address was :blackhole:d during a real delivery."""

    code = "DISCARD"


class PasswdEntry:
    """A user as getpwnam() returns it."""

    __slots__ = ("dir", "gecos", "gid", "name", "shell", "uid")

    def __init__(self, name: str, uid: int, gid: int, gecos: str, dir: str, shell: str):
        self.name, self.uid, self.gid = name, uid, gid
        self.gecos, self.dir, self.shell = gecos, dir, shell

    def __repr__(self) -> str:
        return f"PasswdEntry({self.name!r}, uid={self.uid}, gid={self.gid}, dir={self.dir!r})"


class PasswdSource:
    """Where routers find users and groups: the system's databases by default.

    Tests and golden runs inject a passwd file (``PasswdFile``) so that routing does
    not depend on the machine's /etc/passwd.
    """

    def getpwnam(self, name: str) -> PasswdEntry | None:
        import pwd
        try:
            entry = pwd.getpwnam(name)
        except (KeyError, ValueError):
            return None
        return PasswdEntry(entry.pw_name, entry.pw_uid, entry.pw_gid, entry.pw_gecos,
                           entry.pw_dir, entry.pw_shell)

    def getgrnam(self, name: str) -> int | None:
        import grp
        try:
            return grp.getgrnam(name).gr_gid
        except (KeyError, ValueError):
            return None


class PasswdFile(PasswdSource):
    """Users from a file in passwd(5) format (groups still from the system)."""

    def __init__(self, path: str):
        self.entries: dict[str, PasswdEntry] = {}
        with open(path, encoding="utf-8", errors="surrogateescape") as handle:
            for line in handle:
                fields = line.rstrip("\n").split(":")
                if len(fields) < 7 or not fields[2].lstrip("-").isdigit():
                    continue
                entry = PasswdEntry(fields[0], int(fields[2]), int(fields[3]), fields[4],
                                    fields[5], fields[6])
                self.entries.setdefault(entry.name, entry)

    def getpwnam(self, name: str) -> PasswdEntry | None:
        return self.entries.get(name)
