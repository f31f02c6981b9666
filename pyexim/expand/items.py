"""Expansion items: ``${name{arg}...}`` (Exim: expand.c EITEM_*; spec: "Expansion items").

``ITEMS`` maps each item name to ``(evaluator, item, skipping) -> str``. Each handler
walks the item's tokens in the order Exim's reader does (see evaluator.Cursor), so
errors come out in Exim's order and with its wording. While skipping, arguments
are still read (syntax errors count) but nothing is looked up, run or read.
"""

from __future__ import annotations

import hashlib
import hmac as hmac_module
import os
import re
import signal
import subprocess
from collections.abc import Callable
from typing import TYPE_CHECKING

from pyexim.address import AddressError, extract_address
from pyexim.expand.context import (
    ACL_DEFER,
    ACL_FAIL,
    ACL_OK,
    FORBID_DLFUNC,
    FORBID_LOOKUP,
    FORBID_PERL,
    FORBID_READFILE,
    FORBID_READSOCK,
    FORBID_RUN,
)
from pyexim.expand.evaluator import (
    END,
    CurlyError,
    Cursor,
    ExpansionError,
    ForcedFail,
    LookupDeferred,
    with_suffix,
)
from pyexim.expand.listitems import (
    dewrap,
    item_listextract,
    item_listop,
    item_listquote,
    item_sort,
    json_items,
)
from pyexim.expand.nodes import Break, Group, Item, Word
from pyexim.expand.operators import BASE32_CHARS, compute_hash, compute_nhash, extract_substr
from pyexim.expand.pcre import compile_or_fail
from pyexim.expand.strings import SPACE, dequote, lower, printing, strtol_prefix
from pyexim.taint import Tainted, mark

if TYPE_CHECKING:
    from pyexim.expand.evaluator import Evaluator

ItemFunc = Callable[["Evaluator", Item, bool], str]


def _cursor(item: Item) -> Cursor:
    return Cursor(item.args, item.closed, item)


def _panic(ev: Evaluator, message: str) -> None:
    if ev.ctx.panic_log is not None:
        ev.ctx.panic_log(message)


# ---------------------------------------------------------------------------
# if, lookup, env

def item_if(ev: Evaluator, item: Item, skipping: bool) -> str:
    ctx = ev.ctx
    save_numbers = list(ctx.match_strings)
    save_value = ctx.lookup_value
    assert item.cond is not None
    cond = ev.condition(item.cond, not skipping)
    out = ev.process_yesno(_cursor(item), skipping, cond, ctx.lookup_value, "if")
    ctx.lookup_value = save_value
    ctx.match_strings = save_numbers
    return out


def item_lookup(ev: Evaluator, item: Item, skipping: bool) -> str:
    from pyexim.lookups.base import LookupSyntaxError
    from pyexim.lookups.spec import parse_lookup_type
    ctx = ev.ctx
    save_value = ctx.lookup_value
    save_numbers = list(ctx.match_strings)
    if FORBID_LOOKUP in ctx.forbid:
        raise ExpansionError("lookup expansions are not permitted")
    cur = _cursor(item)
    key: str | None = None
    tok = cur.peek()
    if isinstance(tok, Group):
        cur.take()
        key = ev.seq(tok.seq, skipping)
        tok = cur.peek()
    if isinstance(tok, Break):
        ev.raise_break(tok)
    assert isinstance(tok, Word)
    cur.take()
    type_text = tok.text
    try:
        spec = parse_lookup_type(type_text)
    except LookupSyntaxError as error:
        raise ExpansionError(error.message) from None
    if spec.single_key and key is None:
        raise ExpansionError(f'missing {{key}} for single-key "{type_text}" lookup')
    if not spec.single_key and key is not None:
        raise ExpansionError(f'a single key was given for lookup type "{type_text}", which '
                             "is not a single-key lookup type")
    source = ev.take_group(cur, skipping)
    if skipping:
        ctx.lookup_value = None
    else:
        ctx.lookup_value = run_lookup(ev, spec, key, source)
    out = ev.process_yesno(cur, skipping, ctx.lookup_value is not None, save_value, "lookup")
    ctx.match_strings = save_numbers
    return out


