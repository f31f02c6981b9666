"""Hypothesis properties of the expansion engine.

1. Parsing then printing round-trips: parse(to_text(parse(s))) == parse(s) for any text,
   broken or not.
2. However operators, items and conditions are nested, evaluating raises nothing but
   ExpansionError (ForcedFail and LookupDeferred are kinds of it): no Python exception
   leaks out of the evaluator.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyexim.expand import ExpansionContext, ExpansionError, expand_string
from pyexim.expand.conditions import CONDITIONS
from pyexim.expand.context import (
    FORBID_DLFUNC,
    FORBID_EXISTS,
    FORBID_LOOKUP,
    FORBID_PERL,
    FORBID_READFILE,
    FORBID_READSOCK,
    FORBID_RUN,
)
from pyexim.expand.items import ITEMS
from pyexim.expand.operators import OPERATORS
from pyexim.expand.parser import parse
from pyexim.expand.printer import to_text

FRAGMENTS = [
    "$", "{", "}", "\\", "\\N", ":", "_", " ", "!", "=", "<", ">", ",", "x", "ab", "12", "-3",
    "fail", "json", "h_", "header_", "rh_", "acl_c1", "value", "item", "primary_hostname",
    "if ", "lookup", "lsearch", "def:", "{eq{a}{b}}", "${", "${lc:", "${if eq{", "}{",
    "\\$", "\\}", "\\n", "\\x4", "\\101", "\t", ";", "@", "*", "\"", "'", "(", ")", "[", "]",
    *sorted(ITEMS), *sorted(OPERATORS), *sorted(c for c in CONDITIONS if c.isalpha()),
]

texts = st.lists(st.sampled_from(FRAGMENTS), max_size=14).map("".join)


@settings(max_examples=400, deadline=None)
@given(texts)
def test_parse_print_round_trip(text: str) -> None:
    tree = parse(text)
    assert parse(to_text(tree)) == tree


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=255), max_size=30))
def test_round_trip_of_arbitrary_text(text: str) -> None:
    tree = parse(text)
    assert parse(to_text(tree)) == tree


# -- nested expansions -----------------------------------------------------------

_SAFE_ITEMS = sorted(ITEMS)
_OPERATOR_NAMES = sorted(OPERATORS) + ["hash_3", "length_2", "substr_1_2", "nhash_5_3",
                                       "mask_n", "sha2_512", "listnamed_d", "quote_lsearch"]
_CONDITION_NAMES = sorted(CONDITIONS)

leaves = st.one_of(
    st.text(alphabet="abcxyz019 .:@<>-_=", max_size=6),
    st.sampled_from(["$primary_hostname", "$item", "$value", "$1", "$h_subject:",
                     "$acl_m_x", "$nosuch", "${tod_log}", "192.0.2.1", "::1", "10s",
                     "a@b.example", "<a@b>", "[1,2]", "{\"a\":1}", "\\}", "\\\\"]),
)


def _extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    operator = st.tuples(st.sampled_from(_OPERATOR_NAMES), children).map(
        lambda t: f"${{{t[0]}:{t[1]}}}")
    item = st.tuples(st.sampled_from(_SAFE_ITEMS),
                     st.lists(children, max_size=4), st.sampled_from(["", "fail", " "])).map(
        lambda t: f"${{{t[0]}{''.join('{' + c + '}' for c in t[1])}{t[2]}}}")
    condition = st.tuples(st.sampled_from(_CONDITION_NAMES), st.lists(children, max_size=3),
                          st.booleans()).map(
        lambda t: f"${{if {'!' if t[2] else ''}{t[0]}"
                  f"{''.join('{' + c + '}' for c in t[1])}{{yes}}{{no}}}}")
    return st.one_of(operator, item, condition, st.tuples(children, children).map("".join))


nested = st.recursive(leaves, _extend, max_leaves=8)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nested)
def test_nested_expansions_fail_only_with_expansion_errors(text: str) -> None:
    ctx = ExpansionContext(values={"primary_hostname": "host.example"},
                           forbid=frozenset({FORBID_EXISTS, FORBID_LOOKUP, FORBID_PERL,
                                             FORBID_READFILE, FORBID_READSOCK, FORBID_RUN,
                                             FORBID_DLFUNC}))
    try:
        result = expand_string(text, ctx)
    except ExpansionError as error:
        assert isinstance(error.message, str)
    else:
        assert isinstance(result, str)
