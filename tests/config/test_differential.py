"""Random configurations read by pyexim and by real Exim: the same -bP config, or the same error.

The configurations are made of lines chosen from a small alphabet of the constructs
the preprocessor and the section readers care about (macros, .ifdef families,
.include, continuations, comments, section starts, driver and ACL lines), in any
order, so odd combinations come up that nobody would write on purpose. Needs the
oracle (runs /usr/sbin/exim4 for each example).
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyexim.config.normalised import normalised_config
from pyexim.config.options import exim_error_text
from pyexim.errors import ConfigErrors
from tests.conftest import REAL_EXIM, needs_oracle

PIECES = [
    "keep_environment =", "qualify_domain = a.example", "FOO = foo", "BAR = bar FOO",
    "FOO == x", "BA = 1", "FOO_BAR = q", "X_ = _HAVE_TLS", "Z = 1\\", "2",
    ".ifdef FOO", ".ifndef BAR", ".elifdef BA", ".else", ".endif", ".ifdef\tFOO",
    ".ifndef _HAVE_TLS", "# comment", "   # indented comment", "", "   \t  ", "\\",
    "primary_hostname = FOO\\", "   BAR", "domainlist d = a :\\", "  b", "hostlist h = FOOBAR",
    "qualify_recipient = x  \"a   b\"  $c   d", "hide qualify_domain = q",
    ".include_if_exists /nonexistent", ".include inc.conf", ".include empty.conf",
    "M = .include inc.conf", "M",
    "begin acl", "BEGIN acl", "a1:", "  accept hosts = :", "  FOO", "  deny message = BAR",
    "  endpass", "begin routers", "r1:", "  driver = redirect", "  data = FOO",
    "begin transports", "t1:", "  driver = pipe", "begin retry", "* * F,1h,10m",
    "begin rewrite", "a@b c@d", "begin nosuch",
]
INCLUDED = ["qualify_recipient = r\\\n", "x = 1\n", "FOO = inc\n", ".ifdef FOO\n", ".endif\n",
            "#c\n"]
_STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ", re.MULTILINE)
_PURGE = "Warning: purging the environment.\n Suggested action: use keep_environment.\n"


def _exim(conf: str) -> tuple[int, str, str]:
    run = subprocess.run([str(REAL_EXIM), "-C", conf, "-bP", "config"], capture_output=True,
                         check=False)
    err = _STAMP.sub("", run.stderr.decode("utf-8", "surrogateescape")).replace(_PURGE, "")
    return run.returncode, run.stdout.decode("utf-8", "surrogateescape"), err


def _pyexim(conf: str) -> tuple[int, str, str]:
    try:
        return 0, normalised_config(conf, admin=True, hostname="vm"), ""
    except ConfigErrors as errors:
        return 1, "", exim_error_text(errors.errors[0]) + "\n"


@needs_oracle
@settings(max_examples=120, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(st.sampled_from(PIECES), min_size=1, max_size=14),
       ending=st.sampled_from(["\n", "", "\n\n"]), included=st.sampled_from(INCLUDED))
def test_same_reading_as_exim(lines: list[str], ending: str, included: str) -> None:
    with tempfile.TemporaryDirectory(prefix="pyexim-diff-") as directory:
        # Exim reads the later sections after giving up root: let it read them.
        os.chmod(directory, 0o755)
        conf = os.path.join(directory, "c.conf")
        with open(conf, "w") as out:
            out.write("\n".join(lines) + ending)
        with open(os.path.join(directory, "inc.conf"), "w") as out:
            out.write(included)
        open(os.path.join(directory, "empty.conf"), "w").close()
        os.environ["PYEXIM_NO_CACHE"] = "1"
        try:
            assert _pyexim(conf) == _exim(conf)
        finally:
            del os.environ["PYEXIM_NO_CACHE"]
