"""Transports (Exim: transport.c, transports/; spec: "Generic options for transports" and one chapter per driver).

Contract: ``base.py`` holds the generic options; each driver is one module with its
OPTIONS table and one registry entry. A transport delivers one message to the
addresses routed to it and reports a result per address (ok, defer, fail) as values.
"""
