"""The ${...} string expansion language (Exim: expand.c; spec: "String expansions").

Contract: a string is parsed once (cached) into nodes and evaluated against an
expansion context (message, address, ACL variables, lookups, clock, host). The result
is a string, or a forced failure (``fail``) which is distinct from an expansion error;
callers decide what each means, as Exim does. Tainted input stays tainted through
expansion (pyexim.taint).
"""
