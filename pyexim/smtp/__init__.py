"""Sans-IO SMTP: events, replies, line buffer, server and client state machines, DATA framing.

Contract: bytes in, events out; replies in, bytes out. No sockets, no Twisted, no
configuration: the caller (receive/ for the server, transports/smtp for the client)
supplies policy and the network adapter (net/) supplies bytes.
"""
