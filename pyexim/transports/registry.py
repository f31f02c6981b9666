"""The transports this build has: driver name -> module (Exim: drtables.c transports_available).

Debian's build has no queuefile transport.
"""

from __future__ import annotations

from pyexim.config.options import DriverFamily
from pyexim.transports.base import GENERIC_OPTIONS

DRIVERS: dict[str, str] = {
    "appendfile": "pyexim.transports.appendfile",
    "autoreply": "pyexim.transports.autoreply",
    "lmtp": "pyexim.transports.lmtp",
    "pipe": "pyexim.transports.pipe",
    "smtp": "pyexim.transports.smtp",
}

TRANSPORTS = DriverFamily("transport", GENERIC_OPTIONS, DRIVERS)
