"""Running an Exim filter (spec: "Exim filter files"; Exim: filter.c interpret_commands).

The commands read by :mod:`pyexim.filter.exim_syntax` are obeyed in order against a
:class:`~pyexim.filter.env.FilterEnv`. In testing mode (``-bf``/``-bF``) nothing is
set up for delivery: each action is described on the report callback in Exim's exact
words instead, and ``testprint`` output appears. Errors inside the run are raised as
:class:`FilterRunError` and become an ERROR outcome at the single catch point in
:func:`run_exim_filter`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable

from pyexim.address import AddressError, extract_address
from pyexim.filter.addresses import address_list
from pyexim.filter.env import Envelope, FilterEnv, FilterExpansionError, FilterVariables
from pyexim.filter.exim_syntax import (
    MAIL_KEYWORDS,
    Add,
    And,
    Command,
    Compare,
    Condition,
    Deliver,
    Finish,
    Flag,
    ForAnyAddress,
    Headers,
    If,
    Logfile,
    Logwrite,
    Mail,
    Or,
    ParsedFilter,
    Personal,
    Pipe,
    Save,
    Testprint,
    c_strtol_int,
)
from pyexim.filter.matching import get_number, strstric
from pyexim.filter.personal import is_personal
from pyexim.filter.result import OUTCOME_REPORT, FilterResult, Generated, Kind, Outcome, Reply
from pyexim.record import record
from pyexim.regex import RegexError, compile_pcre, groups_of
from pyexim.strings import c_int32, list_items, lower, printing, strcmpic
from pyexim.timevalue import read_time

Report = Callable[[str], None]


class FilterRunError(Exception):
    """Running the filter failed; the message is Exim's (shown after ``Filter error:``)."""


class _Stop(Exception):
    """defer / fail / freeze: filtering ends with this outcome and text."""

    def __init__(self, outcome: str, text: str):
        super().__init__(text)
        self.outcome = outcome
        self.text = text


@record(frozen=True)
class EximFilterOptions:
    """How the filter is run: Exim's RDO_* options and the testing switches.

    ``log`` is what ``logwrite`` does: "write" (RDO_REALLOG: append to the logfile),
    "forbid" (RDO_LOG: an error) or "skip" (verifying or testing).
    ``system_variables`` are the values of $sn0..$sn9 (the system filter's $n0..$n9).
    ``testing`` selects -bf output; ``verbose`` adds the condition trace (-v) on *trace*.
    """

    system_filter: bool = False
    permitted: frozenset[str] = frozenset()    # of "defer", "fail", "freeze"
    log: str = "skip"
    prepend_home: bool = False
    system_variables: tuple[int, ...] = (0,) * 10
    testing: bool = False
    verbose: bool = False


# The argument strings each command expands before it runs, by its Exim name.
_EXPANDED = {"add": ("value", "variable"), "deliver": ("address", "errors_to"),
             "headers": ("value",), "logfile": ("path",), "logwrite": ("text",),
             "save": ("path",), "testprint": ("text",)}


def _name(command: Command) -> str:
    """The command word Exim's messages use."""
    if isinstance(command, Mail):
        return "vacation" if command.vacation else "mail"
    if isinstance(command, Finish):
        return command.kind
    return type(command).__name__.lower()


