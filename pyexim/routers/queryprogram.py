"""The queryprogram router (spec: "The queryprogram router")."""

from __future__ import annotations

from pyexim.config.options import (
    EximConfigError,
    ExpandGid,
    ExpandUid,
    MainGetter,
    Opt,
    OptionTable,
    Settings,
    String,
    Time,
    value_of,
)

OPTIONS = OptionTable("queryprogram router", [
    Opt("command", String(), None),
    Opt("command_group", ExpandGid(), None),
    Opt("command_user", ExpandUid(), None),
    Opt("current_directory", String(), "/"),
    Opt("timeout", Time(), 3600),
])


def init(name: str, settings: Settings, main: MainGetter) -> None:
    """queryprogram_router_init: a command and a command_user are required."""
    if value_of(OPTIONS, settings, "command") is None:
        raise EximConfigError(f"{name} router:\n  a command specification is required",
                              form="for")
    if value_of(OPTIONS, settings, "command_user") is None:
        raise EximConfigError(f"{name} router:\n  command_user must be specified", form="for")


# ---------------------------------------------------------------------------
# Routing (Exim: routers/queryprogram.c)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyexim.routers.base import Outcome, PasswdEntry
    from pyexim.routers.chain import Queues, Router, Routing
    from pyexim.routers.item import AddressItem, Prop

_MAX_ARGS = 61                  # Exim allows the address count (1 here) plus 60


def command_argv(run: Routing, command: str, etext: str) -> list[str] | str:
    """transport_set_up_command for a configured command: split it, expand each
    argument, refuse tainted ones. The argument list, or Exim's error text."""
    from pyexim.expand import ExpansionError
    from pyexim.expand.extitems import split_command
    from pyexim.taint import is_tainted
    words = split_command(command)
    if len(words) > _MAX_ARGS:
        return f'Too many arguments in command "{command}" in {etext}'
    argv = []
    for i, word in enumerate(words):
        try:
            value = run.expand(word)
        except ExpansionError as error:
            return (f'Expansion of "{word}" from command "{command}" in {etext} failed: '
                    f"{error.text}")
        if is_tainted(value):
            return f"Tainted arg {i} for {etext} command: '{value}'"
        argv.append(value)
    return argv


def _run_command(argv: list[str], uid: int | None, gid: int | None, cwd: str,
                 timeout: int) -> tuple[int, bytes]:
    """Run the command (as uid/gid when given) without input; (status, output).

    The status is the exit code (127 when the command cannot be executed), -256 for a
    timeout (the process group is killed), -257 when no child could be made, or minus
    the signal that killed it.
    """
    import os
    import signal
    import subprocess
    try:
        proc = subprocess.Popen([a.encode("latin-1") for a in argv], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, cwd=cwd, umask=0o077,
                                start_new_session=True, user=uid, group=gid,
                                extra_groups=[] if gid is not None else None)
    except subprocess.SubprocessError:
        return -257, b""
    except OSError:
        # Exim forks first; a command that cannot be executed ends the child with 127.
        return 127, b""
    try:
        output, _ = proc.communicate(timeout=timeout if timeout > 0 else None)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return -256, b""
    return proc.returncode, output


def route(router: Router, addr: AddressItem, run: Routing, q: Queues,
          pw: PasswdEntry | None, verify: str) -> Outcome:
    """Ask an external command how to route the address (queryprogram_router_entry)."""
    import os

    from pyexim.expand import to_engine
    from pyexim.routers import rf
    from pyexim.routers.base import Decline, Defer, Fail, Pass
    from pyexim.routers.item import Prop

    prop = Prop(address_data=run.value("address_data"), variables=dict(addr.prop.variables))
    problem, prop.errors_address = rf.get_errors_address(run, addr, router, verify)
    if problem is not None:
        return problem
    problem, prop.extra_headers, prop.remove_headers = rf.get_munge_headers(run, addr, router)
    if problem is not None:
        return problem

    user, group = router.get("command_user"), router.get("command_group")
    user_gid: int | None = None
    if isinstance(user, int):
        uid = user
        user_gid = _gid_of_user(run, user)
    else:
        found = run.find_expanded_user(to_engine(str(user)), router.name, "router", addr)
        if found is None:
            return Defer()
        uid, user_gid = found
    if isinstance(group, int):
        gid = group
    elif group is not None:
        expanded_gid = run.find_expanded_group(to_engine(group), router.name, "router", addr)
        if expanded_gid is None:
            return Defer()
        gid = expanded_gid
    elif user_gid is not None:
        gid = user_gid
    else:
        addr.message = f"command_user set without command_group for {router.name} router"
        return Defer()
    run_uid: int | None = uid
    run_gid: int | None = gid
    own_uid, own_gid = run.env.ids()
    if own_uid != 0 and (uid != own_uid or gid != own_gid):
        # Not root: the command runs as we are (Exim passes no uid/gid to the child).
        run_uid, run_gid = own_uid, own_gid
        if (own_uid, own_gid) == (os.geteuid(), os.getegid()):
            run_uid = run_gid = None

    argv = command_argv(run, router.text("command") or "", "queryprogram router")
    if isinstance(argv, str):
        addr.message = argv
        return Defer()
    status, output = _run_command(argv, run_uid, run_gid,
                                  str(router.get("current_directory") or "/"),
                                  int(router.get("timeout")))
    if status != 0:
        if status == -257:
            addr.message = f"{router.name} router couldn't create child process"
        elif status > 0:
            addr.message = f"{router.name} router: command returned non-zero code {status}"
        elif status == -256:
            addr.message = f"{router.name} router: command timed out"
        else:
            addr.message = f"{router.name} router: command killed by signal {-status}"
        return Defer()
    text = output[:1023].decode("latin-1")
    if not text:
        addr.message = f"{router.name} router: command failed to return data"
        return Defer()
    text = text.rstrip(" \t\n\v\f\r").lstrip(" \t\n\v\f\r")
    word, _, data = _split_word(text)
    lword = word.lower()
    if lword == "redirect":
        return _redirect(run, router, addr, q, data, prop)
    if lword != "accept":
        if lword == "decline":
            return Decline()
        if lword == "pass":
            return Pass()
        addr.message = data
        if lword == "fail":
            addr.pass_message = True
            return Fail()
        if lword == "freeze":
            addr.freeze = True
        elif lword != "defer":
            addr.message = f"bad command yield: {word} {data}"
            run.log(f"{router.name} router: {addr.message}", panic=True)
        return Defer()
    return _accept(run, router, addr, q, pw, data, prop)


