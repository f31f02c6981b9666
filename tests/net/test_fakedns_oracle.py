"""The real Exim (oracle) sees the test zones through tests/tools/oracle_dns.py: routing
with a dnslookup router, dnsdb lookups of every record type, and the replayer's test 0002
with the DNS it needs. Root and the oracle are needed; each check runs Exim once."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import PROJECT, SHARED, needs_oracle
from tests.tools import oracle_dns

pytestmark = needs_oracle

CONFIG = """\
primary_hostname = oracle.test
qualify_domain = oracle.test
keep_environment =

begin routers

dnslookup:
  driver = dnslookup
  transport = remote_smtp
  no_more

begin transports

remote_smtp:
  driver = smtp
"""


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("oracle-dns") / "dnslookup.conf"
    path.write_text(CONFIG)
    return path


def blocks(output: str) -> dict[str, str]:
    """-bt output split per address: a block starts at a line without leading space."""
    result: dict[str, str] = {}
    address = ""
    for line in output.splitlines():
        if not line.startswith(" "):
            address = line.split()[0]
            result[address] = ""
        result[address] += line + "\n"
    return result


# Address -> what -bt prints for it. Hosts of equal MX preference are avoided: Exim
# shuffles them. HOSTIPV4 (eximtesthost.test.ex, mail3) is 192.0.2.7.
ROUTES = {
    "user@mxt7.test.ex": """\
user@mxt7.test.ex
  router = dnslookup, transport = remote_smtp
  host ten-2.test.ex        [224.0.0.2] MX=5
  host ten-3.test.ex        [224.0.0.3] MX=6
  host eximtesthost.test.ex [192.0.2.7] MX=7
  host ten-1.test.ex        [224.0.0.1] MX=8
""",
    "user@mxt3.test.ex": """\
user@mxt3.test.ex
  router = dnslookup, transport = remote_smtp
  host not-exist.test.ex    [unknown]   MX=5 ** unusable **
  host eximtesthost.test.ex [192.0.2.7] MX=6
""",
    "user@routed.pyexim.example": """\
user@routed.pyexim.example
  router = dnslookup, transport = remote_smtp
  host mail1.pyexim.example [192.0.2.11]   MX=10
  host mail2.pyexim.example [2001:db8::12] MX=20
  host mail2.pyexim.example [192.0.2.12]   MX=20
  host mail3.pyexim.example [192.0.2.7]    MX=30
""",
    "user@viacname.pyexim.example": """\
user@viacname.pyexim.example
  router = dnslookup, transport = remote_smtp
  host mail1.pyexim.example [192.0.2.11] MX=10
""",
    "user@ten-1.test.ex": """\
user@ten-1.test.ex
  router = dnslookup, transport = remote_smtp
  host ten-1.test.ex [224.0.0.1]
""",
    "user@nohosts.pyexim.example": "user@nohosts.pyexim.example is undeliverable: all "
                                   "relevant MX records point to non-existent hosts\n",
    "user@nonexist.test.ex": "user@nonexist.test.ex is undeliverable: Unrouteable address\n",
    "user@test.again.dns": "user@test.again.dns cannot be resolved at this time: "
                           "host lookup did not complete\n",
    "user@cname4.test.ex": "user@cname4.test.ex cannot be resolved at this time: "
                           "remote host address is the local host\n",
}


@pytest.fixture(scope="module")
def routed(config: Path) -> tuple[int, dict[str, str]]:
    result = oracle_dns.exim(config, "-bt", *ROUTES)
    return result.returncode, blocks(result.stdout.decode())


@pytest.mark.parametrize("address", list(ROUTES))
def test_real_exim_routes_through_the_test_zones(routed: tuple[int, dict[str, str]],
                                                 address: str) -> None:
    assert routed[1][address] == ROUTES[address]


def test_exit_status_is_the_worst_outcome(routed: tuple[int, dict[str, str]]) -> None:
    assert routed[0] == 2


def test_hostipv4_on_lo_makes_the_mx_host_local(config: Path) -> None:
    result = oracle_dns.exim(config, "-bt", "user@mxt1.test.ex", "user@mxt7.test.ex",
                             options=["--local-addresses"])
    assert result.stdout.decode() == """\
user@mxt1.test.ex cannot be resolved at this time: lowest numbered MX record points to local host
user@mxt7.test.ex
  router = dnslookup, transport = remote_smtp
  host ten-2.test.ex [224.0.0.2] MX=5
  host ten-3.test.ex [224.0.0.3] MX=6
