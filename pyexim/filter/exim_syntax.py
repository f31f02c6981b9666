"""Reading an Exim filter file into commands (spec: "Exim filter files"; Exim: filter.c).

The language has no real grammar: it is defined by Exim's scanner. A word ends at
white space (and, inside conditions, at a bracket), so ``abc#def`` is one word but
``abc #def`` is a word and a comment; a quoted string ends at its quote or at the
end of the line; ``is`` may be a comparison word or, in ``$x is not is``, the
thing compared. Error messages quote the scanner's line counter at the moment the
error is noticed, which has often moved past the newline after the offending word.
Lark's lexer cannot reproduce those line numbers or Exim's "first error set, later
one may overwrite it" behaviour, so this is a hand-written scanner that keeps the
same state Exim keeps (position, line, pending error) and mirrors its order of
checks. The whole file is read before anything runs, as in Exim.

:func:`parse_exim_filter` returns the command list, or raises :class:`FilterSyntaxError`
carrying Exim's message.
"""

from __future__ import annotations

from pyexim.record import field, record
from pyexim.strings import C_SPACE, c_int32, interpret_escape, strtol

# Exim reads every word and string into a 1024-byte buffer.
_BUFFER_SIZE = 1024


class FilterSyntaxError(Exception):
    """The filter file cannot be read; the message is Exim's, with its line number."""


# ----- conditions -----------------------------------------------------------------

@record
class Condition:
    """Base of condition nodes. ``positive`` is False when the test is negated."""

    positive: bool = field(default=True, kw_only=True)


@record
class Compare(Condition):
    """``left <op> right``: op is a word of COMPARE_WORDS' values (upper case = case-sensitive)."""

    op: str
    left: str
    right: str


@record
class Flag(Condition):
    """``delivered``, ``error_message``, ``first_delivery`` or ``manually_thawed``."""

    name: str


@record
class Personal(Condition):
    """``personal [alias X]...``."""

    aliases: list[str]


@record
class ForAnyAddress(Condition):
    """``foranyaddress <string> (<condition>)``: the string is an address list."""

    addresses: str
    condition: Condition


@record
class And(Condition):
    left: Condition
    right: Condition


@record
class Or(Condition):
    left: Condition
    right: Condition


# The comparison words Exim accepts after the left operand (filter.c cond_words),
# mapped to the canonical operator: lower case ignores case, upper case does not.
COMPARE_WORDS = {
    "BEGIN": "BEGINS", "BEGINS": "BEGINS", "CONTAIN": "CONTAINS", "CONTAINS": "CONTAINS",
    "END": "ENDS", "ENDS": "ENDS", "IS": "IS", "MATCH": "MATCHES", "MATCHES": "MATCHES",
    "above": "above", "begin": "begins", "begins": "begins", "below": "below",
    "contain": "contains", "contains": "contains", "end": "ends", "ends": "ends",
    "is": "is", "match": "matches", "matches": "matches",
}

_FLAG_WORDS = ("delivered", "error_message", "first_delivery", "manually_thawed")


# ----- commands -------------------------------------------------------------------

@record(kw_only=True)
class Command:
    """Base of command nodes: ``seen``/``noerror`` as set by a preceding keyword or default."""

    seen: bool = False
    noerror: bool = False


@record(kw_only=True)
class Add(Command):
    value: str
    variable: str


@record(kw_only=True)
class Deliver(Command):
    address: str
    errors_to: str | None = None


@record(kw_only=True)
class Save(Command):
    path: str
    mode: int = -1          # -1: no mode given


@record(kw_only=True)
class Pipe(Command):
    command: str


@record(kw_only=True)
class Logfile(Command):
    path: str
    mode: int = -1


@record(kw_only=True)
class Logwrite(Command):
    text: str               # always ends in a newline (Exim adds one)


@record(kw_only=True)
class Testprint(Command):
    text: str


@record(kw_only=True)
class Headers(Command):
    action: str             # "add", "remove" or "charset"
    value: str


