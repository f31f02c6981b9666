"""Filters, messages and command lines whose -bf/-bF output is compared with real Exim 4.96.

Each case: ``user`` and/or ``system`` filter text, the ``message`` on stdin, extra
command-line ``args`` (``-bfl alice`` is added unless a case sets the local part, so
the output does not depend on who runs it; elsewhere the caller's login is written
as CALLER). gen_goldens.py runs real Exim on them; test_goldens.py runs pyexim and
compares stdout and the exit status. The filters avoid printing the Message-Id and
Date that Exim adds (they change on every run).
"""

from __future__ import annotations

MESSAGE = """\
From: Bob Sender <bob@elsewhere.example>
To: Alice <alice@qualify.example>, carol@qualify.example
Subject: Lunch on Friday?
X-Spam-Score: 12

Hello Alice,
are you free on Friday?
.. Bob
"""

CASES: list[dict[str, object]] = [
    {"id": "commands", "user": """\
# Exim filter
# every command, in testing mode
deliver alice@elsewhere.example
unseen deliver "Alice <alice@other.example>"
noerror deliver fred errors_to alice@qualify.example
save mail/archive
unseen save inbox 0640
pipe "/usr/bin/vacation -a $local_part"
logfile /tmp/filter.log
logwrite "ignored in testing: $h_subject:"
mail to "$reply_address" cc "x@y.example" subject "Re: $h_subject:" text "Got your \\
     message\\nThanks" return message
seen mail to "$sender_address" expand file "/tmp/.reply" once .once once_repeat 2d4h
vacation
add 12 to n3
add -$n3 to n4
testprint "n3=$n3 n4=$n4 sn1=$sn1 [$thisaddress]"
finish
testprint "never printed"
""", "message": MESSAGE, "args": ["-f", "bob@elsewhere.example"]},

    {"id": "conditions", "user": """\
# Exim filter
if $h_subject: contains "friday" and $h_subject: CONTAINS "Friday" then
  testprint "contains"
endif
if $h_subject: begins "lunch" and not $h_subject: BEGINS "lunch" then testprint begins endif
if $h_subject: ends "?" then testprint ends endif
if $h_subject: matches "^(\\\\w+) on (\\\\w+)" then testprint "matched $1/$2" endif
if $h_subject: MATCHES "^lunch" then testprint wrong else testprint "MATCHES is caseful" endif
if $h_x-spam-score: above 10 and $h_x-spam-score: below 1k then testprint numbers endif
if $message_size above 100 then testprint "big enough" endif
if "aaab" contains "aab" then testprint wrong else testprint "exim quirk kept" endif
if foranyaddress $h_to: ($thisaddress matches "^carol@") then
  testprint "found $thisaddress"
endif
if personal then testprint personal else testprint "not personal" endif
if personal alias bob@elsewhere.example then testprint personal2 else testprint "alias from" endif
if error_message then testprint bounce elif first_delivery then testprint first endif
if not delivered and not manually_thawed then testprint flags endif
if (1 is 2 or 2 is 2) and not (3 is 4) then testprint brackets endif
if "$h_nonexistent:" is "" then testprint "missing header is empty" endif
""", "message": MESSAGE, "args": ["-f", "bob@elsewhere.example"]},

    {"id": "variables", "user": """\
# Exim filter
testprint "sender=$sender_address rp=$return_path lp=$local_part d=$domain"
testprint "size=$message_size bodysize=$message_body_size lines=$body_linecount"
testprint "body=[$message_body]"
testprint "end=[$message_body_end]"
testprint "reply=$reply_address"
testprint "prefix=[$local_part_prefix] suffix=[$local_part_suffix]"
testprint "tab\\tnewline\\nctrl\\x01"
""", "message": MESSAGE, "args": ["-bfl", "alice", "-bfd", "other.example",
                                  "-bfp", "list-", "-bfs", "+x"]},

    {"id": "from-line-and-return-path", "user": """\
# Exim filter
testprint "sender=$sender_address rp=$return_path"
""", "message": "From someone@uucp.example Wed Feb  5 10:47:05 2003\n"
                "Return-Path: <bounces@lists.example>\nSubject: x\n\nbody\n"},

    {"id": "null-sender", "user": """\
# Exim filter
if error_message then testprint "bounce" endif
mail text "not sent"
""", "message": "Subject: failure notice\n\n", "args": ["-f", "<>"]},

    {"id": "no-headers", "user": "# Exim filter\ntestprint \"size=$message_size\"\n",
     "message": ""},

    {"id": "dot-ends-body", "user": """\
# Exim filter
testprint "[$message_body] $message_body_size $body_linecount"
""", "message": "Subject: x\n\nline one\n..stuffed\n\nlast\n.\nnot read\n"},

    {"id": "dot-ignored-with-i", "user": """\
# Exim filter
testprint "[$message_body] $message_body_size $body_linecount"
""", "message": "Subject: x\n\nline one\n.\nmore\n", "args": ["-i"]},

    {"id": "syntax-error", "user": """\
# Exim filter
if $h_subject: contains x then
  deliver a@b.example
endif
frobnicate
""", "message": MESSAGE},

    {"id": "runtime-error", "user": """\
# Exim filter
testprint "before"
if $h_subject: matches "(" then testprint never endif
""", "message": MESSAGE},

    {"id": "fail-in-user-filter", "user": "# Exim filter\nfail text \"go away\"\n",
     "message": MESSAGE},

    {"id": "system-filter", "system": """\
# no "# Exim filter" line needed in a system filter
headers add "X-Filtered: yes"
headers remove "X-Spam-Score"
add 2 to n1
if $h_subject: contains "friday" then
  testprint "subject seen, $recipients"
  headers charset "ISO-8859-1"
endif
""", "user": """\
# Exim filter
testprint "filtered=$h_x-filtered: score=[$h_x-spam-score:] sn1=$sn1 n1=$n1"
""", "message": MESSAGE},

    {"id": "system-fail", "system": """\
if $h_subject: contains "lunch" then
  fail text "No lunch: $h_subject:"
endif
""", "user": "# Exim filter\ntestprint \"user filter runs too\"\n", "message": MESSAGE},

    {"id": "system-freeze", "system": "freeze\n", "message": MESSAGE},
    {"id": "system-defer", "system": "seen defer \"Try later\"\n", "message": MESSAGE},

    {"id": "sieve-actions", "user": """\
# Sieve filter
require ["fileinto", "envelope", "copy"];
if header :contains "subject" "friday" {
  fileinto :copy "Friday";
  redirect "carol@qualify.example";
}
if envelope :domain "from" "elsewhere.example" { keep; }
""", "message": MESSAGE, "args": ["-f", "bob@elsewhere.example"]},

    {"id": "sieve-error", "user": """\
# Sieve filter
if address :all "to" "alice@qualify.example" {
  discard;
}
fileinto "Junk";
""", "message": MESSAGE},

    {"id": "forward-list", "user": """\
alice@elsewhere.example, bob
# a comment
"|/usr/bin/procmail -d alice", /var/mail/alice-copy
\\alice
""", "message": MESSAGE},

    {"id": "forward-blackhole", "user": "a@b.example\n:blackhole:\n", "message": MESSAGE},
    {"id": "forward-fail", "user": ":fail: No such user here\n", "message": MESSAGE},
    {"id": "forward-empty", "user": "# nothing here\n", "message": MESSAGE},
    {"id": "forward-error", "user": "if this { were: sieve }\n", "message": MESSAGE},
]
