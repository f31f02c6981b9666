"""The redirect router (spec: "The redirect router")."""

from __future__ import annotations

import errno
import os
import stat

from pyexim.config.options import (
    Bit,
    Bool,
    EximConfigError,
    GidList,
    MainGetter,
    Octal,
    Opt,
    OptionTable,
    Settings,
    String,
    UidList,
    derive,
)
from pyexim.routers.base import GENERIC_OPTIONS

OPTIONS = OptionTable("redirect router", [
    Opt("allow_defer", Bit(), False),
    Opt("allow_fail", Bit(), False),
    Opt("allow_filter", Bit(), False),
    Opt("allow_freeze", Bit(), False),
    Opt("check_ancestor", Bool(), False),
    # Unset (None) until init: derived from check_local_user, owners, owngroups.
    Opt("check_group", Bool(), None),
    Opt("check_owner", Bool(), None),
    Opt("data", String(), None),
    Opt("directory_transport", String(), None),
    Opt("file", String(), None),
    Opt("file_transport", String(), None),
    Opt("filter_prepend_home", Bit(), True),
    Opt("forbid_blackhole", Bit(), False),
    Opt("forbid_exim_filter", Bit(), False),
    Opt("forbid_file", Bool(), False),
    Opt("forbid_filter_dlfunc", Bit(), False),
    Opt("forbid_filter_existstest", Bit(), False),
    Opt("forbid_filter_logwrite", Bit(), False),
    Opt("forbid_filter_lookup", Bit(), False),
    Opt("forbid_filter_perl", Bit(), False),
    Opt("forbid_filter_readfile", Bit(), False),
    Opt("forbid_filter_readsocket", Bit(), False),
    Opt("forbid_filter_reply", Bool(), False),
    Opt("forbid_filter_run", Bit(), False),
    Opt("forbid_include", Bit(), False),
    Opt("forbid_pipe", Bool(), False),
    Opt("forbid_sieve_filter", Bit(), False),
    Opt("forbid_smtp_code", Bool(), False),
    Opt("hide_child_in_errmsg", Bool(), False),
    Opt("ignore_eacces", Bit(), False),
    Opt("ignore_enotdir", Bit(), False),
    Opt("include_directory", String(), None),
    Opt("modemask", Octal(), 0o022),
    Opt("one_time", Bool(), False),
    Opt("owners", UidList(), None),
    Opt("owngroups", GidList(), None),
    Opt("pipe_transport", String(), None),
    Opt("qualify_domain", String(), None),
    Opt("qualify_preserve_domain", Bool(), False),
    Opt("repeat_use", Bool(), True),
    Opt("reply_transport", String(), None),
    Opt("rewrite", Bit(), True),
    Opt("sieve_enotify_mailto_owner", String(), None),
    Opt("sieve_subaddress", String(), None),
    Opt("sieve_useraddress", String(), None),
    Opt("sieve_vacation_directory", String(), None),
    Opt("skip_syntax_errors", Bool(), False),
    Opt("syntax_errors_text", String(), None),
    Opt("syntax_errors_to", String(), None),
])


def init(name: str, settings: Settings, main: MainGetter) -> None:
    """redirect_router_init: file xor data; one_time limits; check_owner/check_group defaults."""
    def get(option: str) -> object:
        setting = settings.get(option)
        if setting is not None:
            return setting.value
        table = OPTIONS if option in OPTIONS else GENERIC_OPTIONS
        return table.default(option)

    def fail(reason: str) -> EximConfigError:
        return EximConfigError(f"{name} router:\n  {reason}", form="for")

    if (get("file") is None) == (get("data") is None):
        only = "" if get("file") is None else "only "
        raise fail(f'{only}one of "file" or "data" must be specified')
    if get("one_time"):
        for option in ("forbid_pipe", "forbid_file", "forbid_filter_reply"):
            derive(settings, option, True)
        if get("headers_add") is not None or get("headers_remove") is not None:
            raise fail('"headers_add" and "headers_remove" are not permitted with "one_time"')
        if get("unseen"):
            raise fail('"unseen" may not be used with "one_time"')
    if get("check_owner") is None:
        derive(settings, "check_owner", bool(get("check_local_user") or get("owners")))
    if get("check_group") is None:
        modemask = int(get("modemask"))  # type: ignore[call-overload]
        derive(settings, "check_group", bool(
            (get("check_local_user") and modemask & 0o020 == 0) or get("owngroups")))
    if get("qualify_domain") is not None and get("qualify_preserve_domain"):
        raise fail('only one of "qualify_domain" or "qualify_preserve_domain" must be set')
    if not get("check_local_user") and get("user") is None and get("allow_filter"):
        raise fail('"user" or "check_local_user" must be set with "allow_filter"')


