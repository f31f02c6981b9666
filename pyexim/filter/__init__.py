"""Mail filters for the redirect router: Exim's filter language and Sieve (spec: "Exim's interfaces to mail filtering").

Contract: a filter file is parsed into commands and run against a message and an
address context; the result is a list of generated deliveries (deliver, save, pipe,
mail, ...) plus "seen"/"significant" state, or a filter error with the line.

The interface (everything reaches the outside world through a
:class:`~pyexim.filter.env.FilterEnv`; :class:`~pyexim.filter.engine.EngineEnv` is
the one over pyexim's expansion engine):

* :func:`filter_kind` - which of the three a file is (Exim's rda_is_filter);
* :func:`pyexim.filter.exim_syntax.parse_exim_filter` then
  :func:`pyexim.filter.exim_run.run_exim_filter` - Exim filters;
* :func:`pyexim.filter.sieve.run_sieve` - Sieve scripts;
* :func:`pyexim.filter.forward.parse_forward_list` - plain alias/.forward lists;
* results: :class:`pyexim.filter.result.FilterResult` (outcome, generated, error).
"""

from __future__ import annotations

from pyexim.strings import lower, span


def filter_kind(text: str) -> str:
    """"exim", "sieve" or "forward" (a plain list): what the first line of *text* says."""
    start = len(text) - len(text.lstrip(" \t\n\v\f\r"))
    for kind in ("exim", "sieve"):
        if _has_tag(text, start, kind):
            return kind
    return "forward"


def _has_tag(text: str, pos: int, kind: str) -> bool:
    """"# Exim filter" / "# Sieve filter" at *pos*: a blank in the tag matches any run of
    blanks (none included), in any case (rda.c match_tag)."""
    if not text.startswith("#", pos):
        return False
    pos = span(text, " \t", pos + 1)
    if lower(text[pos:pos + len(kind)]) != kind:
        return False
    pos = span(text, " \t", pos + len(kind))
    return lower(text[pos:pos + 6]) == "filter"
