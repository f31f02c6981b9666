"""Expansion operators: ``${op:text}`` and ``${op_N_M:text}`` (Exim: expand.c EOP_*; spec:
"Expansion operators").

``OPERATORS`` maps each operator name to ``(evaluator, text, arg, name) -> str``, where
*text* is the expanded argument, *arg* what followed an underscore in the name
(``${hash_3_5:}`` gives "3_5") and *name* the name as written. Exim looks a name up
first whole in the table of names that contain underscores (``local_part``,
``time_eval``...), then cut at the first underscore. The argument is always expanded
first, even for an unknown operator, and a skipped operator is not applied.

Results keep the taint of their argument, except those Exim builds from numbers or
fixed buffers (hashes, counts, masks), which are clean.
"""

from __future__ import annotations

# Modules that take a while to import (hashlib, base64, and the helpers for ${eval} and
# RFC 2047) are imported in the functions that use them: most runs never need them.
import os
import stat as stat_module
from collections.abc import Callable

from pyexim.address import (
    quote_local_part,
    quoted_string,
)
from pyexim.expand.evaluator import ExpansionError, string_integer
from pyexim.expand.nodes import Operator
from pyexim.strings import (
    ALNUM,
    DIGITS,
    SPACE,
    XDIGITS,
    c_int32,
    list_items,
    list_separator_of,
    lower,
    printing,
    span,
    upper,
)
from pyexim.taint import Tainted, mark
from pyexim.timevalue import format_time, read_time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyexim.expand.evaluator import Evaluator

OpFunc = Callable[["Evaluator", str, "str | None", str], str]

# Names that contain an underscore as part of the name (Exim's op_table_underscore).
UNDERSCORE_NAMES = frozenset({
    "from_utf8", "local_part", "quote_local_part", "reverse_ip", "time_eval",
    "time_interval", "utf8_domain_from_alabel", "utf8_domain_to_alabel",
    "utf8_localpart_from_alabel", "utf8_localpart_to_alabel"})

# Operators whose result Exim builds in fresh untainted memory.
CLEAN_RESULTS = frozenset({
    "base32", "base32d", "base62", "base62d", "eval", "eval10", "strlen", "listcount",
    "md5", "sha1", "sha2", "sha256", "sha3", "randint", "time_eval", "time_interval", "stat",
    "nhash", "nh", "mask", "ipv6norm", "ipv6denorm", "reverse_ip"})

BASE32_CHARS = "abcdefghijklmnopqrstuvwxyz234567"
BASE62_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
HASH_CODES = "abcdefghijklmnopqrtsuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
PRIMES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79,
          83, 89, 97, 101, 103, 107, 109, 113)
ULONG = 1 << 64


def resolve(name: str) -> tuple[str | None, str | None]:
    """(operator, argument) for a name as written; operator None when unknown."""
    if name in UNDERSCORE_NAMES:
        return name, None
    base, sep, arg = name.partition("_")
    if base in OPERATORS and base not in UNDERSCORE_NAMES:
        return base, arg if sep else None
    return None, None


def apply_operator(ev: Evaluator, node: Operator, skipping: bool) -> str:
    """Expand the argument, then apply the operator (unless skipping)."""
    if node.cert_var is not None:
        text = node.cert_var
    else:
        text = ev.seq(node.arg, skipping)
    op, arg = resolve(node.name)
    if op is None:
        raise ExpansionError(f'unknown expansion operator "{node.name}"')
    if skipping:
        return ""
    result = OPERATORS[op](ev, text, arg, node.name)
    if op in CLEAN_RESULTS:
        return str.__str__(result) if isinstance(result, Tainted) else result
    return mark(result, isinstance(text, Tainted))


# ---------------------------------------------------------------------------
# helpers

def strtoul(text: str) -> tuple[int, bool]:
    """C strtoul(text, &end, 10): (value, whole text used)."""
    n = len(text)
    p = span(text, SPACE)
    negative = False
    if p < n and text[p] in "+-":
        negative = text[p] == "-"
        p += 1
    start = p
    p = span(text, DIGITS, p)
    if p == start:
        return 0, n == 0
    value = int(text[start:p])
    if value >= ULONG:
        value = ULONG - 1
    elif negative:
        value = (-value) % ULONG
    return value, p == n


def _signed_long(value: int) -> int:
    value %= ULONG
    return value - ULONG if value >= 1 << 63 else value