# ---------------------------------------------------------------------------
# Routing (Exim: routers/redirect.c, rda.c)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyexim.filter.result import FilterResult
    from pyexim.routers.base import Outcome, PasswdEntry
    from pyexim.routers.chain import Queues, Router, Routing
    from pyexim.routers.item import AddressItem

_MAX_FILTER_SIZE = 1024 * 1024           # Exim's MAX_FILTER_SIZE
_SMTP_CODE = r"^\d{3}(?:[ -]\d\.\d{1,3}\.\d{1,3})?[ -]"   # regex_smtp_code


class _Read:
    """The redirection data as rda_interpret found it: text, or a filter outcome code."""

    def __init__(self, text: str | None = None, code: str = "", error: str | None = None):
        self.text, self.code, self.error = text, code, error


def _read_file(run: Routing, router: Router, path: str, pw: PasswdEntry | None) -> _Read:
    """rda_get_file_contents: the file's text after the owner/group/mode checks, or
    "nonexist" (the router declines) or "error" with Exim's message."""
    from pyexim.taint import is_tainted
    if is_tainted(path):
        return _Read(code="error", error=f"Tainted name '{path}' for file read not permitted\n")
    name = str.__str__(path)
    try:
        handle = open(name, "rb")  # noqa: SIM115 - closed by the "with" below, after the errno checks
    except OSError as error:
        if error.errno == errno.ENOENT:
            if router.get("ignore_enotdir"):
                return _Read(code="nonexist")
            exists, message = _exists(name)
            return _Read(code="nonexist") if exists == "no" else _Read(code="error",
                                                                         error=message)
        if error.errno == errno.ENOTDIR and router.get("ignore_enotdir"):
            return _Read(code="nonexist")
        if error.errno == errno.EACCES and router.get("ignore_eacces"):
            return _Read(code="nonexist")
        text = f"failed to open {path}: {os.strerror(error.errno or 0)}"
        if error.errno == errno.EACCES:
            text += f" (euid={os.geteuid()} egid={os.getegid()})"
        return _Read(code="error", error=text)
    with handle:
        st = os.fstat(handle.fileno())
        if not stat.S_ISREG(st.st_mode):
            return _Read(code="error", error=f"{path} is not a regular file")
        modemask = int(router.get("modemask"))
        if st.st_mode & modemask:
            return _Read(code="error", error=f"bad mode (0{st.st_mode:o}) for {path}: "
                                             f"0{st.st_mode & modemask:o} bit(s) unexpected")
        uid_ok = not router.get("check_owner")
        gid_ok = not router.get("check_group")
        if not uid_ok:
            owners = router.get("owners") or ()
            uid_ok = (pw is not None and st.st_uid == pw.uid) or st.st_uid in owners
        if not gid_ok:
            groups = router.get("owngroups") or ()
            gid_ok = (pw is not None and st.st_gid == pw.gid) or st.st_gid in groups
        if not uid_ok or not gid_ok:
            return _Read(code="error", error=f"bad {'group' if uid_ok else 'owner'} for {path}")
        if st.st_size > _MAX_FILTER_SIZE:
            return _Read(code="error", error=f"{path} is too big (max {_MAX_FILTER_SIZE})")
        return _Read(handle.read().decode("latin-1"))


