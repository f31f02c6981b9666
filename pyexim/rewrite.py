"""Address rewriting (Exim: rewrite.c; spec: "Address rewriting").

A rule is ``pattern replacement flags``: the pattern is a one-item address list (so
``*@a.domain``, ``^regex``, lookups and named lists all work, and wildcards set ``$1``...),
the replacement is expanded with ``$local_part`` and ``$domain`` of the address (``*``
alone means "leave it and stop"), and the flags say where the rule applies: header
lines ``h`` (``s f t c b r`` for Sender, From, To, Cc, Bcc, Reply-To), the envelope
``E`` (``F`` sender, ``T`` recipients), ``S`` at SMTP time (the pattern is a regular
expression on the whole MAIL/RCPT argument), plus ``q`` (stop after this rule), ``R``
(repeat up to 10 times), ``Q`` (qualify an unqualified result) and ``w`` (replace the
whole header address, phrase included). A rule without place flags applies
everywhere (headers only for a transport's ``headers_rewrite``).

``Rewriter.rewrite_one`` is Exim's rewrite_one, ``rewrite_address`` its envelope form,
``rewrite_header`` rewrites the addresses of one header line, and ``test`` produces
the output of ``-brw``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from pyexim.address import AddressError, GroupState, extract_address, find_address_end, find_at
from pyexim.record import record
from pyexim.strings import span

# Flag bits (Exim's macros.h).
SENDER, FROM, TO, CC, BCC, REPLYTO = 0x1, 0x2, 0x4, 0x8, 0x10, 0x20
ALL_HEADERS = 0x3F
ENVFROM, ENVTO = 0x40, 0x80
ALL_ENVELOPE = 0xC0
ALL = ALL_HEADERS | ALL_ENVELOPE
SMTP, SMTP_SENDER = 0x100, 0x200
QUALIFY, REPEAT, WHOLE, QUIT = 0x400, 0x800, 0x1000, 0x2000

_LETTERS = {"q": QUIT, "w": WHOLE, "h": ALL_HEADERS, "s": SENDER, "f": FROM, "t": TO,
            "c": CC, "b": BCC, "r": REPLYTO, "E": ALL_ENVELOPE, "F": ENVFROM, "T": ENVTO,
            "Q": QUALIFY, "R": REPEAT, "S": SMTP}

#: Where an address came from, for the log line of a rewrite.
_WHERE = {SENDER: "sender:", FROM: "from:", TO: "to:", CC: "cc:", BCC: "bcc:",
          REPLYTO: "reply-to:", ENVFROM: "env-from", ENVTO: "env-to",
          SMTP: "smtp recipient", SMTP | SMTP_SENDER: "smtp sender"}

#: -brw's labels, for the eight places in bit order.
_TEST_NAMES = ("  sender", "    from", "      to", "      cc", "     bcc", "reply-to",
               "env-from", "  env-to")

#: The header type flag (pyexim.message HTYPE_*) -> the rewrite flag of that header.
HEADER_FLAGS = {"S": SENDER, "F": FROM, "T": TO, "C": CC, "B": BCC, "R": REPLYTO}

LogFunction = Callable[..., object]

#: What _expand returns for a forced failure: give up this rule (and stop with q).
_FORCED = object()


@record(frozen=True)
class Rule:
    """One rewriting rule, flags as bits."""

    key: str
    replacement: str
    flags: int

    @classmethod
    def from_letters(cls, key: str, replacement: str, letters: str, *,
                     is_global: bool = True) -> Rule:
        flags = 0
        for letter in letters:
            flags |= _LETTERS.get(letter, 0)
        if not flags & (ALL | SMTP):
            flags |= ALL if is_global else ALL_HEADERS
        return cls(key, replacement, flags)


class Rewriter:
    """A list of rules and the set of places any of them applies to (Exim's
    rewrite_existflags)."""

    def __init__(self, rules: Iterable[Rule], *, qualify_recipient: str = "",
                 qualify_sender: str = "", log_rewrites: bool = False,
                 log_selector: str | None = None):
        """*log_selector* (the log_selector option), when given, decides *log_rewrites*
        when a rewrite is first logged."""
        self.rules = tuple(rules)
        self.exists = 0
        for rule in self.rules:
            self.exists |= rule.flags
        self.qualify_recipient = qualify_recipient
        self.qualify_sender = qualify_sender
        self._log_rewrites = log_rewrites if log_selector is None else None
        self._log_selector = log_selector

    @property
    def log_rewrites(self) -> bool:
        """Whether rewrites are logged (the address_rewrite log selector)."""
        if self._log_rewrites is None:
            from pyexim.log.selector import LogSelector
            self._log_rewrites = "address_rewrite" in LogSelector.parse(self._log_selector)
        return self._log_rewrites

    @classmethod
    def from_config(cls, config: object) -> Rewriter:
        """The global rules of a configuration (``begin rewrite``)."""
        if config is None:
            return cls(())
        rules = [Rule.from_letters(r.pattern, r.replacement, r.flags)
                 for r in getattr(config, "rewrite_rules", ())]
        option = config.option  # type: ignore[attr-defined]
        qualify = str(option("qualify_domain") or "")
        return cls(rules, qualify_recipient=str(option("qualify_recipient") or qualify),
                   qualify_sender=qualify, log_selector=str(option("log_selector") or ""))

    # ------------------------------------------------------------------ one address

    def qualify(self, address: str, is_recipient: bool) -> str:
        """Exim's rewrite_address_qualify."""
        if find_at(address) >= 0:
            return address
        domain = self.qualify_recipient if is_recipient else self.qualify_sender
        return f"{address}@{domain}"

    def rewrite_one(self, subject: str, flag: int, ctx: object, *,
                    log: LogFunction | None = None, header: bool = False,
                    trace: Callable[[str], object] | None = None) -> str:
        """Apply the rules for *flag* to one address (Exim's rewrite_one without whole-
        address handling); returns the new address, or *subject* when unchanged."""
        new, _whole = self._rewrite(subject, flag, ctx, log=log, header=False, trace=trace)
        return new

    def rewrite_address(self, address: str, is_recipient: bool, ctx: object, *,
                        log: LogFunction | None = None) -> str:
        """Qualify, then rewrite an envelope address (Exim's rewrite_address)."""
        flag = ENVTO if is_recipient else ENVFROM
        address = self.qualify(address, is_recipient)
        if self.exists & flag:
            address = self.rewrite_one(address, flag, ctx, log=log)
        return address

    def _rewrite(self, subject: str, flag: int, ctx: object, *, log: LogFunction | None,
                 header: bool, trace: Callable[[str], object] | None = None
                 ) -> tuple[str, tuple[int, int] | None]:
        """rewrite_one. Returns (result, (start, end) of the address in it when the
        whole header address was replaced -- None otherwise)."""
        from pyexim import lists
        from pyexim.expand import ExpansionError, ForcedFail, expand_string
        yield_ = subject
        whole: tuple[int, int] | None = None
        done = False
        for number, rule in enumerate(self.rules, 1):
            if done:
                break
            if not rule.flags & flag:
                continue
            count = 0
            while True:
                if flag & SMTP:
                    try:
                        key = expand_string(rule.key, ctx)  # type: ignore[arg-type]
                    except ForcedFail:
                        break
                    except ExpansionError as error:
                        if log:
                            log(f'failed to expand "{rule.key}" while checking for SMTP '
                                f"rewriting: {error.text}", panic=True)
                        break
                    result = lists.match_string_list(subject, key, ctx,  # type: ignore
                                                     caseless=True, single_item=True)
                    if not result.matched:
                        break
                    ctx.match_strings = list(result.captures)  # type: ignore[attr-defined]
                    new = self._expand(rule, ctx, None, log)
                else:
                    result = lists.match_address(subject, rule.key, ctx,  # type: ignore
                                                 caseless=False, expand=True,
                                                 expand_setup=0, single_item=True)
                    if not result.matched:
                        break
                    if rule.replacement == "*":
                        return yield_, whole
                    ctx.match_strings = list(result.captures)  # type: ignore[attr-defined]
                    at = subject.rfind("@")
                    new = self._expand(rule, ctx, (subject[:at], subject[at + 1:]), log)
                if new is _FORCED:
                    done = bool(rule.flags & QUIT)
                    break
                if new is None:
                    return yield_, whole
                assert isinstance(new, str)
                sender_ok = flag in (ENVFROM, SMTP | SMTP_SENDER)
                try:
                    found = extract_address(new, allow_null=sender_ok)
                except AddressError as error:
                    if log:
                        log(f"Rewrite of {subject} yielded unparseable address: {error} in "
                            f"address {new}", panic=True)
                    return yield_, whole
                parsed, start, end = found.address, found.start, found.end
                if found.domain == 0 and (parsed or not sender_ok):
                    if not rule.flags & QUALIFY:
                        if log:
                            log(f'Rewrite of {subject} yielded unqualified address "{new}"',
                                panic=True)
                        return yield_, whole
                    qualified = self.qualify(parsed, True)
                    new = new[:start] + qualified + new[end:]
                    parsed, end = qualified, start + len(qualified)
                if self.log_rewrites and log:
                    log(f'"{yield_}" from {_WHERE.get(flag, "?")} rewritten as "{new}" by '
                        f"rule {number}", selector="address_rewrite")
                if trace is not None:
                    trace(f"{subject} rewritten as {new}")
                if header and flag & ALL_HEADERS and (rule.flags & WHOLE or whole):
                    if rule.flags & WHOLE:
                        new, start, end = _fix_whole(new, start, end, len(parsed))
                        yield_, whole = new, (start, end)
                    else:
                        assert whole is not None
                        yield_ = yield_[:whole[0]] + parsed + yield_[whole[1]:]
                        whole = (whole[0], whole[0] + len(parsed))
                    subject = parsed
                else:
                    subject = yield_ = parsed
                if rule.flags & QUIT:
                    done = True
                if rule.flags & REPEAT:
                    count += 1
                    if count <= 10:
                        continue
                    if log:
                        log("rewrite rule repeat ignored after 10 times", panic=True)
                break
        ctx.match_strings = []  # type: ignore[attr-defined]
        return yield_, whole

    def _expand(self, rule: Rule, ctx: object, parts: tuple[str, str] | None,
                log: LogFunction | None) -> str | object | None:
        """The expanded replacement; _FORCED for a forced failure, None after an error."""
        from pyexim.expand import ExpansionError, ForcedFail, expand_string
        values = ctx.values  # type: ignore[attr-defined]
        saved = values.get("local_part"), values.get("domain")
        if parts is not None:
            values["local_part"], values["domain"] = parts
        try:
            return expand_string(rule.replacement, ctx)  # type: ignore[arg-type]
        except ForcedFail:
            return _FORCED
        except ExpansionError as error:
            if log:
                log(f"Expansion of {rule.replacement} failed while rewriting: "
                    f"{error.text}", panic=True)
            return None
        finally:
            if parts is not None:
                for name, value in zip(("local_part", "domain"), saved):
                    if value is None:
                        values.pop(name, None)
                    else:
                        values[name] = value

    # ------------------------------------------------------------------ header lines

    def rewrite_header(self, text: str, htype: str, ctx: object, *,
                       allow_unqualified_sender: bool, allow_unqualified_recipient: bool,
                       log: LogFunction | None = None) -> str | None:
        """The header line *text* (type flag *htype*) with its addresses qualified and
        rewritten (Exim's rewrite_header); None when nothing changed."""
        flag = HEADER_FLAGS.get(htype)
        if flag is None:
            return None
        colon = text.find(":")
        pos = colon + 1
        pos = span(text, " \t\n\v\f\r", pos)
        is_recipient = not flag & (SENDER | FROM | REPLYTO)
        group = GroupState(allow=True)
        changed_any = False
        lastnewline = 0
        while pos < len(text):
            end_at = find_address_end(text, pos)
            piece = text[pos:end_at]
            next_pos = end_at + 1 if end_at < len(text) else end_at
            next_pos = span(text, " \t\n\v\f\r", next_pos)
            try:
                found = extract_address(piece, group=group)
            except AddressError:
                pos = next_pos
                continue
            recipient, start, end = found.address, found.start, found.end
            new = self.qualify(recipient, is_recipient)
            changed = new != recipient
            if changed and not (allow_unqualified_recipient if is_recipient
                                else allow_unqualified_sender):
                pos = next_pos
                continue
            if self.exists & flag:
                rewritten, whole = self._rewrite(new, flag, ctx, log=log, header=True)
                if rewritten != new:
                    changed = True
                    new = rewritten
                    if whole is not None:
                        start, end = 0, end_at - pos
                        if piece[end - 1:end] == "\n":
                            end -= 1
            if not changed:
                pos = next_pos
                continue
            head = text[:pos + start] + new
            tail_start = pos + end
            middle = text[tail_start:next_pos]
            built = head + middle
            if len(new) > end - start and len(built) - lastnewline > 40:
                back = next_pos - 1
                while back >= 0 and text[back] in " \t":
                    back -= 1
                if back < 0 or text[back] != "\n":
                    lastnewline = len(built)
                    built += "\n\t"
            text = built + text[next_pos:]
            pos = len(built)
            changed_any = True
        return text if changed_any else None

    # ------------------------------------------------------------------ -brw

    def test(self, address: str, ctx: object, *, log: LogFunction | None = None) -> str:
        """What ``-brw address`` prints (Exim's rewrite_test); problems go to *log*."""
        if not self.exists:
            return "No rewrite rules are defined\n"
        out: list[str] = []
        done_smtp = False
        if self.exists & SMTP:
            new = self.rewrite_one(address, SMTP | SMTP_SENDER, ctx, log=log)
            if new != address:
                out.append(f"    SMTP: {new or '<>'}\n")
                done_smtp = True
        if not self.exists & ~SMTP:
            return "".join(out)
        if find_at(address) < 0:
            address = f"{address}@{self.qualify_recipient}"
        try:
            found = extract_address(address)
        except AddressError as error:
            if not done_smtp:
                message = str(error)
                out.append(f"Syntax error in {address}\n{message[:1].upper()}{message[1:]}\n")
            return "".join(out)
        for index, label in enumerate(_TEST_NAMES):
            flag = 1 << index
            new, whole = self._rewrite(found.address, flag, ctx, log=log, header=True)
            if not new:
                shown = "<>"
            elif whole is not None or not flag & ALL_HEADERS:
                shown = new
            else:
                shown = address[:found.start] + new + address[found.end:]
            out.append(f"{label}: {shown}\n")
        return "".join(out)


