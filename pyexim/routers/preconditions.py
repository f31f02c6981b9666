"""Router preconditions, checked in Exim's order (Exim: route.c check_router_conditions,
route_check_prefix, route_check_suffix, check_files, route_check_access; spec: "Generic
options for routers", "Order of precondition tests").

verify_only, address_test, verify_sender/verify_recipient, expn, domains, local_parts (the
local part without the affixes stripped before), check_local_user, router_home_directory,
senders, then debug_print, require_files and condition. Each check writes to the routing
run's --explain sink what it found: the list item that matched, the data a lookup gave,
the user, the condition's value.
"""

from __future__ import annotations

import os

from pyexim.expand import ExpansionError, ForcedFail, to_engine
from pyexim.routers.base import PasswdEntry
from pyexim.routers.item import AddressItem
from pyexim.taint import is_tainted, mark

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyexim.routers.chain import Router, Routing

# Verification kinds (Exim: v_none, v_sender, v_recipient, v_expn).
V_NONE = "none"
V_SENDER = "sender"
V_RECIPIENT = "recipient"
V_EXPN = "expn"

SKIP = "SKIP"
_UNSET_ID = 0xFFFFFFFF          # (uid_t)-1, as $local_user_uid reads when unset


def quoted(text: str | None) -> str:
    """Text quoted for the --explain trace."""
    return '"' + str.__str__(text or "") + '"'


def _check_list(run: Routing, r: Router, kind: str, list_text: str | None, subject: str | None,
                caseless: bool) -> tuple[str, object]:
    """route_check_dls: ("OK", data) / (SKIP, message) / ("DEFER", message)."""
    from pyexim import lists
    if list_text is None:
        return "OK", None
    if kind == "domains":
        result = lists.match_domain(subject or "", list_text, run.ctx, expand=True,
                                    list_name=kind)
    elif kind == "local_parts":
        result = lists.match_local_part(subject or "", list_text, run.ctx,
                                        caseless=caseless, expand=True, list_name=kind)
    else:
        sender = run.value("sender_address") or ""
        result = lists.match_address(str(sender), list_text, run.ctx, caseless=True,
                                     expand=True, list_name=kind)
    how = f" (item {quoted(result.item)})" if result.item is not None else ""
    what = quoted(subject) if subject is not None else \
        f"sender {quoted(str(run.value('sender_address') or ''))}"
    if result.matched:
        data = f", data {quoted(result.value)}" if result.value is not None else ""
        run.note(f"  {kind}: {what} is in {quoted(list_text)}{how}{data}")
        return "OK", result.value
    if result.deferred:
        run.note(f"  {kind}: lookup or other defer in {quoted(list_text)}: {result.message}")
        return "DEFER", f"{kind} check lookup or other defer"
    run.note(f"  {kind}: {what} is not in {quoted(list_text)}{how}")
    return SKIP, f"{r.name} router skipped: {kind} mismatch"

