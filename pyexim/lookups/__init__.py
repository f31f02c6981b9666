"""Lookups: one module per lookup type and one registry (Exim: search.c, lookups/).

Contract: a lookup is (type with its partial-/*/*@/ret=/cache= decorations, key,
file or query). It returns the data found, "not found", or a deferral (the lookup
could not be completed now). Results are cached per run. Tainted file names are
refused as Exim 4.96 refuses them.
"""
