"""The json lookup (Exim: lookups/json.c); a pyexim extension, as Debian's Exim lacks it.

The key is an Exim list of selectors: an all-digit item indexes an array, any other item
names an object member. A string result is returned as it is, numbers and booleans as
text (reals with six decimals, as C's ``%f``), objects and arrays as JSON text; ``null``
is "not found". The file is parsed on every lookup, as Exim does (results are cached).
"""

from __future__ import annotations

import json

from pyexim.lookups.base import ABSFILE, Expander, Found, LookupType, open_and_read

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class Json(LookupType):
    """``json``: single key (a list of selectors), absolute file name."""

    name = "json"
    style = ABSFILE

    def open(self, filename: str | None, ctx: Any) -> str:
        assert filename is not None
        return open_and_read(filename, "json search", "json")

    def find(self, handle: str, filename: str | None, key: str, opts: str | None,
             ctx: Any, *, expand: Expander | None = None) -> Found | None:
        from pyexim.strings import list_items
        try:
            node = json.loads(handle.encode("latin-1").decode("utf-8", "surrogateescape"))
        except ValueError:
            return None
        if not isinstance(node, (dict, list)):
            return None
        for selector in list_items(key):
            if selector.isdigit() and selector.isascii():
                if not isinstance(node, list) or int(selector) >= len(node):
                    return None
                node = node[int(selector)]
            else:
                if not isinstance(node, dict):
                    return None
                name = selector.encode("latin-1").decode("utf-8", "surrogateescape")
                if name not in node:
                    return None
                node = node[name]
        text = _render(node)
        if text is None:
            return None
        return Found(text.encode("utf-8", "surrogateescape").decode("latin-1"))


def _render(node: object) -> str | None:
    if node is None:
        return None
    if node is True:
        return "true"
    if node is False:
        return "false"
    if isinstance(node, str):
        return node
    if isinstance(node, int):
        return str(node)
    if isinstance(node, float):
        return "%f" % node
    return json.dumps(node, ensure_ascii=False, separators=(", ", ": "))


JSON = Json()
