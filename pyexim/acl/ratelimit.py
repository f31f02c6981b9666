"""The ``ratelimit`` and ``seen`` conditions (Exim: acl.c ``acl_ratelimit``, ``acl_seen``;
spec: "Rate limiting incoming messages", "The seen condition").

``ratelimit = limit / period / options / key`` measures the client's (or key's) rate
with an exponentially weighted moving average kept in the ``ratelimit`` hints database
and is true when the rate is at or over the limit; ``$sender_rate``,
``$sender_rate_limit`` and ``$sender_rate_period`` show the figures. Unique events
(``per_addr``, ``unique=``) are counted once per period with a Bloom filter, as Exim
does. ``seen = [-]time / key=... / readonly / write / refresh=...`` tests when a key
was last seen, in the ``seen`` database.
"""

from __future__ import annotations

import hashlib
import math
import re

from pyexim.acl.engine import Call
from pyexim.acl.hints import HintsDb, HintsUnavailable
from pyexim.acl.where import Rc, Where
from pyexim.strings import list_items
from pyexim.timevalue import read_time

_NUMBER = re.compile(r"\s*[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)")
_MODE_NAMES = {"per_addr": "per_addr", "per_byte": "per_byte", "per_cmd": "per_cmd",
               "per_conn": "per_conn", "per_mail": "per_mail", "per_rcpt": "per_rcpt",
               "per_allrcpts": "per_rcpt"}
_BLOOM_MIN = 16     # sizeof(dbdata_ratelimit_unique.bloom) in Exim


def _strtod(text: str) -> tuple[float, str]:
    """C's strtod: the number at the start of *text* (0 when none) and what follows."""
    match = _NUMBER.match(text)
    if match is None:
        return 0.0, text
    return float(match.group(0)), text[match.end():]


class _Options:
    def __init__(self) -> None:
        self.leaky = self.strict = self.readonly = self.noupdate = self.badacl = False
        self.mode: str | None = None
        self.clash = False
        self.count = 1.0
        self.unique: str | None = None
        self.key: str | None = None

    def set_mode(self, mode: str) -> None:
        if self.mode is None:
            self.mode = mode
        else:
            self.clash = True


def _error(call: Call, text: str) -> Rc:
    return call.error(f'error in arguments to "ratelimit" condition: {text}')


