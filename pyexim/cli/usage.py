"""``pyexim --help``: a short summary of the command line (the man page has the rest)."""

from __future__ import annotations

import sys

from pyexim.cli.args import Invocation

USAGE = """\
usage: pyexim [options] [recipients...]
  -C FILE        use FILE as the configuration (default /etc/exim4/exim4.conf,
                 /etc/exim.conf, /etc/exim/exim.conf)
  -DNAME=VALUE   define a configuration macro
  -bV            print the version and check the configuration
  -bP [NAMES]    print configuration options (also: config, router_list, macros ...)
  -be / -bem F   test string expansions
  -bt / -bv      test routing / verify addresses
  -bh IP         fake an SMTP session from IP (ACLs run, nothing delivered)
  -bs            SMTP on standard input and output
  -bd -qTIME     run the daemon (and queue runners)
  -bp / -bpc     list / count the queue
  -q, -qf, -qff  run the queue once (forcing, thawing)
  -M / -Mrm ID   deliver / remove messages
See man pyexim(8) for every flag.
"""


def run(invocation: Invocation) -> int:
    """Print the summary; Exim exits 0 for --help."""
    sys.stdout.write(USAGE)
    return 0