def _fix_whole(new: str, start: int, end: int, length: int) -> tuple[str, int, int]:
    """A whole-address replacement ``phrase <address> rest``: make its phrase parts
    valid, and find the address in the result (Exim: the w flag in rewrite_one)."""
    if start > 0 and new[start - 1] == "<":
        p1 = start - 1
        while p1 > 0 and new[p1 - 1] == " ":
            p1 -= 1
        p2 = end + 1
        while p2 < len(new) and new[p2] == " ":
            p2 += 1
        before = fix_phrase(new[:p1])
        after = fix_phrase(new[p2:])
        start = len(before) + start - p1
        new = before + new[p1:p2] + after
        end = start + length
    return new, start, end


_PHRASE_SPECIALS = frozenset(")<>@,;:\\.[]")


def fix_phrase(phrase: str) -> str:
    """A display name made a valid RFC 2822 phrase (a simplified parse_fix_phrase):
    leading white space dropped, quoted when it holds specials outside quotes."""
    phrase = phrase.lstrip(" \t\n\v\f\r")
    if any(ord(c) < 32 and c != "\t" or ord(c) > 126 for c in phrase):
        from pyexim.expand.rfc2047 import quote_2047
        return quote_2047(phrase, None)
    outside_quotes = phrase.split('"')[::2]
    if not any(c in _PHRASE_SPECIALS for part in outside_quotes for c in part):
        return phrase
    escaped = phrase.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


__all__ = ["ALL", "ALL_ENVELOPE", "ALL_HEADERS", "BCC", "CC", "ENVFROM", "ENVTO", "FROM",
           "HEADER_FLAGS", "QUALIFY", "QUIT", "REPEAT", "REPLYTO", "Rewriter", "Rule",
           "SENDER", "SMTP", "SMTP_SENDER", "TO", "WHOLE", "fix_phrase"]
