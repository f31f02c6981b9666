"""Delivery (Exim: deliver.c, retry.c): route every recipient, run transports, journal, retry, bounce.

Contract: takes a spooled message, routes each undelivered recipient, groups them by
transport and host, runs the transports, logs each result, journals it so a crash is
not repeated, updates retry hints, and creates bounces and warnings.
"""
