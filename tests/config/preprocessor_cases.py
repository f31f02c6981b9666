"""Preprocessor corner cases, for test_preprocessor.py and gen_preprocessor_goldens.py.

Each case is a set of files (``DIR`` replaced by the directory they are written
to), the -D macros to pass, and what ``exim -bP config`` printed for it (stdout and
exit status) in preprocessor_goldens.json, from real Exim 4.96. The -bP config
text shows exactly which logical lines Exim read, after macros, conditionals,
includes and continuations.
"""

from __future__ import annotations

KEEP = "keep_environment =\n"

CASES: list[dict[str, object]] = [
    {"id": "continuation-drops-leading-space",
     "files": {"main.conf": KEEP + "qualify_domain = a\\\n      b.example\n"}},
    {"id": "continuation-keeps-space-before-backslash",
     "files": {"main.conf": KEEP + "qualify_domain = a \\\n  b\n"}},
    {"id": "continuation-skips-comment-lines",
     "files": {"main.conf": KEEP + "domainlist d = a : \\\n# note\n   b : \\\n  # x\n  c\n"}},
    {"id": "continuation-ended-by-blank-line",
     "files": {"main.conf": KEEP + "domainlist d = a \\\n\nqualify_domain = q\n"}},
    {"id": "double-backslash-continues-over-blank",
     "files": {"main.conf": KEEP + "domainlist d = a\\\\\n\n b\n"}},
    {"id": "comment-needs-line-start",
     "files": {"main.conf": KEEP + "   # indented comment\nqualify_domain = a # not a comment\n"}},
    {"id": "macro-substitution-order",
     "files": {"main.conf": KEEP + "AB = first\nABC = second\nqualify_domain = ABC\n"}},
    {"id": "macro-later-sees-earlier-replacement",
     "files": {"main.conf": KEEP + "XY = Z_VALUE\nZ_VALUE = done\nqualify_domain = XY\n"}},
    {"id": "macro-redefinition",
     "files": {"main.conf": KEEP + "M1 = one\nM1 == two\nqualify_domain = M1\n"}},
    {"id": "cli-macro-wins",
     "files": {"main.conf": KEEP + "M1 = file\nqualify_domain = M1\n"},
     "macros": ["-DM1=cli"]},
    {"id": "builtin-macros-only-after-underscore-start",
     "files": {"main.conf": KEEP + "V1 = _HAVE_TLS\nqualify_domain = V1 _HAVE_DKIM\n"
               "primary_hostname = _HAVE_DKIM X\n"}},
    {"id": "ifdef-builtin",
     "files": {"main.conf": KEEP + ".ifdef _HAVE_TLS\nqualify_domain = tls\n.else\n"
               "qualify_domain = notls\n.endif\n.ifdef _HAVE_DMARC\nprimary_hostname = d\n"
               ".endif\n"}},
    {"id": "elif-chain",
     "files": {"main.conf": KEEP + "B = 1\n.ifdef A\nqualify_domain = a\n.elifdef B\n"
               "qualify_domain = b\n.elifndef C\nprimary_hostname = c\n.else\n"
               "primary_hostname = else\n.endif\n"}},
    {"id": "nested-ifdef-in-skipped-part",
     "files": {"main.conf": KEEP + ".ifdef NOPE\n.ifndef NOPE\nqualify_domain = x\n.endif\n"
               "primary_hostname = y\n.endif\nqualify_domain = z\n"}},
    {"id": "directive-followed-by-tab-is-dropped",
     "files": {"main.conf": KEEP + ".ifdef\tNOPE\nqualify_domain = kept\n"}},
    {"id": "directive-followed-by-t-is-a-directive",
     "files": {"main.conf": KEEP + ".ifdeft NOPE\nqualify_domain = skipped\n.endif\n"
               "primary_hostname = p\n"}},
    {"id": "unknown-dot-word-is-dropped",
     "files": {"main.conf": KEEP + ".elsewhere\nqualify_domain = q\n"}},
    {"id": "include-relative-and-quoted",
     "files": {"main.conf": KEEP + ".include \"sub/inc.conf\"\nprimary_hostname = p\n",
               "sub/inc.conf": "qualify_domain = from_inc\n.include more.conf\n",
               "sub/more.conf": "\n# only a comment\n"}},
    {"id": "include-if-exists-missing-is-skipped",
     "files": {"main.conf": KEEP + ".include_if_exists DIR/none.conf\nqualify_domain = q\n"}},
    {"id": "include-continues-logical-line",
     "files": {"main.conf": KEEP + ".include DIR/inc.conf\n  b.example\n",
               "inc.conf": "qualify_domain = a.\\\n"}},
    {"id": "ifdef-spans-include",
     "files": {"main.conf": KEEP + ".ifdef NOPE\n.include DIR/inc.conf\nqualify_domain = q\n",
               "inc.conf": ".endif\n"}},
    {"id": "nul-ends-the-line",
     "files": {"main.conf": KEEP + "qualify_domain = abc\x00def\nprimary_hostname = p\n"}},
    {"id": "begin-any-case-and-singular",
     "files": {"main.conf": KEEP + "BEGIN Router\nr1:\n  driver = redirect\n"
               "  data = x\nbegin transport\n"}},
    {"id": "macro-in-driver-and-acl-sections",
     "files": {"main.conf": KEEP + "begin acl\nA1 = accept\nacl1:\n  A1\nM2 = deny\n"
               "acl2:\n M2 hosts = :\nbegin routers\nD = redirect\nr1:\n  driver = D\n"
               "  data = x\n"}},
    {"id": "retry-and-rewrite-lines-are-not-macros",
     "files": {"main.conf": KEEP + "begin retry\n*   *   F,2h,15m;  G,16h,1h,1.5\n"
               "begin rewrite\n*@a.example   \"$local_part@b.example\"   Fr\n"}},
    {"id": "whitespace-collapse-stops-at-quote-or-dollar",
     "files": {"main.conf": KEEP + "qualify_domain =   a\t\tb  \"c   d\"   e\n"
               "primary_hostname = x $y    z\nhelo_accept_junk_hosts = a   b  $c    d\n"}},
    {"id": "empty-macro-at-line-start",
     "files": {"main.conf": KEEP + "EMPTY =\nEMPTY   qualify_domain = q\n"}},
    {"id": "macro-becomes-comment",
     "files": {"main.conf": KEEP + "HASH = # gone\nHASH qualify_domain = q\n"}},
    {"id": "acl-layout",
     "files": {"main.conf": KEEP + "begin acl\nacl_rcpt:\n  accept  hosts = :\n"
               "          endpass\n  deny    message   = \"no   way\"\n"
               "          !verify = recipient\n\nacl_data: accept\n"}},
    {"id": "continued-line-at-end-keeps-a-skipped-comment",
     "files": {"main.conf": KEEP + "qualify_domain = a\\\n# comment\n"}},
    {"id": "continued-line-at-end-keeps-a-skipped-include",
     "files": {"main.conf": KEEP + "qualify_domain = a\\\n"
               ".include_if_exists \"DIR/none.conf\"  \n"}},
    {"id": "crlf-endif-is-dropped",
     "files": {"main.conf": KEEP + ".ifdef NOPE\r\nqualify_domain = q\r\n.endif\r\n"}},
]
