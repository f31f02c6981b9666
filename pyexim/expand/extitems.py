"""Expansion items that reach outside the string: files (``${readfile}``), sockets
(``${readsocket}``), commands (``${run}``), ACLs (``${acl}``), certificates
(``${certextract}``), and the mail encodings ``${prvs}``, ``${prvscheck}``,
``${srs_encode}``, ``${imapfolder}``, ``${authresults}`` (Exim: expand.c EITEM_*).
``${perl}`` and ``${dlfunc}`` fail as in an Exim built without them.
"""

from __future__ import annotations

# Modules that cost milliseconds to import (hashlib, hmac, subprocess) are imported in
# the functions that use them: most runs never need them.
import os
from collections.abc import Callable

from pyexim.address import AddressError, extract_address
from pyexim.expand.context import (
    ACL_DEFER,
    ACL_FAIL,
    ACL_OK,
    FORBID_READFILE,
    FORBID_READSOCK,
    FORBID_RUN,
)
from pyexim.expand.evaluator import CurlyError, ExpansionError, ForcedFail
from pyexim.expand.items import cursor_of, expand_nested, log_panic, lookup_context
from pyexim.expand.nodes import Break, Group, Item, Word
from pyexim.expand.operators import BASE32_CHARS
from pyexim.strings import SPACE, dequote, lower, printing, span
from pyexim.taint import Tainted

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyexim.expand.evaluator import Evaluator

ItemFunc = Callable[["Evaluator", Item, bool], str]


def item_readfile(ev: Evaluator, item: Item, skipping: bool) -> str:
    if FORBID_READFILE in ev.ctx.forbid:
        raise ExpansionError("file insertions are not permitted")
    path, eol = ev.read_subs(cursor_of(item), 2, 1, skipping, True, item.name)
    if skipping:
        return ""
    assert path is not None
    if isinstance(path, Tainted):
        log_panic(ev, f"Tainted filename '{path}'")
        raise ExpansionError(open_failed(path, 13))
    if os.path.isdir(path.encode("latin-1")):
        return ""  # fopen() of a directory succeeds on Linux; fgets() then reads nothing
    try:
        with open(path.encode("latin-1"), "rb") as handle:
            data = handle.read().decode("latin-1")
    except OSError as error:
        raise ExpansionError(open_failed(path, error.errno or 0)) from None
    if eol is not None:
        data = data.replace("\n", eol)
    return data


def open_failed(path: str, errno_value: int) -> str:
    """Exim's string_open_failed: "failed to open X: reason" (with ids for EACCES)."""
    message = f"failed to open {path}: {os.strerror(errno_value)}"
    if errno_value == 13:
        message += f" (euid={os.geteuid()} egid={os.getegid()})"
    return message


def item_readsocket(ev: Evaluator, item: Item, skipping: bool) -> str:
    from pyexim.lookups.base import LookupDefer, LookupFailed
    from pyexim.lookups.readsock import readsocket
    if FORBID_READSOCK in ev.ctx.forbid:
        raise ExpansionError("socket insertions are not permitted")
    cur = cursor_of(item)
    spec, request, timeout, eol = ev.read_subs(cur, 4, 2, skipping, False, item.name)
    out = ""
    failure: str | None = None
    if not skipping:
        assert spec is not None and request is not None
        options: list[str] = []
        if timeout is not None:
            from pyexim.strings import list_items
            words = list(list_items(timeout))
            if words:
                options.append(f"timeout={words[0]}")
                options.extend(words[1:])
            if eol:
                options.append("eol=" + printing(eol, tabs=True, spaces=True))
        try:
            out = readsocket(spec, request, ",".join(options) or None, lookup_context(ev))
        except (LookupDefer, LookupFailed) as error:
            failure = error.message
    tok = cur.peek()
    if failure is not None:
        if not isinstance(tok, Group):
            raise ExpansionError(failure)
        cur.take()
        out = ev.seq(tok.seq, False)
    elif isinstance(tok, Group):
        cur.take()
        ev.seq(tok.seq, True)
    ev.expect_end(cur, "missing '}' closing readsocket")
    return "" if skipping else out


