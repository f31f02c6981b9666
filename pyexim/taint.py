"""Taint: values that came from the message or the peer (spec: "Tainted data").

Exim 4.94+ marks such values and refuses to use them as file names, commands or
lookup files. pyexim marks them by type: a ``Tainted`` is a ``str`` whose content
came from outside. Plain ``str`` operations on it return plain ``str``, so code that
builds strings from tainted parts (the expansion evaluator, mostly) must propagate
the mark itself with ``taint_of``/``mark``. The checks at the points of use (file
names, commands, lookup files) live with those uses, in Exim's words for each.
"""

from __future__ import annotations


class Tainted(str):
    """A string whose content came from the message or the peer."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Tainted({str.__repr__(self)})"


def is_tainted(value: object) -> bool:
    """True when *value* is marked tainted."""
    return isinstance(value, Tainted)


def mark(value: str, tainted: bool = True) -> str:
    """*value* as Tainted when *tainted*, else as a plain str."""
    if tainted:
        return value if isinstance(value, Tainted) else Tainted(value)
    return str.__str__(value) if isinstance(value, Tainted) else value


def taint_of(*parts: object) -> bool:
    """True when any of *parts* is tainted: the taint of a string built from them."""
    return any(isinstance(part, Tainted) for part in parts)