def _exists(path: str) -> tuple[str, str]:
    """rda_exists for a file that could not be opened: ("no", ...) when its directory
    can be examined, else ("unclear", the error)."""
    directory = path.rsplit("/", 1)[0] or "/"
    probe = directory + "/."
    try:
        os.stat(probe)
    except OSError as error:
        failed, problem = probe, error
        if error.errno == errno.EACCES:
            try:
                os.stat(directory)
                return "no", f"{path} does not exist"
            except OSError as error2:
                failed, problem = directory, error2
        return "unclear", f"failed to stat {failed} ({os.strerror(problem.errno or 0)})"
    return "no", f"{path} does not exist"


def route(router: Router, addr: AddressItem, run: Routing, q: Queues,
          pw: PasswdEntry | None, verify: str) -> Outcome:
    """Redirect the address by its data or file: an alias list, a .forward file or a
    filter (redirect_router_entry)."""
    from pyexim.routers import rf
    from pyexim.routers.base import Accept, Decline, Defer, Fail
    from pyexim.routers.item import Prop

    prop = Prop(address_data=run.value("address_data"), domain_data=run.value("domain_data"),
                localpart_data=run.value("local_part_data"),
                variables=dict(addr.prop.variables))
    ok, uid, gid, initgroups = rf.get_ugid(run, router, addr)
    if not ok:
        return Defer()
    if uid is None and pw is not None:
        uid = pw.uid
    if gid is None and pw is not None:
        gid = pw.gid

    qualify_domain = run.option_str("qualify_recipient")
    if router.get("qualify_preserve_domain"):
        qualify_domain = addr.domain
    elif router.get("qualify_domain") is not None:
        value, outcome = rf.expand_data(run, addr, router.text("qualify_domain") or "")
        if value is None:
            return outcome
        qualify_domain = value

    is_file = router.get("file") is not None
    source = router.text("file" if is_file else "data") or ""
    result: FilterResult
    from pyexim.filter import filter_kind
    expanded, outcome = rf.expand_data(run, addr, source)
    if expanded is None:
        return outcome
    data = expanded
    if is_file and not data.startswith("/"):
        addr.message = f'"{data}" is not an absolute path'
        return Defer()
    if uid is not None and gid is not None and (
            is_file or filter_kind(data) != "forward" or ":include:" in data):
        # Exim reads the file, runs the filter or follows :include: in a child process
        # running as uid/gid; when that switch is impossible the child dies.
        if is_file and not os.path.exists(str.__str__(data)) and _exists(data)[0] == "no":
            addr.message = addr.user_message = None
            return Decline()
        if not run.env.can_become(uid, gid):
            return _child_failed(run, router, addr, uid, gid)
    if is_file:
        read = _read_file(run, router, data, pw)
        if read.code == "nonexist":
            addr.message = addr.user_message = None
            return Decline()
        if read.code == "error":
            addr.message = read.error
            return Defer()
        assert read.text is not None
        data = read.text
    kind = filter_kind(data)
    result = _interpret(run, router, addr, data, kind, qualify_domain, pw, verify)

    from pyexim.filter.result import Outcome as FF
    syntax_errors = getattr(result, "syntax_errors", [])
    if result.error is not None:
        addr.message = result.error
    generated = list(result.generated)
    eblock: list[tuple[str, str | None]] = [(e, i) for e, i in syntax_errors]

    def generate() -> Outcome | None:
        """Errors address and header changes, then the new addresses on the queue."""
        problem = _errors_and_headers(run, router, addr, verify, prop)
        if problem is None:
            _add_generated(run, router, q, addr, generated, prop, uid, gid, initgroups, pw)
        return problem

    frc = result.outcome
    if frc is FF.BLACKHOLE:
        generated = []
        frc = FF.DELIVERED
    elif frc is FF.DEFER:
        return _forced_message(router, addr, Defer())
    elif frc is FF.FAIL:
        return generate() or _forced_message(router, addr, Fail())
    elif frc is FF.FREEZE:
        problem = generate()
        if problem is not None:
            return problem
        if addr.message is None:
            addr.message = "frozen by filter"
        addr.freeze = True
        addr.child_count = 9999
        return Defer()
    elif frc in (FF.ERROR, FF.INCLUDE_FAIL):
        if kind != "forward" and router.get("skip_syntax_errors"):
            eblock = [(addr.message or "", None)]
            addr.message = addr.user_message = None
        else:
            from pyexim.routers.rf import ERRNO_BADREDIRECT
            addr.basic_errno = ERRNO_BADREDIRECT
            addr.message = (f"error in {'redirect' if kind == 'forward' else 'filter'} "
                            f"{'file' if is_file else 'data'}: {addr.message}")
            return Defer()

    if eblock:
        for text, item in eblock:
            run.log(f'{router.name} router: skipped error: {text} in "{item}"' if item
                    is not None else f"{router.name} router: skipped error: {text}")
        if verify == "none" and not run.address_test_mode and \
                router.get("syntax_errors_to") is not None:
            run.log(f"{router.name} router: cannot send the syntax error report to "
                    f"{router.get('syntax_errors_to')}: pyexim does not send such reports yet")
        if kind != "forward" or not generated:
            addr.message = "syntax error in redirection data"
            return Decline()

    if generated:
        problem = generate()
        if problem is not None:
            return problem

    if frc is FF.DELIVERED:
        if not generated and verify == "none" and not run.address_test_mode:
            discarded = ":blackhole:" if result.outcome is FF.BLACKHOLE else "discarded"
            run.log(f"=> {discarded} <{addr.address}> R={router.name}")
            from pyexim.routers.base import Discard
            return Discard()
    else:
        if not generated:
            return Decline()
        # A filter that generated addresses without a significant delivery: the
        # original address is delivered too, as a new child of itself.
        child = addr.child(addr.address)
        child.prop = prop.copy()
        addr.child_count += 1
        q.new.insert(0, child)
    q.succeed.insert(0, addr)
    return Accept()