class _Run:
    """The state of one filter run (Exim keeps it in statics of filter.c)."""

    def __init__(self, env: FilterEnv, envelope: Envelope, options: EximFilterOptions,
                 report: Report, trace: Report, pending_error: str | None,
                 numeric: tuple[str, ...]):
        self.env = env
        self.envelope = envelope
        self.options = options
        self.report = report if options.testing else (lambda line: None)
        self.trace = trace if options.verbose else (lambda line: None)
        self.pending_error = pending_error
        self.n = [0] * 10
        self.this_address: str | None = None
        # $0, $1... from the last successful regex match, "matches" or earlier (None: unset).
        self.numeric: list[str] | None = list(numeric) if numeric else None
        self.delivered = False
        self.finished = False
        self.indent = 0
        self.log_path: str | None = None
        self.log_mode = 0o600
        self.log_fd: int | None = None
        self.generated: list[Generated] = []

    # --- expansion ---------------------------------------------------------------
    def variables(self) -> FilterVariables:
        return FilterVariables(self.n, self.options.system_variables, self.this_address,
                               self.numeric or ())

    def expand(self, text: str, where: str) -> str:
        try:
            return self.env.expand(text, self.variables())
        except FilterExpansionError as error:
            raise FilterRunError(f'failed to expand "{text}" in {where}: {error}') from None

    # --- conditions --------------------------------------------------------------
    def test(self, cond: Condition, toplevel: bool) -> bool:
        # Exim does not evaluate the right side once an error is pending.
        if isinstance(cond, And):
            result = (self.test(cond.left, False) and self.pending_error is None
                      and self.test(cond.right, False))
        elif isinstance(cond, Or):
            result = self.test(cond.left, False) or (
                self.pending_error is None and self.test(cond.right, False))
        elif isinstance(cond, Personal):
            result = False
            if not self.options.system_filter:
                result = is_personal(self.env.header_lines(), self.envelope, cond.aliases,
                                     scan_cc=False)
                # Exim's test rewrites the user's address first, and rewriting
                # unsets $0, $1... on the way: so does the test here.
                self.numeric = None
        elif isinstance(cond, Flag):
            result = self.flag(cond.name)
        elif isinstance(cond, ForAnyAddress):
            result = self.for_any_address(cond)
        else:
            assert isinstance(cond, Compare)
            result = self.compare(cond)
        outcome = result == cond.positive
        self.trace(f"{' ' * self.indent} {'C' if toplevel else 'Sub-c'}ondition is "
                   f"{'true' if outcome else 'false'}: {describe(cond, True)} ")
        return outcome

    def flag(self, name: str) -> bool:
        env = self.envelope
        if name == "delivered":
            return self.delivered
        if name == "error_message":
            return bool(env.message_id) and not env.sender_address
        if name == "first_delivery":
            return self.options.testing or not env.message_id or env.first_delivery
        return bool(env.message_id) and env.manually_thawed

    def for_any_address(self, cond: ForAnyAddress) -> bool:
        text = self.expand(cond.addresses, "filter file")
        # Exim goes on with the next address after an error in the sub-condition,
        # so the last error is the one reported.
        error: FilterRunError | None = None
        result = False
        for extracted in address_list(text, groups=True):
            if extracted is None:
                continue
            address = extracted.address
            self.this_address = address
            self.trace(f"{' ' * self.indent} Extracted address {address}")
            try:
                result = self.test(cond.condition, False)
            except FilterRunError as failure:
                error, result = failure, False
            if result:
                break
        if error is not None:
            raise error
        return result

    def compare(self, cond: Compare) -> bool:
        left = self.expand(cond.left, "filter file")
        right = self.expand(cond.right, "filter file")
        op = cond.op
        if op == "is":
            return strcmpic(left, right) == 0
        if op == "IS":
            return left == right
        if op == "contains":
            return strstric(left, right) >= 0
        if op == "CONTAINS":
            return right in left
        if op == "begins":
            return lower(left).startswith(lower(right))
        if op == "BEGINS":
            return left.startswith(right)
        if op == "ends":
            return len(right) <= len(left) and lower(left).endswith(lower(right))
        if op == "ENDS":
            return left.endswith(right)
        if op in ("matches", "MATCHES"):
            self.trace(" Match expanded arguments:")
            self.trace(f"   Subject = {left}")
            self.trace(f"   Pattern = {right}")
            try:
                regex = compile_pcre(right, caseless=op == "matches")
            except RegexError as error:
                raise FilterRunError(f'error while compiling regular expression "{right}": '
                                     f"{error.message} at offset {error.offset}") from None
            match = regex.search(left)
            if match is not None:
                self.numeric = [match.group(0), *groups_of(match)]
            return match is not None
        values = []
        for text in (left, right):
            value = get_number(text)
            if value is None:
                raise FilterRunError(f'malformed numerical string "{text}"')
            values.append(value)
        return values[0] > values[1] if op == "above" else values[0] < values[1]

    # --- commands ----------------------------------------------------------------
    def run(self, commands: list[Command]) -> str:
        for command in commands:
            outcome = self.obey(command)
            if outcome is not None:
                return outcome
        return Outcome.DELIVERED if self.delivered else Outcome.NOT_DELIVERED

    def obey(self, command: Command) -> str | None:
        """Obey one command; an outcome when filtering ends here."""
        name = _name(command)
        values = {attr: (self.expand(getattr(command, attr), f"{name} command")
                         if getattr(command, attr) is not None else None)
                  for attr in _EXPANDED.get(name, ())}
        if isinstance(command, Finish) and command.kind != "finish":
            values["text"] = self.expand(command.text or "", f"{name} command")
        mail_values: dict[str, str] = {}
        if isinstance(command, Mail):
            mail_values = {key: self.expand(command.args[key], f"{name} command")
                           for key in MAIL_KEYWORDS if key in command.args}
        if command.seen:
            self.delivered = True

        if isinstance(command, If):
            return self.obey_if(command)
        if isinstance(command, Add):
            self.add(values["value"] or "", values["variable"] or "")
        elif isinstance(command, Deliver):
            self.deliver(command, values["address"] or "", values["errors_to"])
        elif isinstance(command, Save):
            self.save(command, values["path"] or "")
        elif isinstance(command, Pipe):
            self.pipe(command)
        elif isinstance(command, Logfile):
            self.logfile(command, values["path"] or "")
        elif isinstance(command, Logwrite):
            self.logwrite(command, values["text"] or "")
        elif isinstance(command, Headers):
            self.headers(command.action, values["value"] or "")
        elif isinstance(command, Finish):
            return self.finish(command, values.get("text"))
        elif isinstance(command, Mail):
            self.mail(command, mail_values)
        else:
            assert isinstance(command, Testprint)
            self.report(f"Testprint: {printing(values['text'] or '')}")
        return None

    def obey_if(self, command: If) -> str | None:
        saved_address = self.this_address
        value = self.test(command.condition, True)
        if self.pending_error is not None:
            raise FilterRunError(self.pending_error)
        self.indent += 2
        outcome = self.run(command.then if value else command.otherwise)
        self.indent -= 2
        self.this_address = saved_address
        if self.finished or outcome not in (Outcome.DELIVERED, Outcome.NOT_DELIVERED):
            return outcome
        return None

    def add(self, value: str, variable: str) -> None:
        # "--" pairs at the start come from adding -$n0 when $n0 is negative.
        while value.startswith("--"):
            value = value[2:]
        amount, rest = c_strtol_int(value, 0)
        if rest:
            raise FilterRunError(f'malformed number "{value}" in "add" command')
        if variable[:1] != "n" or len(variable) != 2:
            raise FilterRunError(f'unknown variable "{variable}" in "add" command')
        index, rest = c_strtol_int(variable[1:], 0)
        if rest:
            raise FilterRunError(f'malformed number "{variable[1:]}" in "add" command')
        self.n[index] = c_int32(self.n[index] + amount)
        self.report(f"Add {amount} to n{index}")

    def deliver(self, command: Deliver, address_text: str, errors_text: str | None) -> None:
        addresses: list[str | None] = []
        for text in (address_text, errors_text):
            if text is None:
                addresses.append(None)
                continue
            try:
                extracted = extract_address(text)
            except AddressError as error:
                raise FilterRunError(f'malformed address "{text}" in filter file: '
                                     f"{error}") from None
            addresses.append(self.env.rewrite_recipient(extracted.address))
        target, errors_to = addresses
        assert target is not None
        if errors_to is not None and not self.options.system_filter:
            own = self.expand("$local_part@$domain", "deliver command")
            if strcmpic(own, errors_to) != 0:
                raise FilterRunError("errors_to must point to the caller's address")
        self.report(f"{'D' if command.seen else 'Unseen d'}eliver message to: {target}"
                    f"{' (noerror)' if command.noerror else ''}"
                    f"{' errors_to ' + errors_to if errors_to is not None else ''}")
        if not self.options.testing:
            self.generated.append(Generated(target, Kind.ADDRESS, errors_to=errors_to,
                                            ignore_error=command.noerror))

    def save(self, command: Save, path: str) -> None:
        noerror = " (noerror)" if command.noerror else ""
        seen = "S" if command.seen else "Unseen s"
        if command.mode < 0:
            self.report(f"{seen}ave message to: {path}{noerror}")
        else:
            self.report(f"{seen}ave message to: {path} {command.mode:04o}{noerror}")
        if self.options.testing:
            return
        home = self.envelope.home
        if not path.startswith("/") and self.options.prepend_home and home:
            path = f"{home}/{path}"
        self.generated.append(Generated(path, Kind.FILE, ignore_error=command.noerror,
                                        mode=None if command.mode < 0 else command.mode))

    def pipe(self, command: Pipe) -> None:
        # The command is not expanded here: the pipe transport expands each argument
        # after splitting it, with the variables as they are now.
        text = command.command
        self.report(f"{'P' if command.seen else 'Unseen p'}ipe message to: {text}"
                    f"{' (noerror)' if command.noerror else ''}")
        if self.options.testing:
            return
        variables = None
        if self.numeric is not None or self.this_address is not None:
            variables = (self.this_address or "", *(self.numeric or ()))
        self.generated.append(Generated(text if text.startswith("|") else "|" + text,
                                        Kind.PIPE, ignore_error=command.noerror,
                                        pipe_variables=variables))

    def logfile(self, command: Logfile, path: str) -> None:
        self.log_mode = 0o600 if command.mode == -1 else command.mode
        self.close_log()
        self.log_path = path
        self.report(f"{'Seen l' if command.seen else 'L'}ogfile {path}")

    def logwrite(self, command: Logwrite, text: str) -> None:
        if self.options.testing:
            self.report(f'{"Seen l" if command.seen else "L"}ogwrite "{printing(text)}"')
            return
        if self.options.log == "forbid":
            raise FilterRunError("logwrite command forbidden")
        if self.options.log != "write":
            return
        if self.log_fd is None:
            if self.log_path is None:
                raise FilterRunError('attempt to obey "logwrite" command without a '
                                     'previous "logfile"')
            try:
                self.log_fd = os.open(self.log_path, os.O_CREAT | os.O_APPEND | os.O_WRONLY,
                                      self.log_mode)
            except OSError as error:
                raise FilterRunError(f'failed to open filter log file "{self.log_path}": '
                                     f"{error.strerror}") from None
        data = text.encode("latin-1")
        try:
            written = os.write(self.log_fd, data)
        except OSError as error:
            raise FilterRunError(f'write error on file "{self.log_path}": '
                                 f"{error.strerror}") from None
        if written != len(data):
            raise FilterRunError(f'write error on file "{self.log_path}": short write')

    def close_log(self) -> None:
        if self.log_fd is not None:
            os.close(self.log_fd)
            self.log_fd = None

    def headers(self, action: str, value: str) -> None:
        self.report(f'Headers {action} "{printing(value)}"')
        if action == "add":
            text = value.lstrip(" \t\n\v\f\r")
            if text:
                self.env.add_header(text if text.endswith("\n") else text + "\n")
        elif action == "remove":
            for name in list_items(value):
                self.env.remove_header(name)
        else:
            self.env.set_headers_charset(value)

    def finish(self, command: Finish, text: str | None) -> str:
        if command.kind == "finish":
            self.report(f"{'Seen f' if command.seen else 'F'}inish")
            self.finished = True
            return Outcome.DELIVERED if self.delivered else Outcome.NOT_DELIVERED
        assert text is not None
        if len(text) > 1024:
            text = text[:1000] + " ... (truncated)"
        message = printing(text)
        if message.endswith("\n"):
            message = message[:-1]
        self.report(f'{command.kind.capitalize()} text "{message}"')
        outcome = {"defer": Outcome.DEFER, "fail": Outcome.FAIL, "freeze": Outcome.FREEZE}
        raise _Stop(outcome[command.kind], message)

    def mail(self, command: Mail, values: dict[str, str]) -> None:
        name = _name(command)
        if not self.envelope.return_path:
            self.report(f"{name} command ignored because return_path is empty")
            return
        for key, value in values.items():
            self.check_mail_value(name, key, value)
        if self.options.testing:
            self.report(f"{'Seen m' if command.seen else 'M'}ail to: "
                        f"{values.get('to', '<default>')}"
                        f"{' (vacation)' if command.vacation else ''}"
                        f"{' (noerror)' if command.noerror else ''}")
            pad = 7 + (self.indent if self.options.verbose else 0)
            for key in MAIL_KEYWORDS[1:]:
                if key in values:
                    expanded = " (expanded)" if key == "file" and command.expand_file else ""
                    self.report(f"{key:>{pad}}: {printing(values[key])}{expanded}")
            if command.return_message:
                self.report("Return original message")
            return
        self.generated.append(self.autoreply(command, values))

    @staticmethod
    def check_mail_value(name: str, key: str, value: str) -> None:
        """Exim's checks on a mail argument: file names printable, header values well folded."""
        index = MAIL_KEYWORDS.index(key)
        text_index = MAIL_KEYWORDS.index("text")
        if index == text_index:
            return
        if index > text_index:
            if printing(value) != value:
                raise FilterRunError(f'non-printing character in "{printing(value)}" in '
                                     f"{name} command")
            return
        headers = index == MAIL_KEYWORDS.index("extra_headers")
        for match in re.finditer(r"\n(?![ \t\n\v\f\r])", value):
            if not headers:
                raise FilterRunError(f'\\n not followed by space in "{printing(value)[:1024]}" '
                                     f"in {name} command")
            if not re.match(r"[^: \t\n\v\f\r]+:", value[match.end():]):
                raise FilterRunError(f'\\n not followed by space or valid header name in '
                                     f'"{printing(value)[:1024]}" in {name} command')

    def autoreply(self, command: Mail, values: dict[str, str]) -> Generated:
        """The generated address for a real (not testing) mail/vacation command."""
        to = values.get("to")
        if to is None:
            to = self.expand("$reply_address", f"{_name(command)} command")
        to = to.lstrip(" \t\n\v\f\r").replace("\n", " ")
        # The address text is for logging only: the autoreply transport takes the
        # recipients from the To: it builds. Exim stops after 256 characters.
        shown = ""
        for extracted in address_list(to):
            if extracted is None:
                continue
            shown += ("," if shown else ">") + extracted.address
            if len(shown) > 256:
                shown += ", ..."
                break
        once_repeat = 0
        if "once_repeat" in values:
            once_repeat = read_time(values["once_repeat"])
            if once_repeat < 0:
                raise FilterRunError(f'Bad time value for "once_repeat" in mail or vacation '
                                     f"command: {values['once_repeat']}")
        reply = Reply(to=to, cc=values.get("cc"), bcc=values.get("bcc"),
                      from_=values.get("from"), reply_to=values.get("reply_to"),
                      subject=values.get("subject"), headers=values.get("extra_headers"),
                      text=values.get("text"), file=values.get("file"),
                      logfile=values.get("log"), oncelog=values.get("once"),
                      once_repeat=once_repeat, file_expand=command.expand_file,
                      return_message=command.return_message)
        return Generated(shown or ">**bad-reply**", Kind.REPLY, ignore_error=command.noerror,
                         reply=reply)