def run_lookup(ev: Evaluator, spec: object, key: str | None, source: str) -> str | None:
    """Do a lookup for ${lookup}; sets $1/$2 from a partial or default match."""
    from pyexim.lookups.base import LookupDefer, LookupFailed
    from pyexim.lookups.search import search
    ctx = ev.ctx
    lookups = lookup_context(ev)
    try:
        result = search(spec, key, source, lookups,  # type: ignore[arg-type]
                        expand=lambda text: expand_nested(ev, text))
    except LookupFailed as error:
        message = error.message
        if message.startswith("Tainted filename for search"):
            # Exim logs this and leaves the expansion's message unset.
            _panic(ev, message)
            message = "(null)"
        raise ExpansionError(message) from None
    except LookupDefer as error:
        shown = printing(key if key is not None else source.lstrip(" \t\n\v\f\r"),
                         tabs=True)
        raise LookupDeferred(f'lookup of "{shown}" gave DEFER: {error.message}') from None
    if result.data is not None and result.wild:
        current = ctx.match_strings[0] if ctx.match_strings else ""
        ctx.match_strings = [current, *result.wild]
    return result.data


def lookup_context(ev: Evaluator):  # type: ignore[no-untyped-def]
    """The context's LookupContext, made on first use."""
    ctx = ev.ctx
    if ctx.lookup_context is None:
        from pyexim.lookups.context import LookupContext
        ctx.lookup_context = LookupContext(clock=ctx.clock,
                                           options=dict(ctx.values))
    return ctx.lookup_context


def expand_nested(ev: Evaluator, text: str) -> str:
    """Expand *text* as a separate top-level expansion (Exim's expand_string from inside)."""
    from pyexim.expand import expand_with
    return expand_with(ev, text)


def item_env(ev: Evaluator, item: Item, skipping: bool) -> str:
    ctx = ev.ctx
    save_value = ctx.lookup_value
    cur = _cursor(item)
    tok = cur.peek()
    if not isinstance(tok, Group):
        if isinstance(tok, Break) and tok.kind != "tail":
            ev.raise_break(tok)
        raise ExpansionError("")
    cur.take()
    key = ev.seq(tok.seq, skipping)
    ctx.lookup_value = ctx.environ.get(key)
    return ev.process_yesno(cur, skipping, ctx.lookup_value is not None, save_value, "env")


# ---------------------------------------------------------------------------
# extract

def getkeyed(key: str, text: str) -> str | None:
    """Exim's expand_getkeyed: the value of ``key=value`` (value may be quoted)."""
    n = len(text)
    pos = 0
    while pos < n and text[pos] in SPACE:
        pos += 1
    lkey = lower(key)
    while pos < n:
        start = pos
        while pos < n and text[pos] != "=" and text[pos] not in SPACE:
            pos += 1
        dkey = text[start:pos]
        while pos < n and text[pos] in SPACE:
            pos += 1
        if pos < n and text[pos] == "=":
            pos += 1
            while pos < n and text[pos] in SPACE:
                pos += 1
        data, pos = dequote(text, pos)
        if len(dkey) == len(key) and lower(dkey) == lkey:
            return mark(data, isinstance(text, Tainted))
        while pos < n and text[pos] in SPACE:
            pos += 1
    return None


def gettokened(field: int, separators: str, text: str) -> str | None:
    """Exim's expand_gettokened: field *field* (1-based, negative from the right, 0 for
    all) of *text* split at any of *separators*."""
    if field == 0:
        return text
    fields = re.split("[" + re.escape(separators) + "]", text) if separators else [text]
    if field > len(fields) or -field > len(fields):
        return None
    value = fields[field - 1] if field > 0 else fields[field]
    return mark(value, isinstance(text, Tainted))