def _child_failed(run: Routing, router: Router, addr: AddressItem, uid: int,
                  gid: int) -> Outcome:
    """rda_interpret when its child cannot become uid/gid: the child logs and dies
    with status 1; the parent reports the broken transfer and defers."""
    from pyexim.routers.base import Defer
    rname = f"{router.name} router (recipient is {addr.address})"
    euid = run.env.ids()[0]
    run.log(f"unable to set gid={gid} or uid={uid} (euid={euid}): {rname}", panic=True)
    previous = f": error={addr.message}" if addr.message else ""
    addr.message = (f"internal problem in {rname}: failure to transfer data from "
                    f"subprocess: status=0100 readerror='Success'{previous}")
    run.log(addr.message, panic=True)
    return Defer()


def _forced_message(router: Router, addr: AddressItem, outcome: Outcome) -> Outcome:
    """:defer:/:fail:/filter defer and fail: the text may be shown to the sender."""
    if not addr.message:
        addr.message = "forced rejection" if outcome.code == "FAIL" else "forced defer"
    else:
        if router.get("forbid_smtp_code"):
            import re  # not at the top: only this rarely used option needs it
            match = re.match(_SMTP_CODE, addr.message, re.ASCII)
            if match:
                addr.message = addr.message[match.end():]
        addr.user_message = addr.message
        addr.pass_message = True
    return outcome


def _errors_and_headers(run: Routing, router: Router, addr: AddressItem, verify: str,
                        prop: object) -> Outcome | None:
    """sort_errors_and_headers: errors_to and header changes into the children's data."""
    from pyexim.routers import rf
    problem, errors_to = rf.get_errors_address(run, addr, router, verify)
    if problem is not None:
        return problem
    prop.errors_address = errors_to  # type: ignore[attr-defined]
    addr.prop.errors_address = errors_to
    problem, extra, remove = rf.get_munge_headers(run, addr, router)
    if problem is not None:
        return problem
    prop.extra_headers, prop.remove_headers = extra, remove  # type: ignore[attr-defined]
    return None


