"""The only package that imports Twisted: server and client protocols, the daemon, the test DNS server.

Contract: adapts the sans-IO machines of pyexim.smtp to sockets, TLS and timers;
policy runs in Twisted's thread pool, never on the reactor thread.
"""
