"""pyexim: an Exim-compatible mail transfer agent.

pyexim reads an existing exim.conf and behaves as Exim 4.96 does with it. The
architecture and module map are in ../shared/DESIGN.md; each package's
``__init__`` docstring states its contract.

Text. Exim works on bytes, and pyexim holds them losslessly in ``str`` in one of two
forms. *Byte text* (one character per byte, latin-1 code points) is what the expansion
engine, lists, lookups and filters work on, so lengths, substrings and hashes count
bytes as Exim's do (pyexim.strings). *Message text* (UTF-8 decoded with surrogateescape,
``pyexim.message.decode``/``encode``) is what pyexim.message, pyexim.config, the SMTP
machines, the spool and the log lines hold. ``pyexim.strings.to_engine``/``from_engine``
convert between the two; a function says which form it takes where it is not byte text.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import ModuleType

__version__ = "0.1.0"

# The Exim release whose observable behaviour pyexim reproduces.
EXIM_COMPAT_VERSION = "4.96"


def load_module(name: str) -> ModuleType:
    """The module *name* (dotted, absolute), imported if it is not yet.

    What importlib.import_module does for pyexim's registries of drivers, lookups and
    modes, without importing importlib and warnings: 0.6 ms every command would pay.
    """
    __import__(name)
    return sys.modules[name]