@record(kw_only=True)
class Finish(Command):
    """``finish``, or ``defer``/``fail``/``freeze`` (``kind``) with their optional text."""

    kind: str = "finish"
    text: str | None = None


@record(kw_only=True)
class If(Command):
    """``if``; an ``elif`` is another If as the only command of ``otherwise``."""

    condition: Condition
    then: list[Command]
    otherwise: list[Command]


# The string options of mail/vacation in Exim's order (filter.c mailargs).
MAIL_KEYWORDS = ("to", "cc", "bcc", "from", "reply_to", "subject", "extra_headers", "text",
                 "file", "log", "once", "once_repeat")

# vacation's defaults for options it was not given (filter.xfpt "Mail commands").
VACATION_DEFAULTS = {"log": ".vacation.log", "once": ".vacation", "once_repeat": "7d",
                     "subject": "On vacation"}


@record(kw_only=True)
class Mail(Command):
    """``mail`` or ``vacation``: keyword -> unexpanded value, in MAIL_KEYWORDS."""

    vacation: bool = False
    args: dict[str, str] = field(default_factory=dict)
    expand_file: bool = False
    return_message: bool = False


# Commands whose default is "seen" (filter.c command_exparg_count top bit).
_SEEN_BY_DEFAULT = ("deliver", "pipe", "save")

_COMMAND_WORDS = ("add", "defer", "deliver", "elif", "else", "endif", "finish", "fail",
                  "freeze", "headers", "if", "logfile", "logwrite", "mail", "noerror",
                  "pipe", "save", "seen", "testprint", "unseen", "vacation")


def c_strtol_int(text: str, base: int) -> tuple[int, str]:
    """``(int)strtol(text, &end, base)``: the value cast to a C int, and the unread rest.

    Base 0 picks 16 for ``0x``, 8 for a leading 0, else 10, as C does.
    """
    value, end, _overflow = strtol(text, base)
    return c_int32(value), text[end:] if end else text