def check_conditions(run: Routing, r: Router, addr: AddressItem, verify: str
                     ) -> tuple[str, PasswdEntry | None, str | None]:
    """check_router_conditions: ("OK", passwd entry, None), (SKIP, None, None) or
    ("DEFER", None, message)."""
    values = run.ctx.values
    values["home"] = None
    values["domain_data"] = None
    values["local_part_data"] = None
    values["sender_data"] = None
    values["local_user_uid"] = values["local_user_gid"] = _UNSET_ID
    run.search_find_defer = False
    if verify in (V_NONE, V_EXPN) and r.verify_only:
        run.note("  skipped: verify_only is set and this is not verification")
        return SKIP, None, None
    if run.address_test_mode and not r.address_test:
        run.note("  skipped: address_test is unset")
        return SKIP, None, None
    if (verify == V_SENDER and not r.verify_sender) or (
            verify == V_RECIPIENT and not r.verify_recipient):
        run.note(f"  skipped: no_verify_{verify} is set")
        return SKIP, None, None
    if verify == V_EXPN and not r.expn:
        run.note("  skipped: no_expn is set")
        return SKIP, None, None

    rc, data = _check_list(run, r, "domains", r.domains, addr.domain, True)
    if rc != "OK":
        return rc, None, None if rc == SKIP else str(data)
    values["domain_data"] = data

    check_local_part = addr.cc_local_part
    if addr.prefix or addr.suffix:
        if addr.prefix:
            check_local_part = check_local_part[len(addr.prefix):]
        if addr.suffix:
            check_local_part = check_local_part[:len(check_local_part) - len(addr.suffix)]
        check_local_part = mark(check_local_part, is_tainted(addr.cc_local_part))
    rc, data = _check_list(run, r, "local_parts", r.local_parts, check_local_part,
                                not r.caseful_local_part)
    if rc != "OK":
        return rc, None, None if rc == SKIP else str(data)
    values["local_part_data"] = data

    pw: PasswdEntry | None = None
    if r.check_local_user:
        pw = run.find_user(addr.local_part)
        if pw is None:
            run.note(f"  check_local_user: {quoted(addr.local_part)} is not a local user")
            return SKIP, None, None
        run.note(f"  check_local_user: {quoted(pw.name)} is a local user (uid {pw.uid}, "
                   f"home {pw.dir})")
        name = to_engine(pw.name)
        addr.prop.localpart_data = name
        values["local_part_data"] = name
        values["home"] = to_engine(pw.dir)
        values["local_user_gid"] = pw.gid
        values["local_user_uid"] = pw.uid

    if r.router_home_directory is not None:
        try:
            values["home"] = run.expand(r.router_home_directory)
            addr.home_expanded = True
        except ForcedFail:
            pass
        except ExpansionError as error:
            return "DEFER", None, (f'failed to expand "{r.router_home_directory}" for '
                                   f"router_home_directory: {error.text}")

    rc, data = _check_list(run, r, "senders", r.senders, None, True)
    if rc != "OK":
        return rc, None, None if rc == SKIP else str(data)

    if r.debug_print is not None and run.env.debug is not None:
        try:
            text = run.expand(r.debug_print)
        except ExpansionError as error:
            run.debug_out(f'failed to expand debug_output "{r.debug_print}": '
                           f"{error.text}\n")
        else:
            if text:
                run.debug_out(text if text.endswith("\n") else text + "\n")

    if r.require_files is not None:
        rc, message = check_files(run, r.require_files)
        if rc != "OK":
            run.note(f"  require_files: {message or 'a file test failed'}")
            return rc, None, message if rc == "DEFER" else None
        run.note("  require_files: all file tests passed")

    if r.condition is not None:
        ok = run.check_condition(r.condition, r.name, "router")
        if not ok:
            if run.search_find_defer:
                run.note("  condition: a lookup deferred")
                return "DEFER", None, "condition check lookup defer"
            run.note(f"  condition: {quoted(r.condition)} gave {run.condition_value}: "
                       "false")
            return SKIP, None, None
        run.note(f"  condition: {quoted(r.condition)} gave {run.condition_value}: true")
    return "OK", pw, None

def check_files(run: Routing, text: str) -> tuple[str, str | None]:
    """require_files (Exim's check_files): ("OK", None), (SKIP, why) or ("DEFER", why)."""
    from pyexim.strings import list_items
    uid = gid = 0
    ugid_set = False
    for check in list_items(text):
        try:
            ss = run.expand(check)
        except ForcedFail:
            continue
        except ExpansionError as error:
            return "DEFER", f'failed to expand "{check}" for require_files: {error.text}'
        if not ss:
            continue
        if "/" not in ss:
            user, comma, group = ss.partition(",")
            if numeric_id(user):
                uid, pw_gid = int(user) & 0xFFFFFFFF, None
            else:
                entry = run.find_user(user)
                if entry is None:
                    return "DEFER", f'user "{ss}" for require_files not found'
                uid, pw_gid = entry.uid, entry.gid
            if not comma:
                if pw_gid is None:
                    return "DEFER", (f"group missing after numerical uid {uid} for "
                                     "require_files")
                gid = pw_gid
            else:
                found = run.find_group(group)
                if found is None:
                    return "DEFER", f'group "{group}" for require_files not found\n'
                gid = found
            ugid_set = True
            continue
        eacces_means_missing = False
        invert = False
        if ss.startswith("+"):
            eacces_means_missing = True
            ss = ss[1:].lstrip()
        if ss.startswith("!"):
            invert = True
            ss = ss[1:].lstrip()
        if not ss.startswith("/"):
            return "DEFER", f'require_files: "{ss}" is not absolute'
        errno_value = 0
        try:
            os.stat(str.__str__(ss))
            exists = True
        except OSError as error:
            exists = False
            errno_value = error.errno or 0
        if exists and ugid_set and not _check_access(ss, uid, gid, 4):
            exists = False
            errno_value = 13
        if not exists:
            if errno_value == 13 and eacces_means_missing:
                errno_value = 2
            if errno_value != 2:
                return "DEFER", f"require_files: error for {ss}: {os.strerror(errno_value)}"
        if exists == invert:
            return SKIP, f"{ss} {'exists' if exists else 'does not exist'}"
    return "OK", None


