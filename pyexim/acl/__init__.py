"""Access control lists (Exim: acl.c, verify.c; spec: "Access control lists").

Contract: an ACL is run for one SMTP (or non-SMTP) event against a session context
and returns a verdict value (accept, deny, defer, discard, drop, ...) with the message
and log text, never an exception for a policy outcome.
"""
