"""Exim's command line, parsed into one Invocation (spec: "The Exim command line").

Exim's flags are not POSIX: a flag's value may be glued to it (``-oX2525``) or be the
next argument (``-oX 2525``), some letters take different numbers of following
arguments (``-bem FILE``, ``-MC`` five), ``-q`` takes an optional time glued on
(``-q30m``), and the first argument that does not start with ``-`` ends the options:
everything from there on is a recipient, address, message id or option name,
depending on the mode. This module follows exim.c's order of checks so that the
same command lines are accepted and refused; it decides nothing about the
configuration and performs no action.
"""

from __future__ import annotations

from pyexim.errors import UsageError
from pyexim.strings import DIGITS, NAME_CHARS, span
from pyexim.timevalue import read_time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

# The -R/-S suffixes, in exim.c's order (index matters: see _selection).
_SELECT_SUFFIXES = ("f", "ff", "r", "rf", "rff")

# -M<x> message actions that take a list of ids (the rest of the command line).
_MULTI_ID_ACTIONS = {"": "deliver", "c": "deliver_check", "f": "freeze", "g": "give_up",
                     "mad": "mark_all_delivered", "rm": "remove", "t": "thaw"}
# -M<x> actions that take exactly one id (recipients or other arguments may follow).
_ONE_ID_ACTIONS = {"ar": "add_recipients", "es": "edit_sender", "md": "mark_delivered",
                   "set": "load", "vb": "show_body", "vc": "show_copy", "vh": "show_header",
                   "vl": "show_log"}

# -oe<x> / -e<x>: the sendmail error-reporting styles.
_ERROR_STYLES = {"e": "sender_ok", "m": "sender", "p": "stderr", "q": "stderr", "w": "sender"}


def is_message_id(text: str) -> bool:
    """True when *text* has the shape of a message id (pyexim.spool.msgid owns the format).

    Imported on first use: most command lines hold no message id, and the spool module
    is not worth its import time to a -bV or -bP.
    """
    from pyexim.spool.msgid import is_message_id as spool_is_message_id
    return spool_is_message_id(text)


class _Fields:
    """A plain record: class attributes are the defaults, ``_LISTS`` names the fields that
    get a fresh empty list per instance, keyword arguments set the others.

    Not a dataclass on purpose: generating a dataclass with Invocation's eighty fields costs
    about 3 ms on every start, and every pyexim command starts here.
    """

    _LISTS: tuple[str, ...] = ()

    def __init__(self, **values: object) -> None:
        for name in self._LISTS:
            setattr(self, name, [])
        for name, value in values.items():
            if not hasattr(type(self), name) and name not in self._LISTS:
                raise TypeError(f"{type(self).__name__} has no field {name!r}")
            setattr(self, name, value)

    def __repr__(self) -> str:
        changed = ", ".join(f"{name}={value!r}" for name, value in vars(self).items())
        return f"{type(self).__name__}({changed})"


class QueueRun(_Fields):
    """A -q family request: one run now (interval 0) or a periodic runner (-q30m)."""

    interval: int = 0
    two_stage: bool = False          # -qq
    first_delivery_only: bool = False  # -qi
    force: bool = False              # -qf
    force_thaw: bool = False         # -qff
    local_only: bool = False         # -ql
    queue_name: str | None = None    # -qG<name>
    start_id: str | None = None
    stop_id: str | None = None


class Selection(_Fields):
    """-R / -S: deliver only messages whose recipients (R) or sender (S) match."""

    kind: str = "recipient"          # "recipient" or "sender"
    text: str = ""
    regex: bool = False
    force: bool = False
    force_thaw: bool = False
    two_stage: bool = False          # -qqR / -qqS


