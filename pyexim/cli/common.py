"""What the test modes (-be, -bt/-bv, -bh, -bf) share: reading the configuration the way
they report its errors, who the caller is, the expansion context the command line sets
up (-f, -oMa, -oMi, -oMs, -oMr, -p ...), and Exim's prompted line reader.
"""

from __future__ import annotations

import os
import pwd
import sys

from pyexim.cli.args import Invocation
from pyexim.errors import ConfigError, ConfigErrors, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import IO

    from pyexim.config.model import Config
    from pyexim.expand import ExpansionContext

# Exim reads an input line with fgets() into 1024 bytes.
READ_CHUNK = 1023
# Exim's limit on an address given on the command line (EXIM_DISPLAYMAIL_MAX).
DISPLAYMAIL_MAX = 1024


class Abort(Exception):
    """A test mode gives up (Exim's exim_fail): the text goes to standard error and the
    exit status is 1."""


def check_length(text: str, maximum: int, what: str) -> None:
    """Exim's exim_str_fail_toolong: Abort with its message when *text* is longer than
    *maximum* characters (bytes, for byte text)."""
    if len(text) > maximum:
        raise Abort(f"pyexim: length limit exceeded ({len(text)} > {maximum}) for: {what}")


def command_line_sender(text: str, qualify: str) -> str:
    """The -f address as exim.c reads it: "" for an empty one, else the address extracted
    (domain literals allowed, a trailing dot stripped) and qualified with *qualify* when it
    has no domain. Abort when it is too long or does not parse."""
    from pyexim.address import AddressError, AddressOptions, extract_address, quote_local_part
    check_length(text, DISPLAYMAIL_MAX, "-f")
    if not text:
        return ""
    try:
        found = extract_address(text, allow_null=True, options=AddressOptions(
            allow_domain_literals=True, strip_trailing_dot=True))
    except AddressError as error:
        raise Abort(f'pyexim: bad -f address "{text}": {error}') from None
    if not found.address or found.domain:
        return found.address
    return f"{quote_local_part(found.address)}@{qualify}"


def load_config_or_report(invocation: Invocation) -> Config | None:
    """The invocation's configuration; None after its first error has been written to
    stderr in Exim's "LOG: PANIC DIE" form (the caller then exits 1, as Exim does)."""
    from pyexim.cli.main import config_file_for
    from pyexim.config import load_config
    from pyexim.config.options import panic_die_text
    try:
        return load_config(config_file_for(invocation), invocation.macros)
    except ConfigErrors as errors:
        sys.stderr.write(panic_die_text(errors.errors[0], "pyexim"))
    except ConfigError as error:
        sys.stderr.write(panic_die_text(error, "pyexim"))
    return None


def caller_identity() -> tuple[str, int, int]:
    """The caller's login name, uid and gid, as Exim finds them."""
    uid, gid = os.getuid(), os.getgid()
    try:
        name = pwd.getpwuid(uid).pw_name
    except KeyError:
        name = str(uid)
    return name, uid, gid


def _address_and_port(text: str) -> tuple[str, int]:
    """exim.c check_port: the address and port of -oMa/-oMi; a bad address abandons."""
    from pyexim import hostaddr
    address, port = hostaddr.extract_port(text)
    if not hostaddr.is_ip_address(address):
        raise UsageError(f'"{address}" is not an IP address', abandoned=True)
    return address, port


def context_for(config: Config, invocation: Invocation, path: str) -> ExpansionContext:
    """The expansion context of a test mode: the configuration's values, then the caller
    and the -f / -oM / -p settings of the command line."""
    from pyexim.expand import to_engine
    from pyexim.expand.configured import context_from_config
    from pyexim.taint import Tainted
    ctx = context_from_config(config, path)
    values = ctx.values
    caller, uid, gid = caller_identity()
    qualify_domain = str(values.get("qualify_domain") or "")
    values.update({
        "caller_uid": uid, "caller_gid": gid, "originator_uid": uid, "originator_gid": gid,
        "initial_cwd": to_engine(os.getcwd()),
    })
    inv = invocation
    sender = inv.sender if inv.sender is not None else f"{caller}@{qualify_domain}"
    values["sender_address"] = to_engine(sender.strip("<>") if sender in ("<>",) else sender)
    values["authenticated_id"] = Tainted(inv.authenticated_id) if inv.authenticated_id \
        else caller
    values["authenticated_sender"] = Tainted(inv.authenticated_sender) \
        if inv.authenticated_sender else f"{caller}@{qualify_domain}"
    values["sender_ident"] = Tainted(inv.ident) if inv.ident else caller
    if inv.received_protocol:
        values["received_protocol"] = inv.received_protocol
    if inv.authenticator:
        values["sender_host_authenticated"] = inv.authenticator
    if inv.host_name:
        values["sender_host_name"] = Tainted(to_engine(inv.host_name))
    if inv.host_address:
        address, port = _address_and_port(inv.host_address)
        values["sender_host_address"] = Tainted(address)
        values["sender_host_port"] = port
    if inv.interface_address:
        values["interface_address"], values["interface_port"] = _address_and_port(
            inv.interface_address)
    return ctx


def read_input_line(stream: IO[bytes], out: IO[bytes]) -> bytes | None:
    """One logical input line after a ``> `` prompt (Exim's get_stdinput).

    Trailing white space is removed; a final backslash joins the next physical line
    (its leading white space removed). At the end of input a newline is printed and
    None returned.
    """
    out.write(b"> ")
    out.flush()
    parts: list[bytes] = []
    had_input = False
    first = True
    while True:
        chunk = stream.readline(READ_CHUNK)
        if not chunk:
            break
        had_input = True
        chunk = chunk.rstrip(b" \t\n\v\f\r")
        if not first:
            chunk = chunk.lstrip(b" \t\n\v\f\r")
        first = False
        parts.append(chunk)
        if not chunk or not chunk.endswith(b"\\"):
            break
        parts[-1] = chunk[:-1]
    if had_input:
        return b"".join(parts)
    out.write(b"\n")
    return None


def is_admin(config: Config) -> bool:
    """Exim's admin_user: root, the Exim user, the Exim group, or a group in admin_groups."""
    uid, gid = os.getuid(), os.getgid()
    if uid == 0:
        return True
    from pyexim.config.options import find_group, find_user

    def account(name: str, lookup: Callable[[str], int]) -> int | None:
        # A build-time default is a name; a setting from the file is already a number.
        value = config.option(name)
        if isinstance(value, str):
            try:
                return lookup(value)
            except ValueError:
                return None
        return value if isinstance(value, int) else None

    exim_uid = account("exim_user", lambda name: find_user(name)[0])
    exim_gid = account("exim_group", find_group)
    if uid == exim_uid or gid == exim_gid:
        return True
    admin_groups = config.option("admin_groups")
    groups = set(os.getgroups())
    return exim_gid in groups or bool(groups & set(admin_groups or ()))  # type: ignore[call-overload]
