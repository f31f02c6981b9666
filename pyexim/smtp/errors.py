"""The errors of the sans-IO SMTP machines, each saying which side broke the protocol.

As in h11: ``LocalProtocolError`` is raised when the caller (the policy, the network
adapter or a transport) uses a machine in a way the protocol does not allow -- a bug
in pyexim; ``RemoteProtocolError`` when the peer sent something no reading of the
protocol accepts (the client machine meets it in malformed server replies). Things a
*client* gets wrong in a server session are not exceptions: Exim answers them, so the
server machine turns them into events that carry Exim's reply.
"""

from __future__ import annotations

from pyexim.errors import PyEximError


class SmtpProtocolError(PyEximError):
    """Base of the SMTP machines' errors."""


class LocalProtocolError(SmtpProtocolError):
    """Our side misused a machine: e.g. sent a reply when none was due."""


class RemoteProtocolError(SmtpProtocolError):
    """The peer broke the protocol beyond what can be answered: e.g. a malformed reply."""