class Invocation(_Fields):
    """Everything a command line says; ``mode()`` tells what to do with it."""

    _LISTS = ("argv", "macros", "arguments", "message_ids")
    argv: list[str]
    config_file: str | None = None           # -C (a colon-separated list in Exim)
    macros: list[tuple[str, str]]            # -DNAME=value, in order
    arguments: list[str]                     # what follows the options

    # -b modes
    daemon: bool = False                     # -bd / -bdf
    daemon_foreground: bool = False
    inetd_wait: bool = False                 # -bw
    inetd_wait_timeout: int | None = None
    expansion_test: bool = False             # -be / -bem
    expansion_message_file: str | None = None
    filter_test_user: str | None = None      # -bf FILE
    filter_test_system: str | None = None    # -bF FILE
    filter_domain: str | None = None         # -bfd
    filter_local_part: str | None = None     # -bfl
    filter_prefix: str | None = None         # -bfp
    filter_suffix: str | None = None         # -bfs
    host_check: str | None = None            # -bh IP
    host_check_callout: bool = False         # -bhc
    alias_init: bool = False                 # -bi
    info: str | None = None                  # -bI:help / :sieve / :dscp
    malware_file: str | None = None          # -bmalware FILE
    no_qualify: bool = False                 # -bnq
    list_queue: str | None = None            # -bp "", "u", "a" (+ "r" random order)
    list_queue_random: bool = False
    count_queue: bool = False                # -bpc
    print_config: bool = False               # -bP
    retry_test: bool = False                 # -brt
    rewrite_test: bool = False               # -brw
    batch_smtp: bool = False                 # -bS
    smtp_stdin: bool = False                 # -bs
    address_test: bool = False               # -bt
    verify_addresses: bool = False           # -bv / -bvs
    verify_as_sender: bool = False
    version: bool = False                    # -bV / --version
    receive: bool = True                     # -bm, the default
    help: bool = False                       # --help

    # Message actions (-M family) and queue runs
    message_action: str | None = None
    message_ids: list[str]
    move_to_queue: str | None = None         # -MG
    continued_delivery: list[str] | None = None  # -MC transport host ip seq id
    queue_run: QueueRun | None = None
    selection: Selection | None = None

    # Reception options
    sender: str | None = None                # -f / -r
    sender_name: str | None = None           # -F
    extract_recipients: bool = False         # -t
    dot_ends: bool = True                    # -i / -oi clear it
    delivery_mode: str | None = None         # -odb -odf -odi -odq -odqs
    error_style: str | None = None           # -oe?
    received_protocol: str | None = None     # -oMr / -p
    host_address: str | None = None          # -oMa
    host_name: str | None = None             # -oMs
    interface_address: str | None = None     # -oMi
    ident: str | None = None                 # -oMt
    authenticator: str | None = None         # -oMaa
    authenticated_sender: str | None = None  # -oMas
    authenticated_id: str | None = None      # -oMai
    message_reference: str | None = None     # -oMm / -E<id>
    receive_timeout: int | None = None       # -or
    smtp_receive_timeout: int | None = None  # -os
    local_interfaces: str | None = None      # -oX
    pid_file: str | None = None              # -oP
    delete_pid_file: bool = False            # -oPX
    no_notifier_socket: bool = False         # -oY
    alias_file: str | None = None            # -oA
    connection_max_messages: int | None = None  # -oB
    tls_on_connect: bool = False             # -tls-on-connect
    syslog_name: str | None = None           # -L
    dont_deliver: bool = False               # -N
    gateway: bool = False                    # -G
    local_error_message: bool = False        # -E
    log_line: str | None = None              # -z TEXT
    verbose: bool = False                    # -v / -ov
    debug: str | None = None                 # -d[d][+selectors]
    names_only: bool = False                 # -n (with -bP)
    explain: bool = False                    # --explain (pyexim only, with -bt/-bv)

    def mode(self) -> str:
        """The one action this command line asks for, in exim.c's order of precedence.

        One of: ``help``, ``version``, ``info``, ``print_config``, ``expansion_test``,
        ``filter_test``, ``host_check``, ``address_test``, ``verify``, ``retry_test``,
        ``rewrite_test``, ``malware_test``, ``alias_init``, ``count_queue``, ``list_queue``,
        ``message_action``, ``log_line``, ``continued_delivery``, ``daemon``, ``queue_run``,
        ``selective_run``, ``smtp_stdin``, ``batch_smtp``, ``receive``.
        """
        if self.help:
            return "help"
        if self.print_config:
            return "print_config"
        if self.version:
            return "version"
        if self.info is not None:
            return "info"
        if self.count_queue:
            return "count_queue"
        if self.list_queue is not None:
            return "list_queue"
        if self.expansion_test:
            return "expansion_test"
        if self.filter_test_user is not None or self.filter_test_system is not None:
            return "filter_test"
        if self.host_check is not None:
            return "host_check"
        if self.address_test:
            return "address_test"
        if self.verify_addresses:
            return "verify"
        if self.retry_test:
            return "retry_test"
        if self.rewrite_test:
            return "rewrite_test"
        if self.malware_file is not None:
            return "malware_test"
        if self.alias_init:
            return "alias_init"
        if self.continued_delivery is not None:
            return "continued_delivery"
        if self.message_action is not None:
            return "message_action"
        if self.log_line is not None:
            return "log_line"
        if self.daemon or self.inetd_wait:
            return "daemon"
        if self.queue_run is not None:
            return "queue_run"
        if self.selection is not None:
            return "selective_run"
        if self.smtp_stdin:
            return "smtp_stdin"
        if self.batch_smtp:
            return "batch_smtp"
        return "receive"


