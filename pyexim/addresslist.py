"""Address-list items (Exim: match.c ``check_address``); used through pyexim.lists.

``local@domain`` (the domain part is a one-item domain list: ``*.x``, ``+name``, ``@``,
``@[]``, ``@mx_*``, lookups), ``*tail@domain``, a bare domain item, ``^regex`` on the
whole address, ``type;file`` looking the whole address up (with ``*@`` defaults), and
``@@type;file``: the domain is looked up to give a list of local parts (the last item may
be ``> key`` to chain to another entry).
"""

from __future__ import annotations

from pyexim.lists import (
    _FAIL,
    _OK,
    DEFER,
    DOMAIN,
    FAIL,
    OK,
    SINGLE_ITEM,
    ListPanic,
    _check_list,
    _check_string,
    _Env,
    _Item,
    _same,
    _string_block,
    _Value,
    list_items,
)
from pyexim.record import record
from pyexim.strings import C_SPACE


@record
class _AddressCheck:
    """Exim's check_address_block."""

    origaddress: str
    address: str
    expand_setup: int
    caseless: bool
    env: _Env

    def key(self) -> str:
        return self.address

    def caseful(self) -> None:
        at = self.origaddress.rfind("@")
        if at >= 0:
            self.address = self.origaddress[:at] + self.address[at:]
        self.caseless = False

    def __call__(self, pattern: str, cell: _Value | None) -> _Item:
        return _check_address(self, pattern, cell)


_AT_SPECIALS = ("", "[]", "mx_any", "mx_primary", "mx_secondary")


def _check_address(cb: _AddressCheck, pattern: str, cell: _Value | None) -> _Item:
    """Exim's ``check_address``: one address-list item."""
    subject = cb.address
    at = subject.rfind("@")
    env = cb.env
    if at < 0 and subject:
        env.log(f'no @ found in the subject of an address list match: subject="{subject}" '
                f'pattern="{pattern}"', True)
        return _FAIL

    if pattern.startswith("^"):
        block = _string_block(subject, cb.caseless, cb.expand_setup, False, env)
        return _check_string(block, pattern, None)

    # A lookup of the whole address: letters, digits and "-", then "*" or "*@", then ";".
    i = 0
    while i < len(pattern) and (pattern[i].isascii() and pattern[i].isalnum()
                                or pattern[i] == "-"):
        i += 1
    if pattern[i:i + 1] == "*":
        i += 1
    if pattern[i:i + 1] == "@":
        i += 1
    if pattern[i:i + 1] == ";":
        if pattern.startswith("partial-"):
            env.log('partial matching is not applicable to whole-address lookups: ignored '
                    f'"partial-" in "{pattern}"', True)
        block = _string_block(subject, cb.caseless, -1, False, env, use_partial=False)
        return _check_string(block, pattern, cell)

    if not subject:
        return _FAIL if pattern else _OK

    if pattern.startswith("@@"):
        return _check_at_at(cb, subject, at, pattern, cell)

    value: str | None = None
    local_caps: tuple[int, str] | None = None
    expand_inc = 0
    pat_at = pattern.rfind("@")
    if pat_at >= 0:
        # "x@@", "x@@[]", "x@@mx_any"...: the domain part is the special item with its "@".
        if pat_at > 0 and pattern[pat_at - 1] == "@" and pattern[pat_at + 1:] in _AT_SPECIALS:
            pat_at -= 1
        slen = at
        if pattern.startswith("*"):
            clen = pat_at - 1
            if slen < clen or not _same(subject[slen - clen:slen], pattern[1:1 + clen],
                                        cb.caseless):
                return _FAIL
            if cb.expand_setup > 0:
                local_caps = (cb.expand_setup, subject[:slen - clen])
                expand_inc = 1
        elif slen != pat_at or not _same(subject[:slen], pattern[:slen], cb.caseless):
            return _FAIL
        # Exim copies this many characters of the pattern whatever its form (a "*" pattern
        # shorter or longer than the local part included): copied as it is.
        value = pattern[:slen]
        domain_pattern = pattern[pat_at + 1:]
    else:
        domain_pattern = pattern

    block = _string_block(subject[at + 1:], cb.caseless, cb.expand_setup + expand_inc, True,
                          env)
    if cell is not None:
        cell.data = None
    dcell = _Value()
    outcome = _check_list(domain_pattern, SINGLE_ITEM, DOMAIN, None, block, block, DOMAIN,
                          False, env, block.subject, dcell)
    if cell is not None and (value is not None or dcell.data is not None):
        cell.data = f"{value or ''}@{dcell.data or ''}"
    caps = outcome.captures
    if local_caps is not None and outcome.rc == OK:
        merged = list(caps or ())
        index, text = local_caps
        merged.extend([""] * (index + 1 - len(merged)))
        merged[index] = text
        caps = tuple(merged)
    if outcome.rc == DEFER:
        # Exim does not pass the domain list's reason up: the list reports a DNS deferral.
        return _Item(DEFER, reason=outcome.message)
    return _Item(OK, caps) if outcome.rc == OK else _FAIL


def _check_at_at(cb: _AddressCheck, subject: str, at: int, pattern: str,
                 cell: _Value | None) -> _Item:
    """``@@type;file``: look the domain up to get a list of local parts (with ``>`` chains)."""
    if at == 1 and subject[0] == "*":
        return _FAIL
    env = cb.env
    key: str | None = subject[at + 1:]
    local = subject[:at]
    watchdog = 50
    while key is not None and watchdog > 0:
        watchdog -= 1
        found = _Value()
        item = _check_string(_string_block(key, False, -1, False, env), pattern[2:], found)
        if item.rc != OK:
            return item
        data = found.data or ""
        # The last item may be "> name": go on with that key once this list is done.
        colon = data.rfind(":")
        start = colon + 1 if colon >= 0 else 0
        tail = data[start:].lstrip(C_SPACE)
        if tail.startswith(">"):
            key = tail[1:].lstrip(C_SPACE)
            data = data[:len(data) - len(tail)]
        else:
            key = None
        for ss in list_items(data):
            local_yield = OK
            if ss.startswith("!"):
                local_yield = FAIL
                ss = ss[1:].lstrip(C_SPACE)
            result = _check_string(_string_block(local, cb.caseless, -1, False, env), ss,
                                   cell)
            if result.rc == OK:
                return _OK if local_yield == OK else _FAIL
            if result.rc == DEFER:
                return result
    if watchdog <= 0:
        raise ListPanic(f"Loop detected in lookup of local part of {subject} in {pattern}")
    return _FAIL