def _interpret(run: Routing, router: Router, addr: AddressItem, data: str, kind: str,
               qualify_domain: str | None, pw: PasswdEntry | None,
               verify: str) -> FilterResult:
    """rda_extract: a plain list through parse_forward_list, or a filter run."""
    from pyexim.filter.result import FilterResult
    from pyexim.filter.result import Outcome as FF

    def rewrite(address: str) -> str:
        # Qualified with the router's qualify domain, then (the "rewrite" option) the
        # global rewriting rules for envelope recipients, as parse_forward_list does.
        from pyexim.address import find_at
        if find_at(address) < 0:
            address = f"{address}@{qualify_domain}"
        if router.get("rewrite") and run.config.rewrite_rules:
            address = run.rewrite_envelope(address, True)
        return address

    if kind == "forward":
        from pyexim.filter.forward import ForwardOptions, parse_forward_list
        include_directory = router.text("include_directory")
        options = ForwardOptions(allow_defer=bool(router.get("allow_defer")),
                                 allow_fail=bool(router.get("allow_fail")),
                                 forbid_blackhole=bool(router.get("forbid_blackhole")),
                                 forbid_include=bool(router.get("forbid_include")),
                                 include_directory=include_directory,
                                 skip_syntax_errors=bool(router.get("skip_syntax_errors")))
        return parse_forward_list(data, addr.domain, rewrite, options)
    if not router.get("allow_filter"):
        return FilterResult(FF.ERROR, error="filtering not enabled")
    if kind == "exim" and router.get("forbid_exim_filter"):
        return FilterResult(FF.ERROR, error="Exim filtering not enabled")
    if kind == "sieve" and router.get("forbid_sieve_filter"):
        return FilterResult(FF.ERROR, error="Sieve filtering not enabled")
    return _run_filter(run, router, addr, data, kind, rewrite, pw, verify)


_FORBID_OPTIONS = {"forbid_filter_dlfunc": "dlfunc", "forbid_filter_existstest": "exists",
                   "forbid_filter_lookup": "lookup", "forbid_filter_perl": "perl",
                   "forbid_filter_readfile": "readfile", "forbid_filter_readsocket": "readsocket",
                   "forbid_filter_run": "run"}


def _run_filter(run: Routing, router: Router, addr: AddressItem, data: str, kind: str,
                rewrite: object, pw: PasswdEntry | None, verify: str) -> FilterResult:
    """Run an Exim or Sieve filter over the expansion engine (no message when testing)."""
    from pyexim.filter.engine import EngineEnv
    from pyexim.filter.env import Envelope
    from pyexim.filter.result import FilterResult
    from pyexim.filter.result import Outcome as FF
    ctx = run.ctx
    envelope = Envelope(local_part=addr.local_part, domain=addr.domain,
                        sender_address=run.value("sender_address"),
                        return_path=run.value("return_path"), prefix=addr.prefix,
                        suffix=addr.suffix, home=run.value("home"),
                        message_id=str(run.value("message_id") or ""))
    saved_forbid = ctx.forbid
    ctx.forbid = saved_forbid | frozenset(
        word for option, word in _FORBID_OPTIONS.items() if router.get(option))
    env = EngineEnv(ctx, rewrite)  # type: ignore[arg-type]
    try:
        if kind == "sieve":
            from pyexim.filter.sieve import SieveOptions, run_sieve
            # Exim writes the verdict ("Implicit keep"...) to the debug output, which
            # -bt has; the verbose trace's last line is that verdict.
            options = SieveOptions(
                vacation_directory=router.text("sieve_vacation_directory"),
                enotify_mailto_owner=router.text("sieve_enotify_mailto_owner"),
                useraddress=router.text("sieve_useraddress"),
                subaddress=router.text("sieve_subaddress"), verbose=True)
            trace: list[str] = []
            result = run_sieve(data, env, envelope, options, report=_quiet,
                               trace=trace.append)
            if trace:
                run.debug_out(trace[-1] + "\n")
            return result
        from pyexim.filter.exim_run import EximFilterOptions, run_exim_filter
        from pyexim.filter.exim_syntax import FilterSyntaxError, parse_exim_filter
        permitted = frozenset(word for word in ("defer", "fail", "freeze")
                              if router.get(f"allow_{word}"))
        try:
            parsed = parse_exim_filter(data, permitted=permitted)
        except FilterSyntaxError as error:
            return FilterResult(FF.ERROR, error=str(error))
        log = "write" if verify == "none" and not run.address_test_mode else "skip"
        exim_options = EximFilterOptions(permitted=permitted, log=log,
                                         prepend_home=bool(router.get("filter_prepend_home")))
        return run_exim_filter(parsed, env, envelope, exim_options, report=_quiet,
                               trace=_quiet)
    finally:
        ctx.forbid = saved_forbid
        ctx.filter_running = False