def _bad(arg: str) -> UsageError:
    return UsageError(f"unknown, malformed, or incomplete option {arg}", abandoned=True)


class _ArgReader:
    """Walks argv the way exim.c does: an index, and the text after the flag letter."""

    def __init__(self, argv: list[str]):
        self.argv = argv
        self.i = 1

    def next_value(self, arg: str) -> str:
        """The following argument, consumed; UsageError naming *arg* when there is none."""
        if self.i + 1 >= len(self.argv):
            raise _bad(arg)
        self.i += 1
        return self.argv[self.i]

    def glued_or_next(self, rest: str, arg: str) -> str:
        """The value glued to the flag, else the next argument."""
        return rest if rest else self.next_value(arg)

    def peek(self) -> str | None:
        return self.argv[self.i + 1] if self.i + 1 < len(self.argv) else None


def parse_args(argv: list[str]) -> Invocation:
    """Parse a full argv (``argv[0]`` is the program name) into an Invocation.

    Raises UsageError for anything exim 4.96 would abandon with "unknown, malformed,
    or incomplete option", or with one of its more specific messages.
    """
    inv = Invocation(argv=list(argv))
    reader = _ArgReader(argv)
    while reader.i < len(argv):
        arg = argv[reader.i]
        if not arg.startswith("-"):
            inv.arguments = argv[reader.i:]
            break
        if arg == "--":
            inv.arguments = argv[reader.i + 1:]
            break
        if _parse_one(inv, reader, arg):
            # The flag consumed the rest of the command line (-M ids, -brt, -bP names...).
            break
        reader.i += 1
    if inv.explain and inv.mode() not in ("address_test", "verify"):
        raise UsageError("--explain is only for address testing (-bt) and verification (-bv)")
    return inv


def _parse_one(inv: Invocation, reader: _ArgReader, arg: str) -> bool:
    """Apply one flag; True when the rest of argv belongs to it (becomes inv.arguments)."""
    switch, rest = arg[1:2], arg[2:]
    # exim.c aliases: -oe? is -e?, -qR/-qS are -R/-S, -qqR/-qqS are two-stage -R/-S,
    # -r is -f, -ov is -v, --help and --version.
    two_stage = False
    if arg[1:3] in ("oe", "qR", "qS"):
        switch, rest = arg[2], arg[3:]
    elif arg[1:4] in ("qqR", "qqS"):
        switch, rest, two_stage = arg[3], arg[4:], True
    elif switch == "r":
        switch = "f"
    elif arg == "-ov":
        switch, rest = "v", ""
    elif switch == "-":
        if rest == "help":
            inv.help = True
            return True
        if rest == "version":
            switch, rest = "b", "V"
        if rest == "explain":
            # pyexim's own flag: -bt/-bv show why each router was used or skipped.
            inv.explain = True
            return False

    handler = _SWITCHES.get(switch)
    if handler is None:
        raise _bad(arg)
    consumed_rest = handler(inv, reader, arg, rest)
    if two_stage and inv.selection is not None:
        inv.selection.two_stage = True
    if consumed_rest:
        inv.arguments = reader.argv[reader.i + 1:]
    return consumed_rest


# Each handler: (invocation, reader, whole argument, text after the switch letter)
# -> True when the remaining arguments belong to this flag.

def _switch_A(inv: Invocation, r: _ArgReader, arg: str, rest: str) -> bool:
    # sendmail's -Ac / -Am choose a .cf file; ignored.
    if rest not in ("c", "m"):
        raise _bad(arg)
    return False


