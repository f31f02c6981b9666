"""pyexim.errors: SourceLoc's value semantics and the error headings Exim prints."""

from __future__ import annotations

import pickle

import pytest

from pyexim.errors import ConfigError, SourceLoc, UsageError


def test_source_loc_is_an_immutable_hashable_value() -> None:
    loc = SourceLoc("/etc/exim4/exim4.conf", 42)
    assert loc == SourceLoc("/etc/exim4/exim4.conf", 42)
    assert loc != SourceLoc("/etc/exim4/exim4.conf", 43)
    assert len({loc, SourceLoc("/etc/exim4/exim4.conf", 42)}) == 1
    assert str(loc) == "line 42 of /etc/exim4/exim4.conf"
    assert pickle.loads(pickle.dumps(loc)) == loc
    with pytest.raises(AttributeError):
        loc.line = 7  # type: ignore[misc]


@pytest.mark.parametrize("error, text", [
    (ConfigError("main option \"x\" unknown", SourceLoc("/c", 3)),
     "pyexim configuration error in line 3 of /c:\n  main option \"x\" unknown"),
    (ConfigError("openssl_options is set but we're using GnuTLS"),
     "pyexim configuration error:\n  openssl_options is set but we're using GnuTLS"),
])
def test_config_error_text(error: ConfigError, text: str) -> None:
    assert str(error) == text


def test_usage_error_wordings() -> None:
    assert UsageError("bad", abandoned=True).line() == "pyexim abandoned: bad"
    assert UsageError("bad").line() == "pyexim: bad"