def item_run(ev: Evaluator, item: Item, skipping: bool) -> str:
    ctx = ev.ctx
    if FORBID_RUN in ctx.forbid:
        raise ExpansionError("running a command is not permitted")
    cur = cursor_of(item)
    late = True
    tok = cur.peek()
    if isinstance(tok, Word):
        cur.take()
        late = False
        tok = cur.peek()
    if isinstance(tok, Break):
        ev.raise_break(tok)
    cur.take()
    assert isinstance(tok, Group)
    if late:
        try:
            ev.seq(tok.seq, True)
        except ExpansionError:
            # Exim ignores the failure and then misses the closing brace.
            raise CurlyError("missing '}' closing command arg of run") from None
        command = tok.source
    else:
        command = ev.seq(tok.seq, skipping)
    after = cur.peek()
    if isinstance(after, Break) and after.kind != "tail":
        ev.raise_break(after)
    if skipping:
        ctx.runrc = 0
        ctx.lookup_value = None
    else:
        argv = split_command(command)
        if late:
            expanded = []
            for arg in argv:
                try:
                    expanded.append(expand_nested(ev, arg))
                except ExpansionError as error:
                    raise type(error)(f'Expansion of "{arg}" from command "{command}" in '
                                      f"${{run}} expansion failed: {error.text}") from None
            argv = expanded
        ctx.lookup_value, ctx.runrc = run_command(ev, argv)
    return ev.process_yesno(cur, skipping, ctx.runrc == 0, ctx.lookup_value, "run")


def split_command(command: str) -> list[str]:
    """Exim's transport_set_up_command splitting: white space separates arguments;
    "double quotes" allow escapes; 'single quotes' are verbatim."""
    argv: list[str] = []
    pos, n = 0, len(command)
    pos = span(command, SPACE, pos)
    while pos < n:
        if command[pos] == "'":
            end = command.find("'", pos + 1)
            end = n if end < 0 else end
            argv.append(command[pos + 1:end])
            pos = end + 1 if end < n else n
        else:
            word, pos = dequote(command, pos)
            argv.append(word)
        pos = span(command, SPACE, pos)
    return argv


def run_command(ev: Evaluator, argv: list[str]) -> tuple[str, int]:
    """Run *argv* without a shell, read its output; (output, exit status).

    A command that cannot be executed gives status 127 and no output, as Exim's
    child process does; a timeout or a signal fails the expansion.
    """
    import signal
    import subprocess
    if not argv:
        return "", 127
    env = {k.encode("latin-1", "replace"): v.encode("latin-1", "replace")
           for k, v in ev.ctx.environ.items()}
    try:
        proc = subprocess.Popen([a.encode("latin-1") for a in argv], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, env=env, start_new_session=True,
                                umask=0o077)
    except OSError:
        return "", 127
    try:
        out, _ = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise ExpansionError("command timed out") from None
    if proc.returncode < 0:
        raise ExpansionError(f"command killed by signal {-proc.returncode}")
    return out.decode("latin-1"), proc.returncode


def item_acl(ev: Evaluator, item: Item, skipping: bool) -> str:
    from pyexim.expand.conditions import run_acl
    subs = ev.read_subs(cursor_of(item), 10, 1, skipping, True, item.name)
    if skipping:
        return ""
    name = subs[0] or ""
    rc, user_message = run_acl(ev, name, [s for s in subs[1:] if s is not None])
    if rc in (ACL_OK, ACL_FAIL):
        return user_message or ""
    if rc == ACL_DEFER:
        raise ForcedFail(f'{rc} from acl "{name}"')
    raise ExpansionError(f'{rc} from acl "{name}"')