def strip_affixes(run: Routing, r: Router, addr: AddressItem) -> bool:
    """Strip a configured prefix and suffix; False when the router is to be skipped."""
    if r.prefixes is not None:
        plen, vlen = check_prefix(addr.local_part, r.prefixes)
        if plen > 0:
            tainted = is_tainted(addr.local_part)
            if vlen:
                addr.prefix = mark(addr.local_part[:plen], tainted)
                addr.prefix_v = mark(addr.local_part[:vlen], tainted)
            else:
                addr.prefix = str.__str__(addr.local_part[:plen])
            addr.local_part = mark(addr.local_part[plen:], tainted)
            run.note(f"  local_part_prefix: stripped {quoted(addr.prefix)}")
        elif not r.prefix_optional:
            run.note(f"  skipped: {quoted(addr.local_part)} has no prefix from "
                       f"{quoted(r.prefixes)}")
            return False
    if r.suffixes is not None:
        slen, vlen = check_suffix(addr.local_part, r.suffixes)
        if slen > 0:
            tainted = is_tainted(addr.local_part)
            lplen = len(addr.local_part) - slen
            suffix = addr.local_part[lplen:]
            addr.suffix = mark(suffix, tainted) if vlen else str.__str__(suffix)
            addr.suffix_v = mark(suffix[len(suffix) - vlen:], tainted) if vlen else ""
            addr.local_part = mark(addr.local_part[:lplen], tainted)
            run.note(f"  local_part_suffix: stripped {quoted(addr.suffix)}")
        elif not r.suffix_optional:
            run.note(f"  skipped: {quoted(addr.local_part)} has no suffix from "
                       f"{quoted(r.suffixes)}")
            return False
    return True


def numeric_id(text: str) -> bool:
    """Exim's test for a numeric uid/gid: a digit or "-", then only digits."""
    return bool(text) and (text[0].isdigit() or text[0] == "-") and all(
        c in "0123456789" for c in text[1:])


def _check_access(path: str, uid: int, gid: int, bits: int) -> bool:
    """route_check_access: can uid/gid reach *path* (search on directories, *bits* on it)?"""
    import stat as stat_module
    real = os.path.realpath(str.__str__(path))
    parts = real.split("/")
    current = ""
    for part in parts[1:-1]:
        current += "/" + part
        try:
            st = os.stat(current)
        except OSError:
            return False
        need = 0o100 if st.st_uid == uid else 0o010 if st.st_gid == gid else 0o001
        if not st.st_mode & need:
            return False
    try:
        st = os.stat(real)
    except OSError:
        return False
    if st.st_uid == uid:
        bits <<= 6
    elif st.st_gid == gid:
        bits <<= 3
    del stat_module
    return st.st_mode & bits == bits


def check_prefix(local_part: str, prefixes: str) -> tuple[int, int]:
    """(length of the matching prefix, length of its wildcard part) or (0, 0)
    (Exim's route_check_prefix; "*" at the start of a prefix is a wildcard)."""
    from pyexim.strings import list_items
    lower = local_part.lower()
    for prefix in list_items(prefixes):
        if prefix.startswith("*"):
            fixed = prefix[1:].lower()
            for p in range(len(local_part) - len(fixed), -1, -1):
                if lower[p:p + len(fixed)] == fixed:
                    return len(fixed) + p, p
        elif lower[:len(prefix)] == prefix.lower() and len(local_part) >= len(prefix):
            return len(prefix), 0
    return 0, 0


def check_suffix(local_part: str, suffixes: str) -> tuple[int, int]:
    """(length of the matching suffix, length of its wildcard part) or (0, 0)
    (Exim's route_check_suffix; "*" at the end of a suffix is a wildcard)."""
    from pyexim.strings import list_items
    lower = local_part.lower()
    alen = len(local_part)
    for suffix in list_items(suffixes):
        if suffix.endswith("*"):
            fixed = suffix[:-1].lower()
            for p in range(alen - len(fixed) + 1):
                if lower[p:p + len(fixed)] == fixed:
                    tlen = alen - p
                    return tlen, tlen - len(fixed)
        elif alen > len(suffix) and lower[alen - len(suffix):] == suffix.lower():
            return len(suffix), 0
    return 0, 0