class _Reader:
    """Exim's filter scanner state: the text, a position, the line counter, the pending error.

    Where Exim reads a word ahead and backs up (``personal alias``, ``deliver ...
    errors_to``, mail keywords, ``is <string>``, the optional ``text`` of ``defer``),
    it restores the position but not the line counter, so newlines after the word
    read ahead are counted twice and later error messages name a later line. That
    is copied on purpose: the backing-up code restores ``pos`` only.
    """

    def __init__(self, text: str, system_filter: bool, permitted: frozenset[str]):
        # C strings end at the first NUL byte; so does the filter.
        self.text = text.split("\0", 1)[0]
        self.pos = 0
        self.line = 1
        self.error: str | None = None
        self.system_filter = system_filter
        self.permitted = permitted
        # The "seen"/"unseen"/"noerror" prefix state and the if-nesting state.
        self.seen_force = False
        self.seen_value = False
        self.noerror_force = False
        self.expect_endif = 0
        self.had = "neither"     # "neither", "else", "elif", "endif"

    # --- characters --------------------------------------------------------------
    def char(self, offset: int = 0) -> str:
        index = self.pos + offset
        return self.text[index] if index < len(self.text) else ""

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def skip_white(self) -> None:
        """Skip white space and comments, counting lines (Exim's nextsigchar)."""
        text = self.text
        while True:
            while self.pos < len(text) and text[self.pos] in C_SPACE:
                if text[self.pos] == "\n":
                    self.line += 1
                self.pos += 1
            if self.pos < len(text) and text[self.pos] == "#":
                newline = text.find("\n", self.pos)
                self.pos = len(text) if newline < 0 else newline
                continue
            return

    def word(self, bracket: bool) -> str:
        """A word ending at white space (and at brackets when *bracket*); Exim's nextword."""
        text = self.text
        start = self.pos
        stops = C_SPACE + "()" if bracket else C_SPACE
        while self.pos < len(text) and text[self.pos] not in stops:
            if self.pos - start >= _BUFFER_SIZE - 1:
                self.error = (f"word is too long in line {self.line} of filter file "
                              f"(max = {_BUFFER_SIZE} chars)")
                break
            self.pos += 1
        result = text[start:self.pos]
        self.skip_white()
        return result

    def item(self, bracket: bool) -> str:
        """A word or a quoted string with escapes; Exim's nextitem."""
        if self.char() != '"':
            return self.word(bracket)
        text = self.text
        out: list[str] = []
        while True:
            self.pos += 1
            ch = self.char()
            if ch in ("", '"', "\n"):
                break
            if len(out) >= _BUFFER_SIZE - 1:
                self.error = (f"string is too long in line {self.line} of filter file "
                              f"(max = {_BUFFER_SIZE} chars)")
                break
            if ch != "\\":
                out.append(ch)
                continue
            if self.char(1) in C_SPACE and self.char(1) != "":
                # Backslash, optional white space, newline: a continuation; the next
                # line's leading white space is dropped too.
                p = self.pos + 1
                while p < len(text) and text[p] != "\n" and text[p] in C_SPACE:
                    p += 1
                if p < len(text) and text[p] == "\n":
                    self.line += 1
                    self.pos = p
                    while self.char(1) not in ("\n", "") and self.char(1) in C_SPACE:
                        self.pos += 1
                    continue
            escaped, self.pos = interpret_escape(text, self.pos)
            out.append(escaped)
        if self.char() == '"':
            self.pos += 1
        elif self.error is None:
            self.error = f"quote missing at end of string in line {self.line}"
        self.skip_white()
        # The buffer is a C string: an escaped NUL ends it.
        return "".join(out).split("\0", 1)[0]

    def fail(self, message: str) -> None:
        self.error = message

    # --- conditions --------------------------------------------------------------
    def condition(self, toplevel: bool) -> Condition | None:
        """Read a condition up to ``then`` (top level) or ``)``; Exim's read_condition."""
        positive = True
        terms: list[Condition] = []     # operands; ops[i] joins terms[i] and terms[i + 1]
        ops: list[str] = []
        while True:
            if self.at_end():
                self.fail('"then" missing at end of filter file')
                break
            if self.char() == "(":
                self.pos += 1
                self.skip_white()
                sub = self.condition(False)
                if self.error is not None:
                    break
                if self.char() != ")":
                    self.fail(f'expected ")" in line {self.line} of filter file')
                    break
                assert sub is not None
                if not positive:
                    sub.positive = not sub.positive
                    positive = True
                self.pos += 1
                self.skip_white()
                current = sub
            elif self.char() == ")":
                self.fail(f'unexpected ")" in line {self.line} of filter file')
                break
            else:
                word = self.item(True)
                if self.error is not None:
                    break
                if word == "then":
                    self.fail(f'unexpected "then" near line {self.line} of filter file')
                    break
                if word == "not":
                    positive = not positive
                    continue
                leaf = self._leaf_condition(word, positive)
                positive = True
                if leaf is None:
                    break
                current = leaf
            terms.append(current)
            if self.char() == ")":
                if toplevel:
                    self.fail(f'unexpected ")" in line {self.line} of filter file')
                break
            if self.char() == "(":
                self.fail(f'unexpected "(" in line {self.line} of filter file')
                break
            joiner = self.word(False)
            if self.error is not None:
                break
            if joiner == "then":
                if not toplevel:
                    self.fail(f'missing ")" at end of condition near line {self.line} '
                              f"of filter file")
                break
            if joiner not in ("and", "or"):
                expected = "then" if toplevel else ")"
                self.fail(f'"and" or "or" or "{expected}" expected near line {self.line} '
                          f'of filter file, but found "{joiner}"')
                break
            ops.append(joiner)
        self.skip_white()
        return _combine(terms, ops) if terms and self.error is None else None

    def _leaf_condition(self, word: str, positive: bool) -> Condition | None:
        """The condition that starts with *word*; None with the error set."""
        if word in _FLAG_WORDS:
            return Flag(word, positive=positive)
        if word == "personal":
            aliases: list[str] = []
            while True:
                saved = self.pos
                keyword = self.word(True)
                if self.error is not None:
                    return None
                if keyword != "alias":
                    self.pos = saved
                    break
                alias = self.item(True)
                if self.error is not None:
                    return None
                aliases.append(alias)
            return Personal(aliases, positive=positive)
        if word == "foranyaddress":
            addresses = self.item(True)
            if self.error is not None:
                return None
            if self.char() != "(":
                self.fail(f'"(" expected after "foranyaddress" near line {self.line} '
                          f"of filter file")
                return None
            self.pos += 1
            self.skip_white()
            sub = self.condition(False)
            if self.error is not None:
                return None
            if self.char() != ")":
                self.fail(f'expected ")" in line {self.line} of filter file')
                return None
            self.pos += 1
            self.skip_white()
            assert sub is not None
            return ForAnyAddress(addresses, sub, positive=positive)
        return self._comparison(word, positive)

    def _comparison(self, left: str, positive: bool) -> Condition | None:
        """``left [is|does] [not] <word> right``, including the ``is <string>`` form."""
        op: str | None = None
        after_is: int | None = None   # where to re-read if "is" was the operand
        word = self.word(True)
        if self.error is not None:
            return None
        if word.lower() in ("does", "is"):
            if word[0] == "i":
                op, after_is = "is", self.pos
            elif word[0] == "I":
                op, after_is = "IS", self.pos
            word = self.word(True)
            if self.error is not None:
                return None
            if word.lower() == "not":
                positive = not positive
                if after_is is not None:
                    after_is = self.pos
                word = self.word(True)
                if self.error is not None:
                    return None
        if word in COMPARE_WORDS:
            op = COMPARE_WORDS[word]
        else:
            if after_is is None:
                self.fail(f'unrecognized condition word "{word}" near line {self.line} '
                          f"of filter file")
                return None
            self.pos = after_is
        right = self.item(True)
        if self.error is not None:
            return None
        assert op is not None
        return Compare(op, left, right, positive=positive)

    # --- commands ----------------------------------------------------------------
    def command_list(self, conditional: bool) -> list[Command] | None:
        """Commands up to end of file, or (conditional) to else/elif/endif; Exim's read_command_list."""
        commands: list[Command] = []
        if conditional:
            self.expect_endif += 1
        self.had = "neither"
        while not self.at_end() and self.had == "neither":
            if not self.command(commands):
                return None
            self.skip_white()
        if conditional:
            self.expect_endif -= 1
            if self.had == "neither":
                self.fail('"endif" missing at end of filter file')
                return None
        return commands

    def command(self, commands: list[Command]) -> bool:
        """Read one command onto *commands*; False (error set) on failure. Exim's read_command."""
        prefix_word = False
        ok = True
        if self.text.startswith("if(", self.pos):
            name = "if"
            self.pos += 2
        elif self.text.startswith("elif(", self.pos):
            name = "elif"
            self.pos += 4
        else:
            name = self.word(False)
            if self.error is not None:
                return False

        if name in ("add", "headers"):
            if self.seen_force or self.noerror_force:
                self.fail(f'"seen", "unseen", or "noerror" found before an "{name}" command '
                          f"near line {self.line}")
                ok = False
            ok = self._argument_command(name, commands) and ok
        elif name in ("deliver", "logfile", "logwrite", "pipe", "save", "testprint"):
            ok = self._argument_command(name, commands)
        elif name in ("elif", "else", "endif"):
            if self.seen_force or self.noerror_force:
                self.fail(f'"seen", "unseen", or "noerror" near line {self.line} is not '
                          f"followed by a command")
                ok = False
            if self.expect_endif > 0:
                self.had = name
            else:
                self.fail(f'unexpected "{name}" command near line {self.line} of filter file')
                ok = False
        elif name in ("defer", "fail", "freeze"):
            ok = self._stop_command(name, commands)
        elif name == "finish":
            commands.append(Finish(seen=self.seen_value if self.seen_force else False))
        elif name == "if":
            ok = self._if_command(commands)
        elif name in ("mail", "vacation"):
            ok = self._mail_command(name, commands)
        elif name in ("seen", "unseen"):
            if self.at_end():
                self.fail(f'"seen" or "unseen" near line {self.line} is not followed by a command')
                ok = False
            if self.seen_force:
                self.fail(f'"seen" or "unseen" repeated near line {self.line}')
                ok = False
            self.seen_value = name == "seen"
            self.seen_force = True
            prefix_word = True
        elif name == "noerror":
            if self.at_end():
                self.fail(f'"noerror" near line {self.line} is not followed by a command')
                ok = False
            self.noerror_force = True
            prefix_word = True
        else:
            self.fail(f'unknown filtering command "{name}" near line {self.line} of filter file')
            ok = False
        if not prefix_word:
            self.seen_force = False
            self.noerror_force = False
        return ok

    def _seen(self, name: str) -> bool:
        return self.seen_value if self.seen_force else name in _SEEN_BY_DEFAULT

    def _argument_command(self, name: str, commands: list[Command]) -> bool:
        """add, headers, deliver, logfile, logwrite, pipe, save, testprint."""
        ok = True
        argument = self.item(False)
        if not argument:
            self.fail(f'"{name}" requires an argument near line {self.line} of filter file')
        if self.error is not None:
            return False
        built: Command | None = None
        seen, noerror = self._seen(name), self.noerror_force
        if name == "add":
            to = self.item(False)
            if to != "to":
                self.fail(f'"to" expected in "add" command near line {self.line} of filter file')
            else:
                variable = self.item(False)
                if not variable:
                    self.fail(f'value missing after "to" near line {self.line} of filter file')
                else:
                    built = Add(value=argument, variable=variable, seen=seen, noerror=noerror)
        elif name == "headers":
            if argument not in ("add", "remove", "charset"):
                self.fail(f'"add", "remove", or "charset" expected after "headers" near line '
                          f"{self.line} of filter file")
                ok = False
            # An unknown word counts as add/remove here: Exim's check reads the
            # unset flag, which is "not charset".
            if not self.system_filter and argument != "charset":
                self.fail(f"header addition and removal is available only in system filters: "
                          f"near line {self.line} of filter file")
                return False
            if ok:
                value = self.item(False)
                if not value:
                    self.fail(f'value missing after "add", "remove", or "charset" near line '
                              f"{self.line} of filter file")
                else:
                    built = Headers(action=argument, value=value, seen=seen, noerror=noerror)
        elif name == "logwrite":
            text = argument if argument.endswith("\n") else argument + "\n"
            built = Logwrite(text=text, seen=seen, noerror=noerror)
        elif name in ("save", "logfile"):
            mode = -1
            if self.char() in "0123456789" and self.char() != "":
                mode, _ = c_strtol_int(self.word(False), 8)
            built = (Save(path=argument, mode=mode, seen=seen, noerror=noerror) if name == "save"
                     else Logfile(path=argument, mode=mode, seen=seen, noerror=noerror))
        elif name == "deliver":
            errors_to = None
            saved = self.pos
            if self.word(False) == "errors_to":
                errors_to = self.word(False)
            else:
                self.pos = saved
            built = Deliver(address=argument, errors_to=errors_to, seen=seen, noerror=noerror)
        elif name == "pipe":
            built = Pipe(command=argument, seen=seen, noerror=noerror)
        else:
            built = Testprint(text=argument, seen=seen, noerror=noerror)
        if self.error is not None:
            return False
        assert built is not None
        commands.append(built)
        return ok

    def _stop_command(self, name: str, commands: list[Command]) -> bool:
        """defer, fail, freeze: only where the caller permits them; optional text."""
        if name not in self.permitted:
            self.fail(f'filtering command "{name}" is disabled: near line {self.line} '
                      f"of filter file")
            return False
        start = self.pos
        quoted = self.char() == '"'
        text = self.item(False)
        if not quoted and text != "text":
            self.pos = start
            text = ""
        elif not quoted:
            text = self.item(False)
        # These never count as "seen", whatever precedes them.
        commands.append(Finish(kind=name, text=text, seen=False))
        return True

    def _if_command(self, commands: list[Command]) -> bool:
        if self.seen_force or self.noerror_force:
            self.fail(f'"seen", "unseen", or "noerror" found before an "if" command '
                      f"near line {self.line}")
            # Exim carries on reading, but the error stands.
        node = self._if_branch()
        if node is not None:
            commands.append(node)
        self.had = "neither"
        return node is not None and self.error is None

    def _if_branch(self) -> If | None:
        """A condition and its commands, then any elif/else chain up to endif."""
        condition = self.condition(True)
        if self.error is not None:
            return None
        assert condition is not None
        then = self.command_list(True)
        if then is None:
            return None
        node = If(condition=condition, then=then, otherwise=[])
        if self.had == "elif":
            nested = self._if_branch()
            if nested is None:
                return None
            node.otherwise = [nested]
        elif self.had == "else":
            otherwise = self.command_list(True)
            if otherwise is None:
                return None
            if self.had != "endif":
                self.fail(f'"endif" missing near line {self.line} of filter file')
                return None
            node.otherwise = otherwise
        return node

    def _mail_command(self, name: str, commands: list[Command]) -> bool:
        node = Mail(vacation=name == "vacation", seen=self.seen_value if self.seen_force else False,
                    noerror=self.noerror_force)
        ok = True
        while True:
            saved = self.pos
            keyword = self.word(False)
            if self.error is not None:
                ok = False
                break
            if keyword == "return":
                node.return_message = True
                if self.word(False) != "message":
                    self.fail(f'"return" not followed by "message"  near line {self.line} '
                              f"of filter file")
                    ok = False
                    break
                continue
            if keyword == "expand":
                node.expand_file = True
                keyword = self.word(False)
                if keyword != "file":
                    self.fail(f'"expand" not followed by "file"  near line {self.line} '
                              f"of filter file")
                    ok = False
                    break
            if keyword not in MAIL_KEYWORDS:
                self.pos = saved
                break
            value = self.item(False)
            if self.error is not None:
                ok = False
                break
            node.args[keyword] = value
        if node.vacation:
            if "file" not in node.args:
                node.args["file"] = ".vacation.msg"
                node.expand_file = True
            for keyword, default in VACATION_DEFAULTS.items():
                node.args.setdefault(keyword, default)
        commands.append(node)
        return ok