def cond_ratelimit(call: Call) -> Rc:
    """``ratelimit``: true when the measured rate is at or above the limit."""
    values = call.ctx.values
    items = list_items(call.arg, "/")
    limit_text = next(items, None)
    if limit_text is None:
        return _error(call, "sender rate limit not set")
    values["sender_rate_limit"] = limit_text
    limit, rest = _strtod(limit_text)
    scale = {"k": 1024.0, "m": 1024.0 ** 2, "g": 1024.0 ** 3}.get(rest[:1].lower())
    if scale is not None:
        limit *= scale
        rest = rest[1:]
    if limit < 0.0 or rest:
        return _error(call, f'"{limit_text}" is not a positive number')
    period_text = next(items, None)
    values["sender_rate_period"] = period_text or ""
    period = read_time(period_text) if period_text is not None else -1
    if period <= 0:
        return _error(call, f'"{period_text or ""}" is not a time value')
    opts = _Options()
    for item in items:
        problem = _option(call, opts, item)
        if problem is not None:
            return _error(call, problem)
    if opts.clash:
        return _error(call, "conflicting per_* options")
    if opts.leaky + opts.strict + opts.readonly > 1:
        return _error(call, "conflicting update modes")
    mode = opts.mode or "per_mail"
    if opts.badacl and (opts.leaky or opts.strict) and not opts.noupdate:
        return _error(call, f'"{_MODE_NAMES[mode]}" must not have /leaky or /strict '
                            f"option, or cannot be used in {call.where.exim_name} ACL")
    if opts.noupdate:
        opts.readonly, opts.leaky, opts.strict = True, False, False
    if opts.badacl:
        opts.readonly = True
    count = 0.0 if opts.readonly else opts.count
    leaky = opts.leaky or not (opts.strict or opts.readonly)
    key = opts.key if opts.key is not None else str(values.get("sender_host_address") or "")
    key = f"{period_text}/{_MODE_NAMES[mode]}/{'unique/' if opts.unique else ''}{key}"
    call.engine.trace(f"ratelimit condition count={count:.0f} {limit:.1f}/{key}")

    state = call.state
    if opts.readonly:
        cache = state.ratelimit_cmd
    elif mode == "per_conn":
        cache = state.ratelimit_conn
    elif mode in ("per_byte", "per_mail", "per_allrcpts"):
        cache = state.ratelimit_mail
    else:
        cache = state.ratelimit_cmd
    if key in cache:
        rate = float(cache[key])  # type: ignore[arg-type]
        values["sender_rate"] = f"{rate:.1f}"
        call.engine.trace(f"ratelimit found pre-computed rate {values['sender_rate']}")
        return Rc.FAIL if rate < limit else Rc.OK
    try:
        db = HintsDb(str(call.engine.option("spool_directory", "")), "ratelimit")
    except HintsUnavailable:
        values["sender_rate"] = ""
        call.msgs.log = "ratelimit database not available"
        return Rc.DEFER
    try:
        rate, rc = _measure(call, db, key, limit, float(period), count, opts.unique,
                            leaky, opts.strict, opts.readonly)
    except HintsUnavailable:
        values["sender_rate"] = ""
        call.msgs.log = "ratelimit database not available"
        return Rc.DEFER
    finally:
        db.close()
    cache[key] = rate
    values["sender_rate"] = f"{rate:.1f}"
    call.engine.trace(f"ratelimit computed rate {values['sender_rate']}")
    return rc


def _option(call: Call, opts: _Options, item: str) -> str | None:
    """Note one option of ratelimit; an error text when it is malformed."""
    where = call.where
    word = item.lower()
    values = call.ctx.values
    if word in ("leaky", "strict", "noupdate", "readonly"):
        setattr(opts, word, True)
    elif word == "per_cmd":
        opts.set_mode("per_cmd")
    elif word == "per_conn":
        opts.set_mode("per_conn")
        opts.badacl |= where in (Where.NOTSMTP, Where.NOTSMTP_START)
    elif word == "per_mail":
        opts.set_mode("per_mail")
        opts.badacl |= where > Where.NOTSMTP
    elif word == "per_rcpt":
        if where is Where.RCPT:
            opts.set_mode("per_rcpt")
        elif Where.PREDATA <= where <= Where.NOTSMTP:
            opts.set_mode("per_allrcpts")
            opts.count = float(len(call.session.message_recipients()))
        elif where is Where.MAIL or where > Where.NOTSMTP:
            opts.set_mode("per_rcpt")
            opts.badacl = True
    elif word == "per_byte":
        opts.set_mode("per_mail")
        if where > Where.NOTSMTP:
            opts.badacl = True
        else:
            message_size = values.get("message_size") or -1
            size = int(message_size) if isinstance(message_size, (int, str)) else -1
            opts.count = 0.0 if size < 0 else float(size)
    elif word == "per_addr":
        opts.set_mode("per_rcpt")
        if where is not Where.RCPT:
            opts.badacl = True
            opts.unique = "*"
        else:
            opts.unique = f"{values.get('local_part', '')}@{values.get('domain', '')}"
    elif word.startswith("count="):
        count, rest = _strtod(item[6:])
        if count < 0.0 or rest:
            return f'"{item}" is not a positive number'
        opts.count = count
    elif word.startswith("unique="):
        opts.unique = item[7:]
    else:
        opts.key = item if opts.key is None else f"{opts.key}/{item}"
    return None