def _switch_B(inv: Invocation, r: _ArgReader, arg: str, rest: str) -> bool:
    # sendmail's -B7BIT / -B8BITMIME: Exim is 8-bit clean and ignores it.
    if not rest:
        r.i += 1
    return False


def _switch_b(inv: Invocation, r: _ArgReader, arg: str, rest: str) -> bool:
    letter, rest = rest[:1], rest[1:]
    if letter != "m":
        inv.receive = False
    if letter == "d":
        if rest not in ("", "f"):
            raise _bad(arg)
        inv.daemon = True
        inv.daemon_foreground = rest == "f"
    elif letter == "e":
        inv.expansion_test = True
        if rest == "m":
            inv.expansion_message_file = r.next_value(arg)
        elif rest:
            raise _bad(arg)
    elif letter == "F":
        if rest:
            raise _bad(arg)
        if r.peek() is None:
            raise UsageError(f"file name expected after {arg}")
        inv.filter_test_system = r.next_value(arg)
    elif letter == "f":
        if not rest:
            if r.peek() is None:
                raise UsageError(f"file name expected after {arg}")
            inv.filter_test_user = r.next_value(arg)
        else:
            if r.peek() is None:
                raise UsageError(f"string expected after {arg}")
            targets = {"d": "filter_domain", "l": "filter_local_part",
                       "p": "filter_prefix", "s": "filter_suffix"}
            if rest not in targets:
                raise _bad(arg)
            setattr(inv, targets[rest], r.next_value(arg))
    elif letter == "h":
        if rest not in ("", "c"):
            raise _bad(arg)
        inv.host_check = r.next_value(arg)
        inv.host_check_callout = rest == "c"
    elif letter == "i":
        if rest:
            raise _bad(arg)
        inv.alias_init = True
    elif letter == "I":
        if not rest.startswith(":"):
            raise _bad(arg)
        topic = rest[1:].lower()
        inv.info = topic if topic in ("sieve", "dscp", "help") else "help"
    elif letter == "m":
        if not rest:
            inv.receive = True
        elif rest == "alware":
            inv.malware_file = r.next_value(arg)
        else:
            raise _bad(arg)
    elif letter == "n":
        if rest != "q":
            raise _bad(arg)
        inv.no_qualify = True
    elif letter == "p":
        if rest == "c":
            inv.count_queue = True
        elif rest.startswith("c"):
            raise _bad(arg)
        else:
            if rest.startswith("r"):
                inv.list_queue_random = True
                rest = rest[1:]
            if rest not in ("", "u", "a"):
                raise _bad(arg)
            inv.list_queue = rest
    elif letter == "P":
        if rest:
            raise _bad(arg)
        inv.print_config = True
    elif letter == "r":
        if rest == "t":
            inv.retry_test = True
            return True
        if rest == "w":
            inv.rewrite_test = True
            return True
        raise _bad(arg)
    elif letter == "S":
        if rest:
            raise _bad(arg)
        inv.batch_smtp = inv.receive = True
    elif letter == "s":
        if rest:
            raise _bad(arg)
        inv.smtp_stdin = inv.receive = True
    elif letter == "t":
        if rest:
            raise _bad(arg)
        inv.address_test = True
    elif letter == "v":
        if rest not in ("", "s"):
            raise _bad(arg)
        inv.verify_addresses = True
        inv.verify_as_sender = rest == "s"
    elif letter == "V":
        if rest:
            raise _bad(arg)
        inv.version = True
    elif letter == "w":
        inv.inetd_wait = True
        inv.daemon_foreground = True
        if rest:
            timeout = read_time(rest)
            if timeout <= 0:
                raise UsageError(f"bad time value {arg}: abandoned")
            inv.inetd_wait_timeout = timeout
    else:
        raise _bad(arg)
    return False


def _switch_C(inv: Invocation, r: _ArgReader, arg: str, rest: str) -> bool:
    inv.config_file = r.glued_or_next(rest, arg)
    return False


def _switch_D(inv: Invocation, r: _ArgReader, arg: str, rest: str) -> bool:
    text = rest.lstrip()
    if not text or not ("A" <= text[0] <= "Z"):
        raise UsageError("macro name set by -D must start with an upper case letter")
    end = span(text, NAME_CHARS)
    # exim.c keeps at most 23 characters of a -D name.
    name = text[:end][:23]
    value = text[end:].lstrip()
    if value:
        if not value.startswith("="):
            raise _bad(arg)
        value = value[1:].lstrip()
    if any(existing == name for existing, _ in inv.macros):
        raise UsageError("duplicated -D in command line")
    inv.macros.append((name, value))
    return False


