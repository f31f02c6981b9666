"""SMTP authenticators, server and client side (Exim: auths/; spec: "SMTP authentication").

Contract: each driver is one module with its OPTIONS table and one registry entry.
"""
