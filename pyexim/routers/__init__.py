"""Routers (Exim: route.c, routers/; spec: "Generic options for routers" and one chapter per driver).

Contract: ``base.py`` holds the generic options and the outcome values (accept,
decline, defer, fail, pass, rerouted); ``chain.py`` runs the preconditions and the
routers in order for one address; each driver is one module with its OPTIONS table
and one entry in the registry. A router never delivers; it decides where an address
goes.
"""