def _switch_d(inv: Invocation, r: _ArgReader, arg: str, rest: str) -> bool:
    if rest == "ropcr":
        return False  # a no-op kept for compatibility, as in Exim
    if rest == "p":
        r.next_value(arg)  # debug pretrigger buffer size: pyexim has no such buffer
        return False
    if rest.startswith("t="):
        return False
    inv.debug = rest
    return False


def _switch_E(inv: Invocation, r: _ArgReader, arg: str, rest: str) -> bool:
    inv.local_error_message = True
    if is_message_id(rest):
        inv.message_reference = rest
    return False


def _switch_e(inv: Invocation, r: _ArgReader, arg: str, rest: str) -> bool:
    if rest not in _ERROR_STYLES:
        raise _bad(arg)
    inv.error_style = _ERROR_STYLES[rest]
    return False


def _switch_F(inv: Invocation, r: _ArgReader, arg: str, rest: str) -> bool:
    inv.sender_name = r.glued_or_next(rest, arg)
    return False


def _switch_f(inv: Invocation, r: _ArgReader, arg: str, rest: str) -> bool:
    # The address is checked when the configuration is known (allow_domain_literals...).
    inv.sender = r.glued_or_next(rest, arg)
    return False


def _switch_G(inv: Invocation, r: _ArgReader, arg: str, rest: str) -> bool:
    inv.gateway = True
    return False


def _switch_h(inv: Invocation, r: _ArgReader, arg: str, rest: str) -> bool:
    # Hop count: accepted and ignored, as Exim counts Received: headers itself.
    value = r.glued_or_next(rest, arg)
    if not value[:1].isdigit():
        raise _bad(arg)
    return False


def _switch_i(inv: Invocation, r: _ArgReader, arg: str, rest: str) -> bool:
    if rest:
        raise _bad(arg)
    inv.dot_ends = False
    return False


def _switch_L(inv: Invocation, r: _ArgReader, arg: str, rest: str) -> bool:
    name = r.glued_or_next(rest, arg)
    if len(name) > 32:
        raise UsageError(f'the -L syslog name is too long: "{name}"')
    if not name:
        raise UsageError("the -L syslog name is too short")
    inv.syslog_name = name
    return False


def _switch_M(inv: Invocation, r: _ArgReader, arg: str, rest: str) -> bool:
    inv.receive = False
    if rest == "C":
        if len(r.argv) != r.i + 6:
            raise UsageError("too many or too few arguments after -MC")
        inv.continued_delivery = r.argv[r.i + 1:r.i + 6]
        if not is_message_id(inv.continued_delivery[4]):
            raise UsageError(f"malformed message id {inv.continued_delivery[4]} after -MC option")
        r.i += 5
        return False
    if len(rest) == 2 and rest[0] == "C":
        # -MCA, -MCD, ... internal flags that only precede -MC; pyexim's smtp transport
        # does not re-exec itself, so they only need to be accepted.
        if rest[1] in "dGLQrst":
            r.next_value(arg)
        return False
    if rest == "G":
        inv.move_to_queue = r.next_value(arg)
        inv.message_action = "move_to_queue"
    elif rest in _MULTI_ID_ACTIONS:
        inv.message_action = _MULTI_ID_ACTIONS[rest]
    elif rest in _ONE_ID_ACTIONS:
        inv.message_action = _ONE_ID_ACTIONS[rest]
    else:
        raise _bad(arg)
    following = r.argv[r.i + 1:]
    if not following:
        raise UsageError(f"no message ids given after {arg} option")
    if rest in _ONE_ID_ACTIONS:
        if not is_message_id(following[0]):
            raise UsageError(f"malformed message id {following[0]} after {arg} option")
        inv.message_ids = [following[0]]
        r.i += 1
        return False
    for candidate in following:
        if not is_message_id(candidate):
            raise UsageError(f"malformed message id {candidate} after {arg} option")
    inv.message_ids = list(following)
    r.i = len(r.argv)
    return False


def _switch_m(inv: Invocation, r: _ArgReader, arg: str, rest: str) -> bool:
    # sendmail's "me too": Exim always does this.
    if rest:
        raise _bad(arg)
    return False


