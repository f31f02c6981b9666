"""pyexim: an Exim-compatible mail transfer agent.

pyexim reads an existing exim.conf and behaves as Exim 4.96 does with it. The
architecture and module map are in ../shared/DESIGN.md; each package's
``__init__`` docstring states its contract.
"""

__version__ = "0.1.0"

# The Exim release whose observable behaviour pyexim reproduces.
EXIM_COMPAT_VERSION = "4.96"