# ----- condition printing (the -v trace) --------------------------------------------

_NOT_NAMES = {"is": "is not", "IS": "IS not", "matches": "does not match",
              "MATCHES": "does not MATCH", "contains": "does not contain",
              "CONTAINS": "does not CONTAIN", "begins": "does not begin",
              "BEGINS": "does not BEGIN", "ends": "does not end", "ENDS": "does not END",
              "above": "not above", "below": "not below"}


def describe(cond: Condition, toplevel: bool) -> str:
    """A condition as Exim's print_condition shows it in the -v trace."""
    if isinstance(cond, Compare):
        op = cond.op if cond.positive else _NOT_NAMES[cond.op]
        return f"{cond.left} {op} {cond.right}"
    if isinstance(cond, (Flag, Personal)):
        name = cond.name if isinstance(cond, Flag) else "personal"
        return name if cond.positive else f"not {name}"
    if isinstance(cond, ForAnyAddress):
        name = "foranyaddress" if cond.positive else "not foranyaddress"
        return f"{name} {cond.addresses} ({describe(cond.condition, False)})"
    assert isinstance(cond, (And, Or))
    word = "and" if isinstance(cond, And) else "or"
    inner = f"{describe(cond.left, False)} {word} {describe(cond.right, False)}"
    if not cond.positive:
        return f"not ({inner})"
    if isinstance(cond, Or) and not toplevel:
        return f"({inner})"
    return inner