def _switch_N(inv: Invocation, r: _ArgReader, arg: str, rest: str) -> bool:
    if rest:
        raise _bad(arg)
    inv.dont_deliver = True
    inv.verbose = True
    return False


def _switch_n(inv: Invocation, r: _ArgReader, arg: str, rest: str) -> bool:
    inv.names_only = True
    return False


def _switch_O(inv: Invocation, r: _ArgReader, arg: str, rest: str) -> bool:
    # sendmail's -O option=value: accepted and ignored, as Exim does.
    if not rest:
        if r.peek() is None:
            raise UsageError("string expected after -O")
        r.i += 1
    return False


def _switch_o(inv: Invocation, r: _ArgReader, arg: str, rest: str) -> bool:
    letter, rest = rest[:1], rest[1:]
    if letter == "A":
        inv.alias_file = r.glued_or_next(rest, arg)
    elif letter == "B":
        if rest:
            if rest[0] not in DIGITS:
                raise UsageError("number expected after -oB")
            inv.connection_max_messages = int(rest[:span(rest, DIGITS)])
        elif r.peek() is not None and r.peek()[:1] in DIGITS:  # type: ignore[index]
            value = r.next_value(arg)
            inv.connection_max_messages = int(value[:span(value, DIGITS)])
        else:
            inv.connection_max_messages = 1
    elif letter == "d":
        modes = {"b": "background", "d": None, "f": "foreground", "i": "foreground",
                 "q": "queue", "qs": "queue_smtp"}
        if rest not in modes:
            raise _bad(arg)
        if modes[rest] is not None:
            inv.delivery_mode = modes[rest]
    elif letter == "i":
        if rest not in ("", "true"):
            raise _bad(arg)
        inv.dot_ends = False
    elif letter == "M":
        if r.peek() is None:
            raise UsageError(f"data expected after -oM{rest}")
        targets = {"a": "host_address", "aa": "authenticator", "as": "authenticated_sender",
                   "ai": "authenticated_id", "i": "interface_address", "s": "host_name",
                   "t": "ident"}
        if rest in targets:
            setattr(inv, targets[rest], r.next_value(arg))
        elif rest == "m":
            value = r.next_value(arg)
            if not is_message_id(value):
                raise UsageError("-oMm must be a valid message ID")
            inv.message_reference = value
        elif rest == "r":
            if inv.received_protocol is not None:
                raise UsageError("received_protocol is set already")
            inv.received_protocol = r.next_value(arg)
        else:
            raise _bad(arg)
    elif letter in ("m", "o"):
        if rest:
            raise _bad(arg)
    elif letter == "P":
        if rest == "X":
            inv.delete_pid_file = True
        elif rest:
            raise _bad(arg)
        else:
            inv.pid_file = r.next_value(arg)
    elif letter in ("r", "s"):
        text = rest if rest else r.next_value(arg)
        seconds = read_time(text)
        if seconds < 0:
            # exim.c names the argument the value was in: "-or45", or "45" after "-or".
            raise UsageError(f"bad time value {arg if rest else text}: abandoned")
        if letter == "r":
            inv.receive_timeout = seconds
        else:
            inv.smtp_receive_timeout = seconds
    elif letter == "X":
        if rest:
            raise _bad(arg)
        inv.local_interfaces = r.next_value(arg)
    elif letter == "Y":
        if rest:
            raise _bad(arg)
        inv.no_notifier_socket = True
    else:
        raise _bad(arg)
    return False


def _switch_p(inv: Invocation, r: _ArgReader, arg: str, rest: str) -> bool:
    # -p<protocol>[:<host>], sendmail's way of setting $received_protocol.
    value = r.glued_or_next(rest, arg)
    if value:
        if inv.received_protocol is not None:
            raise UsageError("received_protocol is set already")
        protocol, _, host = value.partition(":")
        inv.received_protocol = protocol
        if host:
            inv.host_name = host
    return False