"""


# (label, expansion, what -be prints): one line each (multiple values joined by ">,").
LOOKUPS = [
    ("a", "${lookup dnsdb{a=ten-1.test.ex}}", "224.0.0.1"),
    ("hostipv4", "${lookup dnsdb{a=eximtesthost.test.ex}}", "192.0.2.7"),
    ("aaaa", "${lookup dnsdb{aaaa=46.test.ex}}", "ff00:ffff:836f:a00:a:800:200a:c031"),
    ("mx", "${lookup dnsdb{>, mx=mxt3.test.ex}}", "5 not-exist.test.ex,6 eximtesthost.test.ex"),
    ("mxh", "${lookup dnsdb{mxh=mxt1.test.ex}}", "eximtesthost.test.ex"),
    ("ns", "${lookup dnsdb{ns=test.ex}}", "exim.test.ex"),
    ("zns", "${lookup dnsdb{zns=x.y.z.test.ex}}", "exim.test.ex"),
    ("soa", "${lookup dnsdb{>:, soa=test.ex}}",
     "exim.test.ex hostmaster.exim.test.ex 1430683638 1200 120 604800 3000"),
    ("ptr4", "${lookup dnsdb{>, ptr=224.0.0.3}}", "ten-3.test.ex,ten-3-alias.test.ex"),
    ("ptr6", "${lookup dnsdb{ptr=ff00:1234:5:6:7:8:abc:d}}", "test3.ipv6.test.ex"),
    ("txt", "${lookup dnsdb{txt=test.ex}}", "A TXT record for test.ex."),
    ("two-txt", "${lookup dnsdb{>| txt=double.example.com}}",
     "v=spf1 include:_spf.google.com ~all|v=spf1 +a +mx -all"),
    ("multi-string", "${lookup dnsdb{>|,: txt=multi.pyexim.example}}",
     "first string:second string"),
    ("cname", "${lookup dnsdb{cname=alias-eximtesthost.test.ex}}", "eximtesthost.test.ex"),
    ("via-cname", "${lookup dnsdb{a=cname4.test.ex}}", "127.0.0.1"),
    ("cname-chain", "${lookup dnsdb{a=chain1.pyexim.example}}", "192.0.2.11"),
    ("srv", "${lookup dnsdb{srv=_smtp._tcp.srv01.test.ex}}", "0 0 25 ten-1.test.ex"),
    ("tlsa", "${lookup dnsdb{tlsa=_1225._tcp.dane256ee.test.ex}}",
     "3 1 1 9177e577d294f52da8eb206eb53e7963fb8d354bb4a1a62aa8318101dbc11e46"),
    ("spf", "${lookup dnsdb{spf=spf.pyexim.example}}", "v=spf1 ip4:192.0.2.11 -all"),
    ("csa", "${lookup dnsdb{csa=csa1.test.ex}}", "Y csa1.test.ex"),
    ("single-label", "${lookup dnsdb{a=ten-1}}", "224.0.0.1"),
    ("nxdomain", "${lookup dnsdb{a=nonexist.test.ex}{$value}{NOT FOUND}}", "NOT FOUND"),
    ("nodata", "${lookup dnsdb{mx=ten-1.test.ex}{$value}{NOT FOUND}}", "NOT FOUND"),
    ("again", "${lookup dnsdb{a=test.again.dns}}",
     'Failed: lookup of "a=test.again.dns" gave DEFER: '),
    ("fail", "${lookup dnsdb{a=test.fail.dns}}",
     'Failed: lookup of "a=test.fail.dns" gave DEFER: '),
]


@pytest.fixture(scope="module")
def expanded(config: Path) -> list[str]:
    result = oracle_dns.exim(config, "-be", *(expansion for _, expansion, _ in LOOKUPS))
    return result.stdout.decode().splitlines()


@pytest.mark.parametrize(("index", "expected"), [(i, e) for i, (_, _, e) in enumerate(LOOKUPS)],
                         ids=[label for label, _, _ in LOOKUPS])
def test_real_exim_dnsdb_lookups(expanded: list[str], index: int, expected: str) -> None:
    assert expanded[index] == expected


def test_the_replayer_passes_0002_with_real_exim() -> None:
    result = subprocess.run(
        [str(PROJECT / "tests" / "tools" / "replay_with_dns.sh"),
         "--testdir", str(SHARED / "exim-tests" / "exim-4.96"), "--exim", "/usr/sbin/exim4",
         "0002"], check=False, capture_output=True, timeout=300)
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()
    assert result.stdout.decode().startswith(
        "0002 PASS  1049/1049 lines match  rc-problems=0")
