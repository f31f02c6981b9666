"""The ``pyexim`` command: parse the command line, pick the mode, run it.

Each mode lives in its own module under pyexim/cli/ with a ``run(invocation) -> int``
function. Modules are imported only when their mode runs, so a quick command such as
``-bV`` does not pay for Twisted or the expansion engine.
"""

from __future__ import annotations

import importlib
import os
import sys

from pyexim.cli.args import Invocation, parse_args
from pyexim.errors import NotAvailableError, UsageError

# Mode (Invocation.mode()) -> the module that runs it. A mode missing here is not built yet.
MODE_MODULES: dict[str, str] = {
    "address_test": "pyexim.cli.address_test",
    "count_queue": "pyexim.cli.list_queue",
    "expansion_test": "pyexim.cli.expansion_test",
    "filter_test": "pyexim.cli.filter_test",
    "help": "pyexim.cli.usage",
    "host_check": "pyexim.cli.host_check",
    "list_queue": "pyexim.cli.list_queue",
    "print_config": "pyexim.cli.print_config",
    "rewrite_test": "pyexim.cli.rewrite_test",
    "verify": "pyexim.cli.address_test",
    "version": "pyexim.cli.version",
}

# How each mode is spelled on the command line, for "not available yet" messages.
MODE_FLAGS: dict[str, str] = {
    "help": "--help", "version": "-bV", "info": "-bI", "print_config": "-bP",
    "expansion_test": "-be", "filter_test": "-bf/-bF", "host_check": "-bh",
    "address_test": "-bt", "verify": "-bv", "retry_test": "-brt", "rewrite_test": "-brw",
    "malware_test": "-bmalware", "alias_init": "-bi", "count_queue": "-bpc",
    "list_queue": "-bp", "message_action": "-M", "log_line": "-z",
    "continued_delivery": "-MC", "daemon": "-bd", "queue_run": "-q", "selective_run": "-R/-S",
    "smtp_stdin": "-bs", "batch_smtp": "-bS", "receive": "-bm",
}

# Exim's default configuration file search (Debian's path first), used when -C is absent.
DEFAULT_CONFIG_FILES = ("/etc/exim4/exim4.conf", "/etc/exim.conf", "/etc/exim/exim.conf")


def config_file_for(invocation: Invocation) -> str:
    """The configuration file this invocation reads: -C, else the first default that exists.

    Exim accepts a colon-separated list for -C and uses the first file that exists;
    when none exists the first is named in the error, so that is returned.
    """
    candidates = invocation.config_file.split(":") if invocation.config_file else list(
        DEFAULT_CONFIG_FILES)
    for candidate in candidates:
        if os.path.exists(candidate):
            return candidate
    return candidates[0]


def run_mode(invocation: Invocation) -> int:
    """Run the invocation's mode; NotAvailableError when that mode is not built yet."""
    mode = invocation.mode()
    module_name = MODE_MODULES.get(mode)
    if module_name is None:
        raise NotAvailableError(f"not available yet: {MODE_FLAGS.get(mode, mode)}")
    module = importlib.import_module(module_name)
    result: int = module.run(invocation)
    return result


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``pyexim`` console script; returns the process exit status."""
    argv = list(sys.argv if argv is None else argv)
    try:
        invocation = parse_args(argv)
        return run_mode(invocation)
    except UsageError as error:
        print(error.line(), file=sys.stderr)
        return 1
    except NotAvailableError as error:
        print(f"pyexim: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # Output piped into `head` and the like: not an error worth a traceback.
        return 0