def _measure(call: Call, db: HintsDb, key: str, limit: float, period: float,
             count: float, unique: str | None, leaky: bool, strict: bool,
             readonly: bool) -> tuple[float, Rc]:
    """Update the smoothed rate for *key*; (rate, OK when at or over the limit)."""
    now = call.ctx.clock()
    record = db.read(key)
    bloom: bytearray | None = None
    epoch = int(now)
    if record is not None and unique:
        if now > record.get("epoch", 0) + period or "bloom" not in record:
            call.engine.trace("ratelimit discarding old Bloom filter")
        else:
            bloom = bytearray.fromhex(record["bloom"])
            epoch = record["epoch"]
    if unique and bloom is None:
        call.engine.trace("ratelimit creating new Bloom filter")
        bloom = bytearray(max(int(limit) * 2, _BLOOM_MIN))
    if unique and not readonly and bloom is not None:
        digest = hashlib.md5(unique.encode("latin-1")).digest()
        h = int.from_bytes(digest[:4], "little")
        inc = int.from_bytes(digest[4:8], "little")
        seen = True
        for _ in range(8):
            bit, byte = 1 << (h % 8), (h // 8) % len(bloom)
            if not bloom[byte] & bit:
                bloom[byte] |= bit
                seen = False
            h = (h + inc) & 0xFFFFFFFF
        if seen:
            count = 0.0
    if record is None or "rate" not in record:
        rate = count
    else:
        interval = now - float(record["time"])
        interval = interval if interval > 0.0 else 1e-9
        i_over_p = interval / period
        a = math.exp(-i_over_p)
        rate = (1 - a) * count / i_over_p + a * float(record["rate"])
        rate = max(rate, count)
    rc = Rc.FAIL if rate < limit else Rc.OK
    if (rc is Rc.FAIL and leaky) or strict:
        new: dict[str, object] = {"time": now, "rate": rate}
        if bloom is not None:
            new.update(epoch=epoch, bloom=bloom.hex())
        db.write(key, new)
    return rate, rc


def cond_seen(call: Call) -> Rc:
    """``seen``: whether the key was seen within (or, with ``-``, before) a time."""
    items = list_items(call.arg, "/")
    first = next(items, None)
    if first is None:
        return call.error(f"failed to parse '{call.arg}'")
    before = first.startswith("-")
    interval = read_time(first[1:] if before else first)
    if interval < 0:
        return call.error(f"failed to parse '{call.arg}'")
    key = str(call.ctx.values.get("sender_host_address") or "")
    mode = "default"
    refresh = 10 * 24 * 3600
    for item in items:
        if item.startswith("key="):
            key = item[4:]
        elif item in ("readonly", "write"):
            mode = item
        elif item.startswith("refresh="):
            refresh = read_time(item[8:])
            if refresh < 0:
                return call.error(f"failed to parse '{call.arg}'")
        else:
            return call.error(f"unrecognised option '{item}' in '{call.arg}'")
    try:
        db = HintsDb(str(call.engine.option("spool_directory", "")), "seen")
    except HintsUnavailable:
        call.msgs.log = "database for 'seen' not available"
        return Rc.DEFER
    try:
        return _seen(db, key, int(call.ctx.clock()), before, interval, mode, refresh)
    except HintsUnavailable:
        call.msgs.log = "database for 'seen' not available"
        return Rc.DEFER
    finally:
        db.close()


def _seen(db: HintsDb, key: str, now: int, before: bool, interval: int, mode: str,
          refresh: int) -> Rc:
    record = db.read(key)
    if record is None:
        if mode != "readonly":
            db.write(key, {"time": now})
        return Rc.FAIL
    diff = now - int(record["time"])
    rc = Rc.OK if (diff >= interval if before else diff < interval) else Rc.FAIL
    if mode == "readonly":
        pass
    elif mode == "write" or not before:
        db.write(key, {"time": now})
    elif diff >= refresh:
        db.write(key, {"time": now - interval})
    return rc


HANDLERS = {"ratelimit": cond_ratelimit, "seen": cond_seen}

__all__ = ["HANDLERS"]