def _split_word(text: str) -> tuple[str, str, str]:
    """The first white-space-delimited word and the rest after one white space."""
    for i, ch in enumerate(text):
        if ch in " \t\n\v\f\r":
            return text[:i], ch, text[i + 1:]
    return text, "", ""


def _gid_of_user(run: Routing, uid: int) -> int | None:
    import pwd
    del run
    try:
        return pwd.getpwuid(uid).pw_gid
    except KeyError:
        return None


def _redirect(run: Routing, router: Router, addr: AddressItem, q: Queues, data: str,
              prop: Prop) -> Outcome:
    """REDIRECT: the rest is an address list; no files, pipes, :include: or specials
    other than :defer: and :fail:."""
    from pyexim.filter.forward import ForwardOptions, parse_forward_list
    from pyexim.filter.result import Outcome as FF
    from pyexim.routers.base import Accept, Defer, Fail
    from pyexim.routers.rf import ERRNO_BADREDIRECT
    qualify = run.option_str("qualify_recipient") or ""

    def rewrite(address: str) -> str:
        from pyexim.address import find_at
        return address if find_at(address) >= 0 else f"{address}@{qualify}"

    result = parse_forward_list(data, addr.domain, rewrite, ForwardOptions(
        allow_defer=True, allow_fail=True, forbid_blackhole=True, forbid_include=True))
    if result.error is not None:
        addr.message = result.error
    if result.outcome is FF.DEFER:
        if not addr.message:
            addr.message = "forced defer"
        else:
            addr.user_message = addr.message
        return Defer()
    if result.outcome is FF.FAIL:
        _add_generated(router, addr, q, result.generated, prop)
        if not addr.message:
            addr.message = "forced rejection"
        else:
            addr.user_message = addr.message
        return Fail()
    if result.outcome is not FF.DELIVERED or not result.generated:
        if result.outcome is FF.NOT_DELIVERED:
            addr.message = "no addresses supplied"
        addr.basic_errno = ERRNO_BADREDIRECT
        addr.message = f"error in redirect data: {addr.message}"
        return Defer()
    _add_generated(router, addr, q, result.generated, prop)
    q.succeed.insert(0, addr)
    return Accept()


def _add_generated(router: Router, addr: AddressItem, q: Queues, generated: list,
                   prop: Prop) -> None:
    items = []
    for gen in generated:
        child = addr.child(gen.address)
        child.prop = prop.copy()
        child.prop.ignore_error = child.prop.ignore_error or addr.prop.ignore_error
        child.start_router = router.redirect_router or 0
        addr.child_count += 1
        items.append(child)
    q.new[0:0] = items


def _accept(run: Routing, router: Router, addr: AddressItem, q: Queues,
            pw: PasswdEntry | None, data: str, prop: Prop) -> Outcome:
    """ACCEPT with optional data=, transport=, hosts= and lookup= fields."""
    from pyexim.expand.items import getkeyed
    from pyexim.routers import rf
    from pyexim.routers.base import Accept, Defer
    from pyexim.routers.hosts import LK_BYDNS, LK_BYNAME, LK_DEFAULT, build_hostlist
    value = getkeyed("data", data)
    if value:
        prop.address_data = value
    name = getkeyed("transport", data)
    if name:
        if run.transport(name) is None:
            addr.message = f"unknown transport name {name} yielded by command"
            run.log(f"{router.name} router: {addr.message}", panic=True)
            return Defer()
        addr.transport = name
    else:
        ok, transport = rf.get_transport(run, router.transport_name, addr, router.name,
                                         "transport")
        if not ok:
            return Defer()
        addr.transport = transport
    hosts = getkeyed("hosts", data)
    if hosts:
        lookup_type = LK_DEFAULT
        how = getkeyed("lookup", data)
        if how:
            if how not in ("byname", "bydns"):
                addr.message = f'bad lookup type "{how}" yielded by command'
                run.log(f"{router.name} router: {addr.message}", panic=True)
                return Defer()
            lookup_type = LK_BYNAME if how == "byname" else LK_BYDNS
        addr.host_list = build_hostlist(hosts, False, run.rng)
        outcome = rf.lookup_hostlist(run, router, addr, router.ignore_target_hosts,
                                     lookup_type, "defer", q)
        if not isinstance(outcome, Accept):
            return outcome
    run.ctx.lookup_value = None
    addr.prop = prop
    return Accept() if rf.queue_add(run, addr, q, router, pw) else Defer()
