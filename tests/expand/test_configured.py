"""The environment Exim keeps after start-up (pyexim.expand.configured)."""

from __future__ import annotations

import pytest

from pyexim.expand.configured import environment_after_startup

ENVIRONMENT = {"FOO": "1", "PX": "2", "ZZ": "3", "NOEQ": "9", "PATH": "/bin", "TZ": "x"}


# What real Exim 4.96 showed (-bP environment, ${env{}}) with ENVIRONMENT and these options.
@pytest.mark.parametrize("keep,add,timezone,expected", [
    (None, None, None, {}),
    ("^P.*:!ZZ:*OO", "BAR=2 : NOEQ", "Europe/Paris",
     {"BAR": "2", "FOO": "1", "PATH": "/bin", "PX": "2", "TZ": "Europe/Paris"}),
    ("*", "NOEQ", None, {"FOO": "1", "PX": "2", "ZZ": "3", "PATH": "/bin"}),
    ("*", None, "UTC", ENVIRONMENT),
])
def test_environment_after_startup(keep: str | None, add: str | None, timezone: str | None,
                                   expected: dict[str, str]) -> None:
    assert environment_after_startup(ENVIRONMENT, keep, add, timezone) == expected
