"""What running a filter produces: the outcome, the generated destinations, the error text.

Both filter languages return a :class:`FilterResult`. It mirrors what Exim's
filter_interpret()/sieve_interpret() hand back to the redirect router: an FF_*
code, a chain of generated addresses, and an error string (also used for the text
of ``defer``/``fail``/``freeze``).
"""

from __future__ import annotations

from pyexim.record import field, record

# Outcome and Kind are plain classes of string constants rather than enums: nothing
# needs more than comparing them, and the enum module costs a millisecond to import.


class Outcome:
    """Exim's FF_* codes: how filtering ended."""

    DELIVERED = "delivered"          # a significant delivery was set up
    NOT_DELIVERED = "not_delivered"  # nothing significant: normal delivery happens too
    DEFER = "defer"
    FAIL = "fail"
    FREEZE = "freeze"
    ERROR = "error"                  # the filter could not be parsed or run
    # Only from plain forward lists (parse_forward_list):
    BLACKHOLE = "blackhole"          # :blackhole:
    INCLUDE_FAIL = "include_fail"    # an :include: file could not be opened or read


# What -bf prints after an Exim filter ran, per outcome (filter.c, end of filter_interpret).
OUTCOME_REPORT = {
    Outcome.DEFER: 'Filtering ended by "defer".',
    Outcome.FREEZE: 'Filtering ended by "freeze".',
    Outcome.FAIL: 'Filtering ended by "fail".',
    Outcome.DELIVERED: "Filtering set up at least one significant delivery or other action.\n"
                       "No other deliveries will occur.",
    Outcome.NOT_DELIVERED: "Filtering did not set up a significant delivery.\n"
                           "Normal delivery will occur.",
}


class Kind:
    """What a generated destination is (Exim's af_pfr / af_file / '|' / '>' conventions)."""

    ADDRESS = "address"   # a mail address to route (deliver, redirect)
    FILE = "file"         # a file or folder (save, fileinto, keep's "inbox")
    PIPE = "pipe"         # a command; the address text starts with "|"
    REPLY = "reply"       # an autoreply (mail, vacation); the address text starts with ">"


@record(frozen=True)
class Reply:
    """The data of a ``mail``/``vacation`` command (Exim's reply_item), for the autoreply transport."""

    to: str | None = None
    cc: str | None = None
    bcc: str | None = None
    from_: str | None = None
    reply_to: str | None = None
    subject: str | None = None
    headers: str | None = None
    text: str | None = None
    file: str | None = None
    logfile: str | None = None
    oncelog: str | None = None
    once_repeat: int = 0           # seconds; 0 means "only once"
    file_expand: bool = False
    return_message: bool = False


@record(frozen=True)
class Generated:
    """One destination set up by a filter.

    ``address`` is the text Exim puts in the generated address_item: a mail address,
    a file path (or Sieve folder name), ``|command`` for pipes, ``>addresses`` for
    autoreplies (``>**bad-reply**`` when none could be extracted).
    """

    address: str
    kind: str  # a Kind
    errors_to: str | None = None
    ignore_error: bool = False     # "noerror" was given
    mode: int | None = None        # save's optional octal mode
    reply: Reply | None = None
    # For pipes: $thisaddress then $0, $1... as they were when the pipe command ran,
    # because the transport expands the command's arguments later (af_expand_pipe).
    pipe_variables: tuple[str, ...] | None = None


@record
class FilterResult:
    """How a filter run ended.

    ``generated`` is in the order the commands ran (Exim chains each new address on
    the front; reverse it to get Exim's chain order). ``error`` holds the error text
    for ERROR, and the message given to ``defer``/``fail``/``freeze`` for those outcomes.
    """

    outcome: str  # an Outcome
    generated: list[Generated] = field(default_factory=list)
    error: str | None = None
    # Exim filters only: the final $n0..$n9, which a system filter passes on as $sn0..$sn9.
    n_values: tuple[int, ...] = (0,) * 10
