"""The dnslookup router (spec: "The dnslookup router")."""

from __future__ import annotations

from pyexim.config.options import Bool, Opt, OptionTable, String

OPTIONS = OptionTable("dnslookup router", [
    Opt("check_secondary_mx", Bool(), False),
    Opt("check_srv", String(), None),
    Opt("fail_defer_domains", String(), None),
    Opt("ipv4_only", String(), None),
    Opt("ipv4_prefer", String(), None),
    Opt("mx_domains", String(), None),
    Opt("mx_fail_domains", String(), None),
    Opt("qualify_single", Bool(), True),
    Opt("rewrite_headers", Bool(), True),
    Opt("same_domain_copy_routing", Bool(), False),
    Opt("search_parents", Bool(), False),
    Opt("srv_fail_domains", String(), None),
    Opt("widen_domains", String(), None),
])