def _hexdigest(data: str, algorithm: str, upper_case: bool) -> str:
    import hashlib
    digest = hashlib.new(algorithm, data.encode("latin-1")).hexdigest()
    return digest.upper() if upper_case else digest


def compute_hash(subject: str, value1: int, value2: int) -> str:
    """Exim's old-style ${hash}: *value1* characters from the first *value2* hash codes."""
    if value2 < 0:
        value2 = 26
    elif value2 > len(HASH_CODES):
        raise ExpansionError(f'hash count "{value2}" too big')
    if value1 >= len(subject):
        return subject
    if value1 <= 0:
        return ""
    work = [ord(c) for c in subject]
    i = 0
    for j in range(value1, len(work)):
        c = work[j]
        shift = (c + j) & 7
        work[i] ^= ((c << shift) | (c >> (8 - shift))) & 0xFF
        i += 1
        if i >= value1:
            i = 0
    return "".join(HASH_CODES[work[k] % value2] for k in range(value1))


def compute_nhash(subject: str, value1: int, value2: int) -> str:
    """Exim's ${nhash}: a number below *value1*, or "a/b" with *value2*."""
    total = 0
    i = 0
    for c in subject:
        if i == 0:
            i = len(PRIMES) - 1
        total += PRIMES[i] * ord(c)
        i -= 1
    total %= ULONG
    if value2 < 0:
        if value1 == 0:
            raise ExpansionError("division by zero in nhash")
        return str(total % (value1 % ULONG))
    modulus = c_int32(value1 * value2) % ULONG
    if modulus == 0 or value2 == 0:
        raise ExpansionError("division by zero in nhash")
    total %= modulus
    return f"{total // value2}/{total % value2}"


def extract_substr(subject: str, value1: int, value2: int) -> str:
    """Exim's extract_substr: *value2* characters from offset *value1* (negative: from the
    right; *value2* negative: all the rest, or all before)."""
    sublen = len(subject)
    if value1 < 0:
        value1 += sublen
        if value1 < 0:
            value2 += value1
            value2 = max(value2, 0)
            value1 = 0
        elif value2 < 0:
            value2 = value1
            value1 = 0
    else:
        if value1 > sublen:
            value1 = sublen
            value2 = 0
        elif value2 < 0:
            value2 = sublen
    if value1 + value2 > sublen:
        value2 = sublen - value1
    return subject[value1:value1 + value2]


# ---------------------------------------------------------------------------
# the operators

def _decimal(text: str, name: str) -> int:
    """*text* as the unsigned decimal number the base32/base62 operators encode."""
    n, whole = strtoul(text)
    if not whole:
        raise ExpansionError(f'argument for {name} operator is "{text}", which is not a '
                             "decimal number")
    return n


