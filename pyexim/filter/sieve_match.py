"""Sieve comparators and match types as Exim implements them (RFC 5228 section 2.7; Exim: sieve.c).

Comparators: ``i;octet``, ``i;ascii-casemap`` (and its alias ``en;ascii-casemap``),
``i;ascii-numeric`` (RFC 4790). Match types: ``:is``, ``:contains``, ``:matches``.
Text is bytes, one character per byte; Exim's glob works octet by octet whatever the
comparator, and case folding is ASCII only.
"""

from __future__ import annotations

import enum


class Comparator(enum.Enum):
    OCTET = "i;octet"
    ASCII_CASEMAP = "en;ascii-casemap"
    ASCII_NUMERIC = "i;ascii-numeric"


class MatchType(enum.Enum):
    IS = ":is"
    CONTAINS = ":contains"
    MATCHES = ":matches"


# Comparator names a script may give (compared caselessly, as Exim does).
COMPARATOR_NAMES = {"i;octet": Comparator.OCTET, "i;ascii-casemap": Comparator.ASCII_CASEMAP,
                    "en;ascii-casemap": Comparator.ASCII_CASEMAP,
                    "i;ascii-numeric": Comparator.ASCII_NUMERIC}


class MatchError(Exception):
    """A comparison that cannot be made; the message is Exim's."""


def ascii_fold(text: str) -> str:
    """ASCII letters to lower case, nothing else (the i;ascii-casemap rule)."""
    return text.lower() if text.isascii() else "".join(
        c.lower() if "A" <= c <= "Z" else c for c in text)


def glob_match(pattern: str, subject: str, caseless: bool) -> bool:
    """Exim's eq_glob: ``*`` any run, ``?`` one octet, ``\\`` quotes the next character.

    Raises MatchError for a pattern ending in a lone backslash. A literal part after
    a star is tried at each later position, as Exim's loop does.
    """
    if caseless:
        pattern_cmp, subject = ascii_fold(pattern), ascii_fold(subject)
    else:
        pattern_cmp = pattern
    n = h = 0
    nend, hend = len(pattern_cmp), len(subject)
    may_advance = False
    while n < nend:
        if pattern_cmp[n] == "*":
            n += 1
            may_advance = True
            continue
        while True:
            npart, hpart = n, h
            matched = True
            while npart < nend and pattern_cmp[npart] != "*":
                if pattern_cmp[npart] == "?":
                    if hpart == hend:
                        return False
                    hpart += 1
                    npart += 1
                    continue
                if pattern_cmp[npart] == "\\":
                    npart += 1
                    if npart == nend:
                        raise MatchError("syntactically invalid pattern")
                if hpart == hend:
                    return False
                if subject[hpart] != pattern_cmp[npart]:
                    matched = False
                    break
                npart += 1
                hpart += 1
            if not matched:
                if not may_advance:
                    return False
                h += 1          # the literal after a star failed here: try one further on
                continue
            if may_advance and npart == nend and hpart < hend:
                h += 1          # the pattern ends but the subject does not: slide on
                continue
            break
        h, n = hpart, npart
        may_advance = False
    return h == hend or may_advance


def ascii_numeric(a: str, b: str) -> int:
    """RFC 4790 i;ascii-numeric ordering: -1, 0 or 1 (a string without digits is "infinity")."""
    def digits(text: str) -> str:
        end = 0
        while end < len(text) and "0" <= text[end] <= "9":
            end += 1
        return text[:end]
    da, db = digits(a), digits(b)
    if da and not db:
        return -1
    if not da:
        return 1 if db else 0
    if len(da) != len(db):
        return -1 if len(da) < len(db) else 1
    return (da > db) - (da < db)


def compare(needle: str, haystack: str, comparator: Comparator, match: MatchType,
            numeric_allowed: bool) -> bool:
    """Does *haystack* match the key *needle*? Exim's compare().

    Raises MatchError with Exim's message for a comparator that does not offer the
    match type, an undeclared i;ascii-numeric, or a bad :matches pattern.
    """
    if match is MatchType.IS:
        if comparator is Comparator.OCTET:
            return needle == haystack
        if comparator is Comparator.ASCII_CASEMAP:
            return ascii_fold(needle) == ascii_fold(haystack)
        if not numeric_allowed:
            raise MatchError('missing previous require "comparator-i;ascii-numeric";')
        return ascii_numeric(needle, haystack) == 0
    if comparator is Comparator.ASCII_NUMERIC:
        raise MatchError("comparator does not offer specified matchtype")
    if match is MatchType.CONTAINS:
        # Exim tries each position of a non-empty haystack, so an empty haystack
        # contains nothing, not even the empty string.
        if not haystack:
            return False
        if comparator is Comparator.OCTET:
            return needle in haystack
        return ascii_fold(needle) in ascii_fold(haystack)
    return glob_match(needle, haystack, caseless=comparator is Comparator.ASCII_CASEMAP)
