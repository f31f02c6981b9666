"""What load_config gives: the model of ACLs, drivers, lists, retry and rewrite rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyexim.config import load_config, read_config
from pyexim.config.model import AclCondition
from pyexim.config.transform import read_fixed, retry_error
from pyexim.errors import ConfigErrors

CONF = """\
keep_environment =
qualify_domain = example.org
hide domainlist local_domains = @ : example.org
hostlist_cache relays = 127.0.0.1
addresslist senders = ${lookup{x}lsearch{/dev/null}}
acl_smtp_rcpt = check_rcpt

begin acl
check_rcpt:
  accept  hosts = :
  deny    !verify = recipient
          message = no such user
  warn    set acl_m_count = 1
  accept  domains = +local_domains
          endpass
empty:

begin routers
local:
  driver = accept
  domains = +local_domains
  transport = t1
  condition = ${if eq{1}{1}}
  condition = yes

begin transports
t1:
  driver = appendfile
  file = /var/mail/$local_part

begin retry
*.example  timeout_connect_MX  F,2h,15m; G,16h,1h,1.5
*          quota_7d            senders = a@b  F,1d,1h
*          *                   H,4d,6h,2

begin rewrite
*@old.example  $local_part@new.example  Fr
"^x(.*)"       y$1                      S
"""


@pytest.fixture
def config(tmp_path: Path):
    path = tmp_path / "exim.conf"
    path.write_text(CONF)
    return load_config(str(path), hostname="vm")


def test_main_options_and_defaults(config) -> None:
    assert config.option("qualify_domain") == "example.org"
    assert config.main["acl_smtp_rcpt"].loc.line == 6
    # A default Exim derives from the host name once the main section is read.
    assert config.option("primary_hostname") == "vm"
    with pytest.raises(KeyError):
        config.option("no_such_option")


def test_named_lists(config) -> None:
    local = config.named_list("domain", "local_domains")
    assert (local.value, local.hide, local.cached, local.loc.line) == (
        "@ : example.org", True, True, 3)
    assert config.named_list("host", "relays").cached is True
    # A list with "$" is not cached unless _cache is given.
    assert config.named_list("address", "senders").cached is False
    assert config.named_list("domain", "nothing") is None


def test_acls(config) -> None:
    acl = config.acls["check_rcpt"]
    assert [s.verb for s in acl.statements] == ["accept", "deny", "warn", "accept"]
    deny = acl.statements[1]
    assert deny.conditions == (
        AclCondition("verify", "recipient", True, deny.conditions[0].loc),
        AclCondition("message", "no such user", False, deny.conditions[1].loc))
    assert [c.loc.line for c in deny.conditions] == [11, 12]
    setter = acl.statements[2].conditions[0]
    assert (setter.name, setter.variable, setter.value) == ("set", "acl_m_count", "1")
    assert [c.name for c in acl.statements[3].conditions] == ["domains", "endpass"]
    assert config.acls["empty"].statements == ()


def test_drivers(config) -> None:
    router = config.router("local")
    assert (router.driver, router.loc.line, router.get("transport")) == ("accept", 19, "t1")
    # Repeated router conditions are chained as Exim does.
    assert router.get("condition") == "${if and{{bool_lax{${if eq{1}{1}}}}{bool_lax{yes}}}}"
    transport = config.transport("t1")
    assert transport.get("file") == "/var/mail/$local_part"
    assert transport.get("maildir_format") is False   # the driver's default
    assert config.router("none") is None and config.authenticators == ()


def test_retry_rules(config) -> None:
    first, second, third = config.retry_rules
    assert (first.pattern, first.error_kind, first.error_data) == (
        "*.example", "timeout", "connect_MX")
    assert first.rules == (("F", 7200, 900, 0), ("G", 57600, 3600, 1500))
    assert (second.error_kind, second.error_data, second.senders) == ("quota", 604800, "a@b")
    assert third.rules == (("H", 345600, 21600, 2000),)


def test_rewrite_rules(config) -> None:
    assert [(r.pattern, r.replacement, r.flags) for r in config.rewrite_rules] == [
        ("*@old.example", "$local_part@new.example", "Fr"), ("^x(.*)", "y$1", "S")]


def test_macros_and_apply_macros(tmp_path: Path) -> None:
    path = tmp_path / "m.conf"
    path.write_text("keep_environment =\nDOM = example.net\nqualify_domain = DOM\n")
    config = load_config(str(path), [("CLI", "c")])
    assert [(m.name, m.value, m.from_command_line) for m in config.macros] == [
        ("CLI", "c", True), ("DOM", "example.net", False)]
    assert config.macros[1].loc.line == 2
    assert config.apply_macros("at DOM and CLI") == "at example.net and c"


def test_load_config_raises_every_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.conf"
    path.write_text("nosuch = 1\nalso_nosuch = 2\n")
    with pytest.raises(ConfigErrors) as raised:
        load_config(str(path))
    assert [e.loc.line for e in raised.value.errors] == [1, 2]


def test_warnings_for_what_exim_checks_only_at_use_time(tmp_path: Path) -> None:
    path = tmp_path / "w.conf"
    path.write_text("keep_environment =\nacl_smtp_rcpt = nosuch_acl\n"
                    "acl_smtp_data = accept\n"
                    "begin acl\na1:\n  accept hosts = +include_unknown : +nolist\n"
                    "  deny message = ${if eq{a}{b}\n"
                    "begin routers\nr1:\n  driver = accept\n  transport = nowhere\n"
                    # items of a list option are expanded one by one: "::" is a colon
                    "  headers_remove = ${if def::h_x:: {subject}fail}\n"
                    "  senders = +caseful : a@b\n")
    reading = read_config(str(path))
    assert reading.errors == []
    assert [(loc.line, reason) for reason, loc in reading.warnings] == [
        (2, '(checked at use time by Exim) acl_smtp_rcpt: there is no ACL called "nosuch_acl"'),
        (6, '(checked at use time by Exim) ACL a1: hosts: unknown named host list "+nolist"'),
        (7, reading.warnings[2][0]),
        (11, ('(checked at use time by Exim) router r1: transport "nowhere" is not a defined '
             "transport")),
    ]
    assert reading.warnings[2][0].startswith("(checked at use time by Exim) ACL a1: message: ")


@pytest.mark.parametrize("text,expected", [
    ("*", ("*", None)), ("quota", ("quota", None)), ("quota_3d", ("quota", 259200)),
    ("refused_MX", ("refused", "MX")), ("refused_a", ("refused", "A")),
    ("timeout_connect", ("timeout", "connect")), ("timeout_DNS", ("timeout", None)),
    ("rcpt_45x", ("rcpt_4xx", "5x")), ("mail_4xx", ("mail_4xx", "xx")),
    ("auth_failed", ("auth_failed", None)), ("auth_", ("auth_failed", None)),
    ("lost", ("lost_connection", None)),
    ("tls_required", ("tls_required", None)), ("lookup", ("lookup", None)),
])
def test_retry_error_names(text: str, expected: tuple[str, object]) -> None:
    assert retry_error(text) == expected


@pytest.mark.parametrize("text,message", [
    ("quota_x", "bad time value"), ("refused_B", 'A or MX expected after "refused"'),
    ("rcpt_4x5", ("rcpt_4 must be followed by xx, dx, or dd, where x is literal and d is any "
                 "digit")),
    ("bogus", 'unknown or malformed retry error "bogus"'),
    ("auth", 'unknown or malformed retry error "auth"'),
])
def test_retry_error_refusals(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        retry_error(text)


@pytest.mark.parametrize("text,value", [("1.5", 1500), ("2", 2000), ("1.25", 1250),
                                        ("x", -1), ("1.5x", -1), ("", -1)])
def test_read_fixed(text: str, value: int) -> None:
    assert read_fixed(text) == value