def _combine(terms: list[Condition], ops: list[str]) -> Condition:
    """Join terms with their and/or operators; "and" binds tighter, both group to the right."""
    # Split at "or", fold each run of "and"s, then fold the "or"s; right-nested like Exim's tree.
    groups: list[list[Condition]] = [[terms[0]]]
    for op, term in zip(ops, terms[1:]):
        if op == "or":
            groups.append([term])
        else:
            groups[-1].append(term)

    def fold_and(run: list[Condition]) -> Condition:
        result = run[-1]
        for term in reversed(run[:-1]):
            result = And(term, result)
        return result

    folded = [fold_and(run) for run in groups]
    result = folded[-1]
    for term in reversed(folded[:-1]):
        result = Or(term, result)
    return result


@record
class ParsedFilter:
    """A filter file read into commands.

    ``pending_error`` is an error Exim noticed without stopping: the text of a
    ``defer``/``fail``/``freeze`` with a missing closing quote is read, reading goes
    on, and the error surfaces only when the next ``if`` runs (Exim tests its error
    pointer there). Copied on purpose; it is None for every well-formed file.
    """

    commands: list[Command]
    pending_error: str | None = None


def parse_exim_filter(text: str, *, system_filter: bool = False,
                      permitted: frozenset[str] = frozenset()) -> ParsedFilter:
    """Read a whole Exim filter file into its command list.

    *system_filter* allows ``headers add``/``headers remove``; *permitted* names which
    of ``defer``, ``fail``, ``freeze`` may be used (Exim's RDO_DEFER/FAIL/FREEZE).
    Raises FilterSyntaxError with Exim's message (as ``Filter error:`` would show it).
    """
    reader = _Reader(text, system_filter, permitted)
    reader.skip_white()
    commands = reader.command_list(False)
    if commands is None:
        raise FilterSyntaxError(reader.error or "syntax error")
    return ParsedFilter(commands, reader.error)