def item_extract(ev: Evaluator, item: Item, skipping: bool) -> str:
    ctx = ev.ctx
    save_value = ctx.lookup_value
    save_numbers = list(ctx.match_strings)
    cur = _cursor(item)
    fmt = "basic"
    json_gap = False
    tok = cur.peek()
    if isinstance(tok, Word) and tok.text.rstrip().startswith("json"):
        fmt = tok.text.rstrip()
        json_gap = tok.text.endswith(" ")
        cur.take()
    if skipping:
        taken = 0
        while taken < 5 and isinstance(cur.peek(), Group) and not (json_gap and taken == 0):
            ev.take_group(cur, True)
            taken += 1
        tok = cur.peek()
        if isinstance(tok, Word) and tok.text == "fail":
            cur.take()
            tok = cur.peek()
        if tok is not END:
            if isinstance(tok, Break) and tok.kind != "tail":
                ev.raise_break(tok)
            raise CurlyError("missing '}' closing extract")
        ctx.lookup_value = None
    else:
        subs: list[str] = []
        field = 1
        numeric = False
        wanted = 2
        i = 0
        while i < wanted:
            value = ev.expect_group(cur, skipping, f"missing '{{' for arg {i + 1} of extract")
            if i == 0:
                value = value.strip(" \t\n\v\f\r")
                if not value:
                    raise ExpansionError('first argument of "extract" must not be empty')
                text = value[1:] if value[0] == "-" else value
                if all(c in "0123456789" for c in text):
                    number = int(text) if text else 0
                    field = -number if value[0] == "-" else number
                    numeric = True
                    if fmt == "basic":
                        wanted = 3
            subs.append(value)
            i += 1
        ctx.lookup_value = _extract_value(fmt, numeric, field, subs)
    out = ev.process_yesno(cur, skipping, ctx.lookup_value is not None, save_value,
                           "extract")
    ctx.match_strings = save_numbers
    return out


def _extract_value(fmt: str, numeric: bool, field: int, subs: list[str]) -> str | None:
    if fmt == "basic":
        return gettokened(field, subs[1], subs[2]) if numeric else getkeyed(subs[0], subs[1])
    try:
        inner = dewrap(subs[1], "[]" if numeric else "{}")
    except ExpansionError as error:
        raise CurlyError(f"{error.message} wrapping {'array' if numeric else 'object'} for "
                         "extract json") from None
    value: str | None = None
    if numeric:
        if field <= 0:
            raise ExpansionError('first argument of "extract" must be greater than zero')
        for element in json_items(inner):
            field -= 1
            if field == 0:
                value = element.rstrip(" \t\n\v\f\r")
                break
    else:
        for element in json_items(inner):
            try:
                name = dewrap(element, '""')
            except ExpansionError as error:
                raise CurlyError(f"{error.message} wrapping string key for extract json") \
                    from None
            if name == subs[0]:
                rest = element[element.index('"') + len(name) + 2:]
                rest = rest.lstrip(" \t\n\v\f\r")
                if not rest.startswith(":"):
                    raise CurlyError("missing object value-separator for extract json")
                value = rest[1:].lstrip(" \t\n\v\f\r")
                break
    if fmt == "jsons" and value is not None:
        try:
            value = dewrap(value, '""')
        except ExpansionError as error:
            raise CurlyError(f"{error.message} wrapping string result for extract jsons") \
                from None
    return value


# ---------------------------------------------------------------------------
# files, sockets, commands

def item_readfile(ev: Evaluator, item: Item, skipping: bool) -> str:
    if FORBID_READFILE in ev.ctx.forbid:
        raise ExpansionError("file insertions are not permitted")
    path, eol = ev.read_subs(_cursor(item), 2, 1, skipping, True, item.name)
    if skipping:
        return ""
    assert path is not None
    if isinstance(path, Tainted):
        _panic(ev, f"Tainted filename '{path}'")
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
    cur = _cursor(item)
    spec, request, timeout, eol = ev.read_subs(cur, 4, 2, skipping, False, item.name)
    out = ""
    failure: str | None = None
    if not skipping:
        assert spec is not None and request is not None
        options: list[str] = []
        if timeout is not None:
            from pyexim.expand.strings import iter_list
            words = list(iter_list(timeout))
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
    cur = _cursor(item)
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
                                      f"${{run}} expansion failed: {error.message}") from None
            argv = expanded
        ctx.lookup_value, ctx.runrc = run_command(ev, argv)
    return ev.process_yesno(cur, skipping, ctx.runrc == 0, ctx.lookup_value, "run")


def split_command(command: str) -> list[str]:
    """Exim's transport_set_up_command splitting: white space separates arguments;
    "double quotes" allow escapes; 'single quotes' are verbatim."""
    argv: list[str] = []
    pos, n = 0, len(command)
    while pos < n and command[pos] in SPACE:
        pos += 1
    while pos < n:
        if command[pos] == "'":
            end = command.find("'", pos + 1)
            end = n if end < 0 else end
            argv.append(command[pos + 1:end])
            pos = end + 1 if end < n else n
        else:
            word, pos = dequote(command, pos)
            argv.append(word)
        while pos < n and command[pos] in SPACE:
            pos += 1
    return argv


