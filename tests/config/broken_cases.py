"""Broken configurations, one problem each, for test_broken.py and gen_broken_goldens.py.

Each case is a set of files written into a fresh directory (``DIR`` in a file's
text is replaced by that directory's path); ``main.conf`` is the configuration
read. What real Exim 4.96 says about each is in broken_goldens.json, produced by
gen_broken_goldens.py (never edited by hand).

``differs`` marks a case where pyexim says more than Exim on purpose: then pyexim's
reason must start with Exim's.
"""

from __future__ import annotations

# A minimal valid tail, so that a case's error is the only one.
OK_ROUTER = "begin routers\nr1:\n  driver = accept\n  transport = t1\n"
OK_TRANSPORT = "begin transports\nt1:\n  driver = appendfile\n  file = /dev/null\n"

CASES: list[dict[str, object]] = [
    # -- preprocessor -------------------------------------------------------------
    {"id": "macro-name-too-long",
     "files": {"main.conf": "A" + "B" * 70 + " = 1\n"}},
    {"id": "macro-malformed",
     "files": {"main.conf": "keep_environment =\nMY-MACRO = 1\n"}},
    {"id": "macro-already-defined",
     "files": {"main.conf": "FOO = 1\nFOO = 2\n"}},
    {"id": "macro-substring",
     "files": {"main.conf": "ABC = 1\nXABCY = 2\n"}},
    {"id": "macro-redefine-undefined",
     "files": {"main.conf": "ABC == 1\n"}},
    {"id": "ifdef-unterminated",
     "files": {"main.conf": "keep_environment =\n.ifdef FOO\nqualify_domain = x\n"}},
    {"id": "endif-without-ifdef",
     "files": {"main.conf": "keep_environment =\n.endif\n"}},
    {"id": "else-without-ifdef",
     "files": {"main.conf": "keep_environment =\n\n.else\n"}},
    {"id": "ifdef-nested-too-deeply",
     "files": {"main.conf": "".join(".ifdef X\n" for _ in range(11)) +
               "".join(".endif\n" for _ in range(11))}},
    {"id": "include-missing",
     "files": {"main.conf": "keep_environment =\n.include DIR/nonexistent.conf\n"}},
    {"id": "include-relative-missing",
     "files": {"main.conf": "keep_environment =\n.include sub/none.conf\n"}},
    {"id": "include-if-exists-relative",
     "files": {"main.conf": ".include_if_exists relative.conf\n"}},
    {"id": "include-loop",
     "files": {"main.conf": "keep_environment =\n.include DIR/a.conf\n",
               "a.conf": "# a\n.include DIR/b.conf\n",
               "b.conf": ".include DIR/a.conf\n"},
     "differs": True},
    {"id": "error-in-included-file",
     "files": {"main.conf": "keep_environment =\n.include DIR/inc.conf\n",
               "inc.conf": "# comment\n\nqualify_domain = x\nnosuchoption = 1\n"}},
    {"id": "bom",
     "files": {"main.conf": "\ufeffkeep_environment =\n"}},
    {"id": "continuation-error-line",
     "files": {"main.conf": "keep_environment =\nqualify_domai = \\\n  a.example \\\n"
               "  # comment inside\n  b.example\n"}},
    {"id": "unknown-section",
     "files": {"main.conf": "keep_environment =\nbegin routerz\nr1:\n  driver = accept\n"}},
    {"id": "repeated-section",
     "files": {"main.conf": "keep_environment =\nbegin rewrite\nbegin rewrite\n"}},
    {"id": "local-scan-section",
     "files": {"main.conf": "keep_environment =\nbegin local_scan\n"}},
    # -- main section ----------------------------------------------------------------
    {"id": "unknown-main-option",
     "files": {"main.conf": "keep_environment =\nprimary_hostnam = x\n"}},
    {"id": "missing-quote",
     "files": {"main.conf": "keep_environment =\nprimary_hostname = \"abc\n"}},
    {"id": "extra-after-quote",
     "files": {"main.conf": "keep_environment =\nprimary_hostname = \"abc\" # no\n"}},
    {"id": "bad-time",
     "files": {"main.conf": "keep_environment =\nretry_interval_max = 1x\n"}},
    {"id": "bad-boolean-word",
     "files": {"main.conf": "keep_environment =\nsplit_spool_directory = maybe\n"}},
    {"id": "negated-non-boolean",
     "files": {"main.conf": "keep_environment =\nno_primary_hostname\n"}},
    {"id": "option-set-twice",
     "files": {"main.conf": "keep_environment =\nqualify_domain = a\nqualify_domain = b\n"}},
    {"id": "option-setting-expected",
     "files": {"main.conf": "keep_environment =\n+smtp_syntax_error\n"}},
    {"id": "named-list-duplicate",
     "files": {"main.conf": "keep_environment =\ndomainlist d = a\ndomainlist d = b\n"}},
    {"id": "named-list-missing-equals",
     "files": {"main.conf": "keep_environment =\nhostlist h  127.0.0.1\n"}},
    {"id": "named-list-unrecognized",
     "files": {"main.conf": "keep_environment =\ndomainlistx d = a\n"}},
    {"id": "named-list-too-many",
     "files": {"main.conf": "keep_environment =\n" +
               "".join(f"addresslist a{i} = x{i}\n" for i in range(33))}},
    {"id": "main-check-no-heading",
     "files": {"main.conf": "keep_environment =\nlocal_from_check\nlocal_sender_retain\n"}},
    # -- ACLs -------------------------------------------------------------------------
    {"id": "acl-unknown-condition",
     "files": {"main.conf": "keep_environment =\nbegin acl\na1:\n  accept hots = :\n"}},
    {"id": "acl-unknown-verb",
     "files": {"main.conf": "keep_environment =\nbegin acl\na1:\n  acept hosts = :\n"}},
    {"id": "acl-negated-modifier",
     "files": {"main.conf": "keep_environment =\nbegin acl\na1:\n  deny\n  !message = x\n"}},
    {"id": "acl-endpass-with-deny",
     "files": {"main.conf": "keep_environment =\nbegin acl\na1:\n  deny hosts = :\n"
               "       endpass\n"}},
    {"id": "acl-missing-equals",
     "files": {"main.conf": "keep_environment =\nbegin acl\na1:\n  accept hosts :\n"}},
    {"id": "acl-malformed-name",
     "files": {"main.conf": "keep_environment =\nbegin acl\n  accept\n"}},
    {"id": "acl-two-with-same-name",
     "files": {"main.conf": "keep_environment =\nbegin acl\na1:\n  accept\na1:\n  deny\n"}},
    {"id": "acl-set-bad-variable",
     "files": {"main.conf": "keep_environment =\nbegin acl\na1:\n  warn set acl_x = 1\n"}},
    {"id": "acl-negated-verb",
     "files": {"main.conf": "keep_environment =\nbegin acl\na1:\n  !accept\n"}},
    # -- routers, transports, authenticators -----------------------------------------
    {"id": "unknown-router-driver",
     "files": {"main.conf": "keep_environment =\nbegin routers\nr1:\n  driver = acept\n"}},
    {"id": "router-name-missing",
     "files": {"main.conf": "keep_environment =\nbegin routers\n  driver = accept\n"}},
    {"id": "private-option-before-driver",
     "files": {"main.conf": "keep_environment =\nbegin transports\nt1:\n  file = /x\n"
               "  driver = appendfile\n"}},
    {"id": "unknown-private-option",
     "files": {"main.conf": "keep_environment =\n" + OK_ROUTER + OK_TRANSPORT +
               "  maildir_formatt\n"}},
    {"id": "two-routers-same-name",
     "files": {"main.conf": "keep_environment =\n" + OK_ROUTER +
               "r1:\n  driver = accept\n  transport = t1\n" + OK_TRANSPORT}},
    {"id": "extra-after-driver-name",
     "files": {"main.conf": "keep_environment =\nbegin routers\nr1: x\n  driver = accept\n"}},
    {"id": "no-driver-defined",
     "files": {"main.conf": "keep_environment =\nbegin routers\nr1:\n  domains = a\n"
               "r2:\n  driver = redirect\n  data = x\n"}},
    {"id": "macro-ends-driver",
     "files": {"main.conf": "keep_environment =\nbegin routers\nr1:\n  driver = accept\n"
               "FOO = 1\n  transport = t1\n"}},
    {"id": "router-needs-transport",
     "files": {"main.conf": "keep_environment =\nbegin routers\nr1:\n  driver = accept\n"}},
    {"id": "long-name-in-router-section",
     "files": {"main.conf": "keep_environment =\nbegin routers\nr1:\n  driver = accept\n"
               "  " + "x" * 70 + " = 1\n"}},
    {"id": "auth-same-public-name",
     "files": {"main.conf": "keep_environment =\nbegin authenticators\n"
               "a1:\n  driver = plaintext\n  public_name = PLAIN\n  server_condition = yes\n"
               "a2:\n  driver = plaintext\n  public_name = plain\n  server_condition = no\n"}},
    # -- retry and rewrite ------------------------------------------------------------
    {"id": "retry-bad-parameters",
     "files": {"main.conf": "keep_environment =\nbegin retry\n* * F,0m,1m\n"}},
    {"id": "retry-missing-error-type",
     "files": {"main.conf": "keep_environment =\nbegin retry\n*\n"}},
    {"id": "retry-unknown-error",
     "files": {"main.conf": "keep_environment =\nbegin retry\n* nosuch F,2h,15m\n"}},
    {"id": "retry-comma-expected",
     "files": {"main.conf": "keep_environment =\nbegin retry\n* * F 2h,15m\n"}},
    {"id": "retry-unknown-letter",
     "files": {"main.conf": "keep_environment =\nbegin retry\n* * X,2h,15m\n"}},
    {"id": "retry-semicolon-expected",
     "files": {"main.conf": "keep_environment =\nbegin retry\n* * F,2h,15m G,16h,1h,1.5\n"}},
    {"id": "retry-auth-without-failed",
     "files": {"main.conf": "keep_environment =\nbegin retry\n* auth F,2h,15m\n"}},
    {"id": "acl-long-name-where-name-expected",
     "files": {"main.conf": "keep_environment =\nbegin acl\n" + "n" * 70 + "\n"}},
    {"id": "rewrite-unknown-flag",
     "files": {"main.conf": "keep_environment =\nbegin rewrite\n*@a.example $local_part@b "
               "Z\n"}},
    {"id": "rewrite-missing-replacement",
     "files": {"main.conf": "keep_environment =\nbegin rewrite\n*@a.example\n"}},
]
