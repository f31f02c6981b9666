"""The authenticators this build has: driver name -> module (Exim: drtables.c auths_available).

Debian's build has no gsasl and no heimdal_gssapi authenticator.
"""

from __future__ import annotations

from pyexim.auth.base import GENERIC_OPTIONS
from pyexim.config.options import DriverFamily

DRIVERS: dict[str, str] = {
    "cram_md5": "pyexim.auth.cram_md5",
    "cyrus_sasl": "pyexim.auth.cyrus_sasl",
    "dovecot": "pyexim.auth.dovecot",
    "external": "pyexim.auth.external",
    "plaintext": "pyexim.auth.plaintext",
    "spa": "pyexim.auth.spa",
    "tls": "pyexim.auth.tls",
}

AUTHENTICATORS = DriverFamily("authenticator", GENERIC_OPTIONS, DRIVERS)

# Authenticator drivers in Exim 4.96's source that Debian's build leaves out.
NOT_IN_BUILD: dict[str, str] = {"gsasl": "AUTH_GSASL", "heimdal_gssapi": "AUTH_HEIMDAL_GSSAPI"}