def run_command(ev: Evaluator, argv: list[str]) -> tuple[str, int]:
    """Run *argv* without a shell, read its output; (output, exit status).

    A command that cannot be executed gives status 127 and no output, as Exim's
    child process does; a timeout or a signal fails the expansion.
    """
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


# ---------------------------------------------------------------------------
# ACLs

def item_acl(ev: Evaluator, item: Item, skipping: bool) -> str:
    from pyexim.expand.conditions import run_acl
    subs = ev.read_subs(_cursor(item), 10, 1, skipping, True, item.name)
    if skipping:
        return ""
    name = subs[0] or ""
    rc, user_message = run_acl(ev, name, [s for s in subs[1:] if s is not None])
    if rc in (ACL_OK, ACL_FAIL):
        return user_message or ""
    if rc == ACL_DEFER:
        raise ForcedFail(f'{rc} from acl "{name}"')
    raise ExpansionError(f'{rc} from acl "{name}"')


# ---------------------------------------------------------------------------
# string work

def item_substring(ev: Evaluator, item: Item, skipping: bool) -> str:
    """${hash{}{}{}}, ${length{}{}}, ${nhash{}{}{}}, ${substr{}{}{}}."""
    name = item.name
    subs = ev.read_subs(_cursor(item), 2 if name == "length" else 3, 2, skipping, True, name)
    if len(subs) < 3:
        subs.append(None)
    if subs[2] is None:
        subs[2], subs[1] = subs[1], None
        if name == "length":
            subs[1], subs[0] = subs[0], None
    values = [0, -1]
    for i in (0, 1):
        text = subs[i]
        if text is None:
            continue
        value, end, _ = strtol_prefix(text, 10)
        value = _c_int(value)  # Exim casts strtol's long to int
        if (end == 0 and text != "") or (end != 0 and end != len(text)) or (
                i != 0 and value < 0):
            raise ExpansionError(f'"{text}" is not a{" positive" if i else ""} number '
                                 f'(in "{name}" expansion)')
        values[i] = value
    subject = subs[2] or ""
    if name == "hash":
        result = compute_hash(subject, values[0], values[1])
    elif name == "nhash":
        result = compute_nhash(subject, values[0], values[1])
    else:
        result = extract_substr(subject, values[0], values[1])
    return "" if skipping else mark(result, isinstance(subject, Tainted) and name != "nhash")


def _c_int(value: int) -> int:
    from pyexim.expand.strings import c_int32
    return c_int32(value)


def item_hmac(ev: Evaluator, item: Item, skipping: bool) -> str:
    algorithm, key, text = ev.read_subs(_cursor(item), 3, 3, skipping, True, item.name)
    if skipping:
        return ""
    assert algorithm is not None and key is not None and text is not None
    digest = {"md5": hashlib.md5, "sha1": hashlib.sha1}.get(algorithm)
    if digest is None:
        raise ExpansionError(f'hmac algorithm "{algorithm}" is not recognised')
    return hmac_module.new(key.encode("latin-1"), text.encode("latin-1"), digest).hexdigest()


def item_tr(ev: Evaluator, item: Item, skipping: bool) -> str:
    subject, source, target = ev.read_subs(_cursor(item), 3, 3, skipping, True, item.name)
    assert subject is not None and source is not None and target is not None
    if not target:
        return "" if skipping else subject
    last = len(target) - 1
    out = []
    for c in subject:
        index = source.rfind(c)
        out.append(target[min(index, last)] if index >= 0 else c)
    return "" if skipping else mark("".join(out), isinstance(subject, Tainted))