def run_exim_filter(parsed: ParsedFilter, env: FilterEnv, envelope: Envelope,
                    options: EximFilterOptions = EximFilterOptions(), *,
                    report: Report = print, trace: Report = print,
                    numeric: tuple[str, ...] = ()) -> FilterResult:
    """Obey a parsed Exim filter; the result, with ``n_values`` for $sn0..$sn9 later.

    In testing mode every action and the final verdict are written to *report*
    (``-bf`` passes stdout); *trace* receives the -v condition trace. *numeric* are
    $0, $1... as a regular expression matched before the filter left them (Exim does
    not clear them when a filter starts; it does when one ends).
    """
    run = _Run(env, envelope, options, report, trace, parsed.pending_error, numeric)
    try:
        outcome = run.run(parsed.commands)
        result = FilterResult(outcome, run.generated)
    except _Stop as stop:
        result = FilterResult(stop.outcome, run.generated, error=stop.text)
    except FilterRunError as error:
        result = FilterResult(Outcome.ERROR, run.generated, error=str(error))
    finally:
        run.close_log()
        env.set_headers_charset(None)
    result.n_values = tuple(run.n)
    verdict = (f"Filter error: {result.error}" if result.outcome == Outcome.ERROR
               else OUTCOME_REPORT[result.outcome])
    for line in verdict.split("\n"):
        run.report(line)
    return result