def _switch_q(inv: Invocation, r: _ArgReader, arg: str, rest: str) -> bool:
    inv.receive = False
    if inv.queue_run is not None:
        raise UsageError("-q specified more than once")
    run = QueueRun()
    if rest.startswith("q"):
        run.two_stage, rest = True, rest[1:]
    if rest.startswith("i"):
        run.first_delivery_only, rest = True, rest[1:]
    if rest.startswith("f"):
        run.force, rest = True, rest[1:]
        if rest.startswith("f"):
            run.force_thaw, rest = True, rest[1:]
    if rest.startswith("l"):
        run.local_only, rest = True, rest[1:]
    if rest.startswith("G"):
        name, _, rest = rest[1:].partition("/")
        run.queue_name = name
    if inv.list_queue is not None or inv.count_queue:
        # With -bp, -qG<name> only selects the queue to list.
        inv.queue_run = run
        return False
    following = r.peek()
    if not rest and (following is None or following.startswith("-") or is_message_id(following)):
        run.interval = 0
        if r.peek() is not None and is_message_id(r.peek() or ""):
            run.start_id = r.next_value(arg)
            if r.peek() is not None and is_message_id(r.peek() or ""):
                run.stop_id = r.next_value(arg)
    else:
        text = rest if rest else r.next_value(arg)
        run.interval = read_time(text)
        if run.interval <= 0:
            raise UsageError(f"bad time value {arg if rest else text}: abandoned")
    inv.queue_run = run
    return False


def _selection(kind: str) -> Callable[[Invocation, _ArgReader, str, str], bool]:
    def handler(inv: Invocation, r: _ArgReader, arg: str, rest: str) -> bool:
        inv.receive = False
        selection = Selection(kind=kind, text="")
        for index, suffix in enumerate(_SELECT_SUFFIXES):
            if rest == suffix:
                selection.force = index != 2
                selection.regex = index >= 2
                selection.force_thaw = index in (1, 4)
                rest = ""
                break
        if rest:
            selection.text = rest
        elif r.peek() is not None:
            selection.text = r.next_value(arg)
        else:
            raise UsageError(f"string expected after -{kind[0].upper()}")
        inv.selection = selection
        return False
    return handler


def _switch_T(inv: Invocation, r: _ArgReader, arg: str, rest: str) -> bool:
    # -Tqt is only recognised inside Exim's own test harness.
    raise _bad(arg)


def _switch_t(inv: Invocation, r: _ArgReader, arg: str, rest: str) -> bool:
    if rest == "":
        inv.extract_recipients = True
    elif rest == "i":
        inv.extract_recipients = True
        inv.dot_ends = False
    elif rest == "ls-on-connect":
        inv.tls_on_connect = True
    else:
        raise _bad(arg)
    return False


def _switch_U(inv: Invocation, r: _ArgReader, arg: str, rest: str) -> bool:
    return False  # sendmail's "initial user submission": ignored, as in Exim


def _switch_v(inv: Invocation, r: _ArgReader, arg: str, rest: str) -> bool:
    if rest:
        raise _bad(arg)
    inv.verbose = True
    return False


def _switch_x(inv: Invocation, r: _ArgReader, arg: str, rest: str) -> bool:
    if rest:
        raise _bad(arg)
    return False  # AIX's NLS flag; Exim is 8-bit clean


def _switch_X(inv: Invocation, r: _ArgReader, arg: str, rest: str) -> bool:
    if not rest:
        if r.peek() is None:
            raise UsageError("string expected after -X")
        r.i += 1
    return False  # sendmail's traffic log file: swallowed


def _switch_z(inv: Invocation, r: _ArgReader, arg: str, rest: str) -> bool:
    # -z: write a line to the mainlog; needs the configuration, so the text is kept.
    inv.log_line = r.glued_or_next(rest, arg)
    inv.receive = False
    return False


_SWITCHES = {
    "A": _switch_A, "B": _switch_B, "b": _switch_b, "C": _switch_C, "D": _switch_D,
    "d": _switch_d, "E": _switch_E, "e": _switch_e, "F": _switch_F, "f": _switch_f,
    "G": _switch_G, "h": _switch_h, "i": _switch_i, "L": _switch_L, "M": _switch_M,
    "m": _switch_m, "N": _switch_N, "n": _switch_n, "O": _switch_O, "o": _switch_o,
    "p": _switch_p, "q": _switch_q, "R": _selection("recipient"), "S": _selection("sender"),
    "T": _switch_T, "t": _switch_t, "U": _switch_U, "v": _switch_v, "x": _switch_x,
    "X": _switch_X, "z": _switch_z,
}