def item_sg(ev: Evaluator, item: Item, skipping: bool) -> str:
    """${sg{subject}{regex}{replacement}}: the replacement is expanded again for each match,
    with $0, $1... set from it."""
    ctx = ev.ctx
    save_numbers = list(ctx.match_strings)
    subject, pattern, replacement = ev.read_subs(_cursor(item), 3, 3, skipping, True,
                                                 item.name)
    assert subject is not None and pattern is not None and replacement is not None
    regex = compile_or_fail(pattern)
    out: list[str] = []
    pos = 0
    tainted = isinstance(subject, Tainted)
    try:
        for found in regex.finditer(subject):
            groups = [found.group(0)] + [g if g is not None else "" for g in found.groups()]
            last = len(groups)
            while last > 1 and found.group(last - 1) is None:
                last -= 1
            ctx.match_strings = [mark(g, tainted) for g in groups[:last]]
            out.append(subject[pos:found.start()])
            insert = expand_nested(ev, replacement)
            tainted = tainted or isinstance(insert, Tainted)
            out.append(insert)
            pos = found.end()
        out.append(subject[pos:])
    finally:
        ctx.match_strings = save_numbers
    return "" if skipping else mark("".join(out), tainted)


# ---------------------------------------------------------------------------
# prvs (BATV)

def prvs_daystamp(ev: Evaluator, offset_days: int) -> str:
    days = str(int(ev.ctx.clock() + offset_days * 86400) // 86400)
    return days[-3:] if len(days) >= 3 else "100"


def prvs_hash(address: str, key: str, keynum: str | None, daystamp: str) -> str | None:
    if len(key) > 64:
        return None
    source = (keynum or "0")[:1] + daystamp[:3] + address
    digest = hmac_module.new(key.encode("latin-1"), source.encode("latin-1"),
                             hashlib.sha1).hexdigest()
    return digest[:6]


def item_prvs(ev: Evaluator, item: Item, skipping: bool) -> str:
    address, key, keynum = ev.read_subs(_cursor(item), 3, 2, skipping, True, item.name)
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


_PRVS = re.compile(r"^prvs\=([0-9])([0-9]{3})([A-F0-9]{6})\=(.+)\@(.+)$",
                   re.IGNORECASE | re.ASCII | re.DOTALL)


def item_prvscheck(ev: Evaluator, item: Item, skipping: bool) -> str:
    ctx = ev.ctx
    ctx.prvscheck_result = ctx.prvscheck_address = ctx.prvscheck_keynum = None
    cur = _cursor(item)
    (address,) = ev.read_subs(cur, 1, 1, skipping, False, item.name)
    assert address is not None
    found = _PRVS.match(address)
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


# ---------------------------------------------------------------------------
# the rest

def item_authresults(ev: Evaluator, item: Item, skipping: bool) -> str:
    (system,) = ev.read_subs(_cursor(item), 1, 1, skipping, True, item.name)
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
    cur = _cursor(item)
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


def _not_included(what: str, forbid: str, forbid_message: str) -> ItemFunc:
    # pyexim cannot load Exim's dynamic modules or embed Perl: it answers as an Exim
    # built without them.
    def handler(ev: Evaluator, item: Item, skipping: bool) -> str:
        raise ExpansionError(f'"${{{what}" encountered, but this facility is not included '
                             "in this binary")
    return handler


def item_imapfolder(ev: Evaluator, item: Item, skipping: bool) -> str:
    name, sep, specials = ev.read_subs(_cursor(item), 3, 1, skipping, True, item.name)
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
    secret, return_path, original_domain = ev.read_subs(_cursor(item), 3, 3, skipping, True,
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


ITEMS: dict[str, ItemFunc] = {
    "acl": item_acl,
    "authresults": item_authresults,
    "certextract": item_certextract,
    "dlfunc": _not_included("dlfunc", FORBID_DLFUNC, "dynamically-loaded functions"),
    "env": item_env,
    "extract": item_extract,
    "filter": item_listop,
    "hash": item_substring,
    "hmac": item_hmac,
    "if": item_if,
    "imapfolder": item_imapfolder,
    "length": item_substring,
    "listextract": item_listextract,
    "listquote": item_listquote,
    "lookup": item_lookup,
    "map": item_listop,
    "nhash": item_substring,
    "perl": _not_included("perl", FORBID_PERL, "Perl calls"),
    "prvs": item_prvs,
    "prvscheck": item_prvscheck,
    "readfile": item_readfile,
    "readsocket": item_readsocket,
    "reduce": item_listop,
    "run": item_run,
    "sg": item_sg,
    "sort": item_sort,
    "srs_encode": item_srs_encode,
    "substr": item_substring,
    "tr": item_tr,
}

__all__ = ["ITEMS", "dewrap", "json_items", "with_suffix"]
