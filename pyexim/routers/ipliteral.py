"""The ipliteral router (spec: "The ipliteral router"). It has no private options."""

from __future__ import annotations

from pyexim.config.options import OptionTable

OPTIONS = OptionTable("ipliteral router", [])
