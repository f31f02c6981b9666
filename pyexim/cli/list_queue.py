"""``pyexim -bp``, ``-bpu``, ``-bpa``, ``-bpr`` and ``-bpc``: list or count the queue
(spec: "Listing the queue" in "The Exim command line").

The spool is the configuration's ``spool_directory`` (``split_spool_directory``
decides where new messages go; listing looks everywhere). Message ids given as
arguments limit the listing to them. As in Exim, only an admin user may list when
``queue_list_requires_admin`` is set (the default).
"""

from __future__ import annotations

import sys
import time

from pyexim.cli.args import Invocation
from pyexim.cli.main import config_file_for
from pyexim.errors import ConfigError, ConfigErrors
from pyexim.spool.queue import (
    LIST_ALL,
    LIST_UNDELIVERED,
    LIST_WITH_GENERATED,
    count_queue,
    list_queue,
)
from pyexim.spool.store import Spool

_OPTIONS = {"": LIST_ALL, "u": LIST_UNDELIVERED, "a": LIST_WITH_GENERATED}


def _write(text: str) -> None:
    sys.stdout.buffer.write(text.encode("utf-8", "surrogateescape"))


def run(invocation: Invocation) -> int:
    """List (modes list_queue) or count (count_queue) the queue; 0, or 1 on refusal."""
    from pyexim.cli.common import is_admin
    from pyexim.config import load_config
    from pyexim.config.options import exim_error_text
    from pyexim.log.text import log_timestamp

    try:
        config = load_config(config_file_for(invocation), invocation.macros)
    except (ConfigErrors, ConfigError) as problem:
        error = problem.errors[0] if isinstance(problem, ConfigErrors) else problem
        sys.stderr.write(f"{log_timestamp(time.time())} {exim_error_text(error, 'pyexim')}\n")
        return 1
    if config.option("queue_list_requires_admin") and not is_admin(config):
        sys.stderr.write("pyexim: permission denied\n")
        return 1
    spool = Spool(str(config.option("spool_directory")),
                  split=bool(config.option("split_spool_directory")))
    if invocation.mode() == "count_queue":
        _write(f"{count_queue(spool)}\n")
        return 0
    now = int(time.time())
    for text in list_queue(spool, now=now, option=_OPTIONS[invocation.list_queue or ""],
                           randomize=invocation.list_queue_random,
                           message_ids=invocation.arguments):
        _write(text)
    sys.stdout.flush()
    return 0