def prvs_daystamp(ev: Evaluator, offset_days: int) -> str:
    days = str(int(ev.ctx.clock() + offset_days * 86400) // 86400)
    return days[-3:] if len(days) >= 3 else "100"


def prvs_hash(address: str, key: str, keynum: str | None, daystamp: str) -> str | None:
    import hashlib
    import hmac as hmac_module
    if len(key) > 64:
        return None
    source = (keynum or "0")[:1] + daystamp[:3] + address
    digest = hmac_module.new(key.encode("latin-1"), source.encode("latin-1"),
                             hashlib.sha1).hexdigest()
    return digest[:6]


def item_prvs(ev: Evaluator, item: Item, skipping: bool) -> str:
    address, key, keynum = ev.read_subs(cursor_of(item), 3, 2, skipping, True, item.name)
    if skipping:
        return ""
    assert address is not None and key is not None
    at = address.rfind("@")
    if at <= 0 or at == len(address) - 1:
        raise ExpansionError("prvs first argument must be a qualified email address")
    if keynum is not None and (len(keynum) != 1 or keynum not in "0123456789"):
        raise ExpansionError("prvs third argument must be a single digit")
    digest = prvs_hash(address, key, keynum, prvs_daystamp(ev, 7))
    if digest is None:
        raise ExpansionError("prvs hmac-sha1 conversion failed")
    return (f"prvs={keynum or '0'}{prvs_daystamp(ev, 7)}{digest}={address[:at]}@"
            f"{address[at + 1:]}")


_PRVS = r"(?ias)^prvs\=([0-9])([0-9]{3})([A-F0-9]{6})\=(.+)\@(.+)$"


def item_prvscheck(ev: Evaluator, item: Item, skipping: bool) -> str:
    ctx = ev.ctx
    ctx.prvscheck_result = ctx.prvscheck_address = ctx.prvscheck_keynum = None
    cur = cursor_of(item)
    (address,) = ev.read_subs(cur, 1, 1, skipping, False, item.name)
    assert address is not None
    import re
    found = re.match(_PRVS, address)
    if not found:
        ev.read_subs(cur, 2, 1, skipping, True, item.name)
        return ""
    ctx.match_strings = [found.group(0), *found.groups()]
    keynum, daystamp, digest, local_part, domain = found.groups()
    ctx.prvscheck_address = f"{local_part}@{domain}"
    ctx.prvscheck_keynum = keynum
    (key,) = ev.read_subs(cur, 1, 1, skipping, False, item.name)
    assert key is not None
    mine = prvs_hash(ctx.prvscheck_address, key, keynum, daystamp)
    if mine is None:
        raise ExpansionError("hmac-sha1 conversion failed")
    if mine == digest:
        now = int(prvs_daystamp(ev, 0))
        expire = int(daystamp)
        if expire < 7 and now >= 993:
            now = 0
        ctx.prvscheck_result = "1" if expire >= now else None
    (third,) = ev.read_subs(cur, 1, 0, skipping, True, item.name)
    out = third if third else ctx.prvscheck_address
    ctx.prvscheck_address = ctx.prvscheck_keynum = None
    return "" if skipping else out


def item_authresults(ev: Evaluator, item: Item, skipping: bool) -> str:
    (system,) = ev.read_subs(cursor_of(item), 1, 1, skipping, True, item.name)
    values = ev.ctx.values
    out = [f"Authentication-Results: {system}"]
    if values.get("authentication_local"):
        out.append(f";\n\tlocal=pass (non-smtp, {system})")
        if values.get("authenticated_id"):
            out.append(f" u={values['authenticated_id']}")
    host_name = values.get("sender_host_name")
    iprev = None
    if host_name:
        iprev = f";\n\tiprev=pass ({host_name})"
    elif values.get("host_lookup_deferred"):
        iprev = ";\n\tiprev=temperror"
    elif values.get("host_lookup_failed"):
        iprev = ";\n\tiprev=fail"
    if iprev:
        out.append(iprev)
        if values.get("sender_host_address"):
            out.append(f" smtp.remote-ip={values['sender_host_address']}")
    if values.get("sender_host_authenticated"):
        pubname = str(values.get("sender_host_auth_pubname") or "")
        out.append(f";\n\tauth=pass ({pubname}")
        auth_id = values.get("authenticated_id")
        if pubname == "tls":
            out.append(f") x509.auth={auth_id}" if auth_id else ") reason=x509.auth")
        else:
            out.append(f") smtp.auth={auth_id}" if auth_id else ", no id saved)")
        if values.get("authenticated_sender"):
            out.append(f" smtp.mailfrom={values['authenticated_sender']}")
    if values.get("spf_result"):
        out.append(f";\n\tspf={values['spf_result']}")
        if values.get("spf_result_guessed"):
            out.append(" (best guess record for domain)")
        sender = str(values.get("sender_address") or "")
        domain = sender.rpartition("@")[2] if "@" in sender else ""
        helo = values.get("sender_helo_name")
        out.append(f" smtp.mailfrom={domain}" if domain else
                   f" smtp.helo={helo}" if helo else " smtp.mailfrom=<>")
    extra = values.get("authresults_extra")
    if extra:
        out.append(str(extra))
    return "" if skipping else "".join(out)


def item_certextract(ev: Evaluator, item: Item, skipping: bool) -> str:
    from pyexim.expand.parser import CERT_VARIABLES
    from pyexim.expand.variables import VARIABLES
    ctx = ev.ctx
    save_value = ctx.lookup_value
    save_numbers = list(ctx.match_strings)
    cur = cursor_of(item)
    ev.take_group(cur, skipping)  # the field: only read when there is a certificate
    variable = ev.take_group(cur, skipping)
    if skipping:
        ctx.lookup_value = None
    else:
        if variable not in VARIABLES:
            raise ExpansionError(f'no variable named "{variable}"')
        if variable not in CERT_VARIABLES:
            raise ExpansionError(f'"{variable}" is not a certificate')
        cert = ctx.values.get(variable)
        if cert:
            raise ExpansionError("certextract: certificate fields are not available in pyexim")
        ctx.lookup_value = None
    out = ev.process_yesno(cur, skipping, ctx.lookup_value is not None, save_value,
                           "certextract")
    ctx.match_strings = save_numbers
    return out


def _not_included(what: str) -> ItemFunc:
    # pyexim cannot load Exim's dynamic modules or embed Perl: it answers as an Exim
    # built without them.
    def handler(ev: Evaluator, item: Item, skipping: bool) -> str:
        raise ExpansionError(f'"${{{what}" encountered, but this facility is not included '
                             "in this binary")
    return handler


def item_imapfolder(ev: Evaluator, item: Item, skipping: bool) -> str:
    name, sep, specials = ev.read_subs(cursor_of(item), 3, 1, skipping, True, item.name)
    if sep is None:
        sep, specials = "/", None
    elif len(sep) != 1:
        raise ExpansionError(f'IMAP folder separator must be one character, found "{sep}"')
    if skipping:
        return ""
    assert name is not None
    return imap_utf7_encode(name, ev.ctx.options.headers_charset, sep, specials or "")


_IMAP_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,"


def imap_utf7_encode(text: str, charset: str, sep: str, specials: str) -> str:
    """IMAP modified UTF-7 for a folder name (RFC 3501), as Exim's imap_utf7.c does."""
    start = 0
    for i, c in enumerate(text):
        if i == start and c == sep:
            start += 1
        if ord(c) >= 0x7F or ord(c) < 0x20 or c in "./&" or c == sep or c in specials:
            break
    else:
        return text[start:]
    try:
        utf16 = text[start:].encode("latin-1").decode(charset).encode("utf-16-be")
    except LookupError:
        raise ExpansionError(f'imapfolder: iconv_open("UTF-16BE", "{charset}") failed: '
                             "Invalid argument (maybe unsupported conversion)") from None
    except UnicodeError as error:
        raise ExpansionError(f"imapfolder: iconv() failed to convert from {charset}: "
                             f"{error}") from None
    out: list[str] = []
    bits: list[int] = []
    base64_mode = False
    last_sep = False

    def flush() -> None:
        nonlocal base64_mode
        value = 0
        count = 0
        for byte in bits:
            value = (value << 8) | byte
            count += 8
            while count >= 6:
                count -= 6
                out.append(_IMAP_B64[(value >> count) & 0x3F])
        if count:
            out.append(_IMAP_B64[(value << (6 - count)) & 0x3F])
        out.append("-")
        bits.clear()
        base64_mode = False

    for k in range(0, len(utf16), 2):
        hi, lo = utf16[k], utf16[k + 1]
        ch = chr(lo)
        if hi != 0 or lo >= 0x7F or lo < 0x20 or (ch in specials and ch != sep):
            last_sep = False
            base64_mode = True
            bits.extend((hi, lo))
        elif ch not in "./" or ch == sep:
            if base64_mode:
                flush()
            if ch == sep:
                if not last_sep:
                    out.append(".")
                    last_sep = True
            else:
                out.append(ch)
                if ch == "&":
                    out.append("-")
                last_sep = False
        else:
            raise ExpansionError(f"imapfolder: illegal character '{ch}'")
    if base64_mode:
        flush()
    result = "".join(out)
    return result.removesuffix(".")


def item_srs_encode(ev: Evaluator, item: Item, skipping: bool) -> str:
    import hashlib
    import hmac as hmac_module
    secret, return_path, original_domain = ev.read_subs(cursor_of(item), 3, 3, skipping, True,
                                                        item.name)
    if skipping or not return_path:
        return ""
    assert secret is not None and original_domain is not None
    digest = hmac_module.new(secret.encode("latin-1"), lower(return_path).encode("latin-1"),
                             hashlib.md5).hexdigest()[:4]
    days = (int(ev.ctx.clock()) // 86400) & 0x3FF
    stamp = ""
    while days:
        stamp = BASE32_CHARS[days & 0x1F] + stamp
        days >>= 5
    try:
        found = extract_address(return_path)
    except AddressError as error:
        raise ExpansionError(str(error)) from None
    local = found.local_part
    quoted = '"' in local
    if quoted:
        local = local.replace('"', "")
    encoded = f"SRS0={digest}={stamp}={found.domain_part}={local}"
    if quoted:
        encoded = f'"{encoded}"'
    return f"{encoded}@{original_domain}"


DLFUNC: ItemFunc = _not_included("dlfunc")
PERL: ItemFunc = _not_included("perl")