def op_base32(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
    n = _decimal(text, "base32")
    out = []
    while n:
        out.append(BASE32_CHARS[n & 0x1F])
        n >>= 5
    return "".join(reversed(out))


def _decode_base(text: str, alphabet: str, name: str) -> str:
    """*text* read as a number in base len(*alphabet*), printed as a C long."""
    n = 0
    base = len(alphabet)
    for c in text:
        index = alphabet.find(c)
        if index < 0:
            raise ExpansionError(f'argument for {name} operator is "{text}", which is not '
                                 f"a base {base} number")
        n = (n * base + index) % ULONG
    return str(_signed_long(n))


def op_base32d(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
    return _decode_base(text, BASE32_CHARS, "base32d")


def op_base62(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
    n = _decimal(text, "base62")
    out = []
    for _ in range(6):
        out.append(BASE62_CHARS[n % 62])
        n //= 62
    return "".join(reversed(out))


def op_base62d(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
    return _decode_base(text, BASE62_CHARS, "base62d")


def op_base64(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
    import base64
    return base64.b64encode(text.encode("latin-1")).decode("ascii")


def op_base64d(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
    from pyexim.expand.rfc2047 import b64decode
    decoded = b64decode(text)
    if decoded is None:
        raise ExpansionError(f'string "{text}" is not well-formed for "{name}" operator')
    return decoded.split("\0", 1)[0]


def op_expand(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
    from pyexim.expand import expand_with
    try:
        return expand_with(ev, text, always=True)
    except ExpansionError as error:
        raise type(error)(f'internal expansion of "{text}" failed: {error.text}') from None


def op_lc(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
    return lower(text)


def op_uc(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
    return upper(text)


def op_md5(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
    return _hexdigest(text, "md5", False)


def op_sha1(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
    return _hexdigest(text, "sha1", True)


def op_sha2(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
    algorithm = {None: "sha256", "256": "sha256", "384": "sha384", "512": "sha512"}.get(arg)
    if algorithm is None:
        raise ExpansionError("unrecognised sha2 variant")
    return _hexdigest(text, algorithm, True)


def op_sha3(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
    algorithm = {None: "sha3_256", "224": "sha3_224", "256": "sha3_256", "384": "sha3_384",
                 "512": "sha3_512"}.get(arg)
    if algorithm is None:
        raise ExpansionError("unrecognised sha3 variant")
    return _hexdigest(text, algorithm, True)


def op_hex2b64(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
    for c in text:
        if c not in XDIGITS:
            raise ExpansionError(f'"{text}" is not a hex string')
    if len(text) % 2:
        raise ExpansionError(f'"{text}" contains an odd number of characters')
    data = bytes.fromhex(text)
    import base64
    return base64.b64encode(data).decode("ascii")


def op_hexquote(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
    return "".join(c if 0x21 <= ord(c) <= 0x7E else f"\\x{ord(c):02x}" for c in text)


def op_listcount(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
    return str(sum(1 for _ in list_items(text, buffer_size=2)))


def op_listnamed(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
    return expand_listnamed(ev, text, arg)


_LIST_KINDS = {"a": ("address", "address "), "d": ("domain", "domain "),
               "h": ("host", "host "), "l": ("localpart", "localpart ")}


def expand_listnamed(ev: Evaluator, name: str, listtype: str | None) -> str:
    """A named list's items as a colon-separated list (nested named lists expanded)."""
    name = name.removeprefix("+")
    if listtype is None:
        found = ev.ctx.named_list(None, name)
        label = ""
    else:
        kind = _LIST_KINDS.get(listtype[:1])
        if kind is None:
            raise ExpansionError('bad suffix on "list" operator')
        found = ev.ctx.named_list(kind[0], name)
        label = kind[1]
    if found is None:
        raise ExpansionError(f'"{name}" is not a {label}named list')
    text = getattr(found, "value", found)
    out: list[str] = []
    sep = list_separator_of(text)
    for item in list_items(text, buffer_size=256):
        if item.startswith("+"):
            out.append(expand_listnamed(ev, item, listtype))
        elif sep != ":":
            out.append(item.replace(":", "::"))
        else:
            out.append(item)
    return " : ".join(out)




def op_quote(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
    if arg is None:
        needs = not text or any(c not in ALNUM and c not in "_-." for c in text)
        return quoted_string(text) if needs else text
    from pyexim.lookups import quote
    from pyexim.lookups.base import LookupSyntaxError
    try:
        return quote(arg, text)
    except LookupSyntaxError as error:
        raise ExpansionError(error.message) from None


def op_quote_local_part(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
    return quote_local_part(text)


def op_rxquote(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
    return "".join(c if c in ALNUM else "\\" + c for c in text)


def op_rfc2047(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
    from pyexim.expand.rfc2047 import quote_2047
    return quote_2047(text, ev.ctx.options.headers_charset, False)


def op_rfc2047d(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
    from pyexim.expand.rfc2047 import decode_2047
    decoded, error = decode_2047(text, ev.ctx.options.check_rfc2047_length,
                                 ev.ctx.options.headers_charset, "?")
    if error:
        raise ExpansionError(error)
    return decoded or ""


def op_from_utf8(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
    out = []
    i, n = 0, len(text)
    while i < n:
        c = ord(text[i])
        i += 1
        if c & 0xC0 == 0xC0:
            extra = _UTF8_EXTRA[c & 0x3F]
            shift = 6 * extra
            c = (c & _UTF8_MASK[extra]) << shift
            while extra > 0:
                extra -= 1
                shift -= 6
                c |= (ord(text[i]) & 0x3F if i < n else 0) << shift
                i += 1
        out.append("_" if c > 255 else chr(c))
    return "".join(out)


_UTF8_EXTRA = [1] * 32 + [2] * 16 + [3] * 8 + [4] * 4 + [5] * 4
_UTF8_MASK = (0xFF, 0x1F, 0x0F, 0x07, 0x03, 0x01)


def op_utf8clean(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
    out: list[str] = []
    seq: list[str] = []
    bytes_left = 0
    codepoint = -1
    seq_len = 0
    for ch in text:
        c = ord(ch)
        complete = 0
        if bytes_left:
            if c & 0xC0 != 0x80:
                complete = 1
            else:
                codepoint = (codepoint << 6) | (c & 0x3F)
                seq.append(ch)
                bytes_left -= 1
                if bytes_left == 0:
                    if codepoint > 0x10FFFF or 0xD800 <= codepoint <= 0xDFFF:
                        complete = -1
                    else:
                        out.append("".join(seq[:seq_len]))
                        seq = []
        else:
            if not c & 0x80:
                out.append(ch)
                continue
            if c & 0xE0 == 0xC0:
                if c in (0xC0, 0xC1):
                    complete = -1
                else:
                    bytes_left, codepoint = 1, c & 0x1F
            elif c & 0xF0 == 0xE0:
                bytes_left, codepoint = 2, c & 0x0F
            elif c & 0xF8 == 0xF0:
                bytes_left, codepoint = 3, c & 0x07
            else:
                complete = -1
            seq.append(ch)
            seq_len = bytes_left + 1
        if complete:
            bytes_left = 0
            seq = []
            out.append("?")
        if complete == 1 and not c & 0x80:
            out.append(ch)
    if bytes_left:
        out.append("?")
    return "".join(out)


def _idna(direction: str, what: str) -> OpFunc:
    """The I18N operators. Debian builds Exim with libidn (IDNA 2003), which Python's
    "idna" codec implements for domains; local parts are plain punycode with "xn--"."""
    def op(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
        try:
            if what == "domain":
                if direction == "to":
                    if text.isascii():
                        return text
                    return text.encode("latin-1").decode("utf-8").encode("idna").decode()
                return text.encode("latin-1").decode("idna").encode("utf-8").decode("latin-1")
            if direction == "to":
                if text.isascii():
                    return text
                unicode = text.encode("latin-1").decode("utf-8")
                return "xn--" + unicode.encode("punycode").decode("ascii")
            if not text.startswith("xn--"):
                raise ValueError("bad alabel prefix")
            return text[4:].encode("latin-1").decode("punycode").encode("utf-8").decode(
                "latin-1")
        except (UnicodeError, ValueError) as error:
            words = ("utf8", "alabel") if direction == "to" else ("alabel", "utf8")
            raise ExpansionError(f"error converting {words[0]} ({printing(text)}) to "
                                 f"{words[1]}: {error}") from None
    return op


def op_escape(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
    return printing(text, print_topbitchars=ev.ctx.options.print_topbitchars)


def op_escape8bit(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
    return "".join(c if ord(c) < 127 and c != "\\" else f"\\{ord(c):03o}" for c in text)


def op_eval(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
    from pyexim.expand import arith
    try:
        return str(arith.evaluate(text, decimal=name.startswith("eval10")))
    except arith.ArithError as error:
        raise ExpansionError(f"error in expression evaluation: {error.message} "
                             f'(after processing "{error.consumed}")') from None


def op_time_eval(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
    n = read_time(text)
    if n < 0:
        raise ExpansionError(f'string "{text}" is not an Exim time interval in "{name}" '
                             "operator")
    return str(n)


def op_time_interval(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
    if text and any(c not in DIGITS for c in text):
        raise ExpansionError(f'string "{text}" is not a positive number in "{name}" '
                             "operator")
    n = 0
    for c in text:
        n = c_int32(n * 10 + ord(c) - 48)
    return format_time(n)


def op_str2b64(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
    return op_base64(ev, text, arg, name)


def op_strlen(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
    return str(len(text))


def op_substring(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
    """length/l, substr/s, hash/h, nhash/nh with their _N_M numbers."""
    if arg is None:
        raise ExpansionError(f"missing values after {name}")
    base = name.partition("_")[0]
    value1, value2 = 0, -1
    sign = 1
    length_op = base in ("length", "l")
    second = length_op
    if length_op:
        value2 = 0
    elif name[0] == "s" and arg.startswith("-"):
        sign = -1
        arg = arg[1:]
    i = 0
    started = 0
    while i < len(arg):
        c = arg[i]
        if i != started and c == "_" and not second:
            second = True
            value2 = 0
            if i + 1 < len(arg):
                i += 1
            continue
        if c not in DIGITS:
            raise ExpansionError(f'non-digit after underscore in "{name}"')
        if second:
            value2 = c_int32(value2 * 10 + ord(c) - 48)
        else:
            value1 = c_int32(value1 * 10 + ord(c) - 48)
        i += 1
    value1 *= sign
    if base in ("hash", "h"):
        return compute_hash(text, value1, value2)
    if base in ("nhash", "nh"):
        return compute_nhash(text, value1, value2)
    return extract_substr(text, value1, value2)


_MODE_TABLES = (
    ("---", "--x", "-w-", "-wx", "r--", "r-x", "rw-", "rwx"),
    ("--S", "--s", "-wS", "-ws", "r-S", "r-s", "rwS", "rws"),
    ("--T", "--t", "-wT", "-wt", "r-T", "r-t", "rwT", "rwt"),
)


def op_stat(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
    from pyexim.expand.context import FORBID_EXISTS
    if FORBID_EXISTS in ev.ctx.forbid:
        raise ExpansionError("Use of the stat() expansion is not permitted")
    try:
        st = os.stat(text.encode("latin-1"))
    except OSError as error:
        raise ExpansionError(f"stat({text}) failed: {os.strerror(error.errno or 0)}") from None
    mode = st.st_mode
    kind = {stat_module.S_IFIFO: "p", stat_module.S_IFCHR: "c", stat_module.S_IFDIR: "d",
            stat_module.S_IFBLK: "b", stat_module.S_IFREG: "-"}.get(stat_module.S_IFMT(mode), "?")
    parts = []
    bits = mode
    for i in range(3):
        table = _MODE_TABLES[0]
        if i == 0 and mode & 0o1000:
            table = _MODE_TABLES[2]
        elif i == 1 and mode & 0o2000 or i == 2 and mode & 0o4000:
            table = _MODE_TABLES[1]
        parts.append(table[bits & 7])
        bits >>= 3
    smode = kind + "".join(reversed(parts))
    return (f"mode={mode & 0o77777:04o} smode={smode} inode={st.st_ino} device={st.st_dev} "
            f"links={st.st_nlink} uid={st.st_uid} gid={st.st_gid} size={st.st_size} "
            f"atime={int(st.st_atime)} mtime={int(st.st_mtime)} ctime={int(st.st_ctime)}")


def op_randint(ev: Evaluator, text: str, arg: str | None, name: str) -> str:
    limit = c_int32(string_integer(text, True) % (1 << 32))
    # GnuTLS-built Exim: a maximum of 0 or 1 always gives 0.
    if limit <= 1:
        return "0"
    if ev.ctx.rng is None:
        import random  # here, not at the top: 0.7 ms of start-up for a rarely used item
        ev.ctx.rng = random.Random()
    return str(ev.ctx.rng.randrange(limit))


# The address operators import this module's helpers, so they come last.
from pyexim.expand import addressops

OPERATORS: dict[str, OpFunc] = {
    "address": addressops.op_address,
    "addresses": addressops.op_addresses,
    "base32": op_base32,
    "base32d": op_base32d,
    "base62": op_base62,
    "base62d": op_base62d,
    "base64": op_base64,
    "base64d": op_base64d,
    "domain": addressops.op_domain,
    "escape": op_escape,
    "escape8bit": op_escape8bit,
    "eval": op_eval,
    "eval10": op_eval,
    "expand": op_expand,
    "from_utf8": op_from_utf8,
    "h": op_substring,
    "hash": op_substring,
    "hex2b64": op_hex2b64,
    "hexquote": op_hexquote,
    "ipv6denorm": addressops.op_ipv6denorm,
    "ipv6norm": addressops.op_ipv6norm,
    "l": op_substring,
    "lc": op_lc,
    "length": op_substring,
    "listcount": op_listcount,
    "listnamed": op_listnamed,
    "local_part": addressops.op_local_part,
    "mask": addressops.op_mask,
    "md5": op_md5,
    "nh": op_substring,
    "nhash": op_substring,
    "quote": op_quote,
    "quote_local_part": op_quote_local_part,
    "randint": op_randint,
    "reverse_ip": addressops.op_reverse_ip,
    "rfc2047": op_rfc2047,
    "rfc2047d": op_rfc2047d,
    "rxquote": op_rxquote,
    "s": op_substring,
    "sha1": op_sha1,
    "sha2": op_sha2,
    "sha256": op_sha2,
    "sha3": op_sha3,
    "stat": op_stat,
    "str2b64": op_str2b64,
    "strlen": op_strlen,
    "substr": op_substring,
    "time_eval": op_time_eval,
    "time_interval": op_time_interval,
    "uc": op_uc,
    "utf8_domain_from_alabel": _idna("from", "domain"),
    "utf8_domain_to_alabel": _idna("to", "domain"),
    "utf8_localpart_from_alabel": _idna("from", "localpart"),
    "utf8_localpart_to_alabel": _idna("to", "localpart"),
    "utf8clean": op_utf8clean,
}
