"""exim.conf -> a frozen object model (Exim: readconf.c).

Contract: ``load_config(path, cli_macros)`` reads a configuration file the way Exim
4.96 does (preprocessor: macros, ``.include``, ``.ifdef``, continuations; then the
sections) and returns a frozen ``Config``; every option value, ACL statement, driver
instance, named list, retry and rewrite rule carries the ``SourceLoc`` it came from.
Expandable strings are kept raw (expanded later, when used, as Exim does). A
configuration Exim would refuse raises ``ConfigErrors`` carrying one ``ConfigError``
per problem, each with Exim's wording and line. Nothing here touches the network,
the spool or Twisted.
"""