def _quiet(line: str) -> None:
    """Filters report nothing while routing."""


def _add_generated(run: Routing, router: Router, q: Queues, addr: AddressItem,
                   generated: list, prop: object, uid: int | None, gid: int | None,
                   initgroups: bool, pw: PasswdEntry | None) -> None:
    """add_generated: the new addresses go on the new-address queue, in the order they
    were generated; pipes, files and autoreplies get their transport here."""
    from pyexim.filter.result import Kind
    from pyexim.routers import rf
    from pyexim.routers.item import AddressItem as Item
    one_time = bool(router.get("one_time"))
    check_ancestor = bool(router.get("check_ancestor"))
    new_items: list[Item] = []
    for gen in generated:
        child = Item(gen.address, parent=addr)
        child.start_router = router.redirect_router or 0
        addr.child_count += 1
        if one_time:
            child.onetime_parent = addr.original().address
        child.hide_child = bool(router.get("hide_child_in_errmsg"))
        if check_ancestor:
            for parent in [addr, *addr.ancestors()]:
                caseful = parent.router is not None and parent.router.caseful_local_part
                same = child.address == parent.address if caseful else \
                    child.address.lower() == parent.address.lower()
                if same:
                    child.address = addr.address
                    child.unique = addr.address
                    break
        child.prop = prop.copy()  # type: ignore[attr-defined]
        child.prop.ignore_error = gen.ignore_error or addr.prop.ignore_error
        if gen.errors_to is not None:
            child.prop.errors_address = gen.errors_to
        child.mode = gen.mode
        child.reply = gen.reply
        if gen.kind != Kind.ADDRESS:
            child.pfr = True
            child.file = gen.kind == Kind.FILE
            child.router = router
            child.uid, child.gid, child.initgroups = uid, gid, initgroups
            if router.transport_home_directory is not None:
                child.home_dir = router.transport_home_directory
            elif router.check_local_user and pw is not None:
                child.home_dir = f"\\N{pw.dir}\\N"
            elif router.router_home_directory is not None and addr.home_expanded:
                child.home_dir = run.value("home")
                child.home_expanded = True
            child.current_dir = router.transport_current_directory
            child.allow_pipe = not router.get("forbid_pipe")
            child.allow_file = not router.get("forbid_file")
            child.allow_reply = not router.get("forbid_filter_reply")
            if gen.kind == Kind.PIPE:
                option, require = "pipe_transport", "pipe_transport"
            elif gen.kind == Kind.REPLY:
                option, require = "reply_transport", "reply_transport"
            elif child.address.endswith("/"):
                option, require = "directory_transport", "directory_transport"
            else:
                option, require = "file_transport", "file_transport"
            saved = run.ctx.values.get("address_pipe"), run.ctx.values.get("address_file")
            if gen.kind == Kind.PIPE:
                run.ctx.values["address_pipe"] = child.address
            elif gen.kind == Kind.FILE:
                run.ctx.values["address_file"] = child.address
            ok, transport = rf.get_transport(run, router.text(option), child, router.name,
                                             require)
            run.ctx.values["address_pipe"], run.ctx.values["address_file"] = saved
            if ok:
                child.transport = transport
            else:
                child.bad_transport = True
        new_items.append(child)
    q.new[0:0] = new_items
