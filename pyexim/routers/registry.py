"""The routers this build has: driver name -> module (Exim: drtables.c routers_available).

Each module holds the driver's private ``OPTIONS`` table and its ``init``; it is
imported only when a configuration names the driver.
"""

from __future__ import annotations

from pyexim.config.options import DriverFamily
from pyexim.routers.base import GENERIC_OPTIONS

DRIVERS: dict[str, str] = {
    "accept": "pyexim.routers.accept",
    "dnslookup": "pyexim.routers.dnslookup",
    "ipliteral": "pyexim.routers.ipliteral",
    "iplookup": "pyexim.routers.iplookup",
    "manualroute": "pyexim.routers.manualroute",
    "queryprogram": "pyexim.routers.queryprogram",
    "redirect": "pyexim.routers.redirect",
}

ROUTERS = DriverFamily("router", GENERIC_OPTIONS, DRIVERS)
