"""Sans-IO SMTP: events, replies, line buffer, server and client state machines, DATA framing.

Contract: bytes in, events out; replies in, bytes out. No sockets, no Twisted, no
configuration: the caller (receive/ for the server, transports/smtp for the client)
supplies policy and the network adapter (net/) supplies bytes.

Modules, one concept each:

=================  ==========================================================================
``server``         ``ServerConnection(limits: Limits, settings: Settings)``: Exim's smtp_in.c
``client``         ``ClientConnection(lmtp=False, max_reply=65536)``: transports and callouts
``events``         what the server machine reports (``MailFrom``, ``RcptTo``, ``Data``, ...)
``replies``        ``Reply`` values, Exim's multi-line and user-code rules, ``ReplyParser``
``texts``          Exim 4.96's standard reply texts (banner, EHLO, HELP, ACL rejections ...)
``commands``       reading one command line as Exim does; ESMTP parameter extraction
``data``           DATA dot-stuffing and end of data, BDAT line mode, ``spool_body``
``buffer``         the receive buffer (16384-octet command lines, as Exim)
``capabilities``   what an EHLO reply advertises (shared by server and client)
``errors``         ``LocalProtocolError`` (our misuse), ``RemoteProtocolError`` (peer's)
=================  ==========================================================================

The server, driven by receive/ and fed by net/ (``NEED_DATA``, ``PAUSED`` and the event
classes come from ``events``, ``CLOSED`` from ``server``)::

    conn = ServerConnection(Limits(max_nonmail=10), Settings(enforce_sync=True))
    conn.receive_data(bytes_from_socket)          # b"" when the client closed
    while True:
        event = conn.next_event()
        if event is NEED_DATA: break              # read more from the socket
        if event is PAUSED: break                 # a reply is still due (policy busy)
        if event is CLOSED: close the socket; break
        if isinstance(event, MessageData): spool.write(event.data); continue
        reply = policy(event)                     # ACLs; e.g. texts.OK, texts.acl_reject(550, msg)
        socket.write(conn.send(reply))            # the reply commits the transition

* Every event with ``needs_reply`` must get exactly one ``send`` before anything else is
  parsed; replies therefore leave in order and pipelined input waits in the buffer.
* The reply decides: 2xx to MAIL opens the transaction, 2xx to RCPT counts a valid
  recipient (a rejected RCPT leaves the state alone), 354 to DATA starts the message,
  220 to STARTTLS discards buffered plaintext and waits for ``tls_started()`` or
  ``tls_failed()``, 334 to AUTH reads a response line (``AuthResponse``), 235
  authenticates. ``send(reply, close=True)`` is an ACL ``drop``.
* ``CommandError`` events carry Exim's own reply for errors the machine finds itself
  (unknown command, bad parameters, sequence errors, sync errors, limits); send
  ``event.reply`` (or a not-QUIT ACL's text when ``event.drop``) and log
  ``SMTP <kind> error in "<command>" ... <message>`` as Exim does.
* Address syntax is the policy's: ``MailFrom.address``/``RcptTo.address`` hold the text
  after ESMTP parameters were taken off (what Exim hands to ``parse_extract_address``);
  answer a bad one with ``conn.syntax_error(errmess, data=event.address)``, which counts
  it like Exim's ``synprot_error``. SIZE limits, recipient limits and qualification are
  the policy's too (``MailFrom.size``; ``texts.SIZE_EXCEEDED``).
* After a slow ACL, Exim checks again whether input came too early: the policy may do
  the same with ``conn.has_pending_input`` and ``conn.sync_error()``.
* Message data arrives as ``MessageData`` pieces: dot-unstuffed (DATA) or as sent
  (BDAT), with CR and LF exactly as received. ``EndOfMessage.lf_only`` gives the line
  mode; ``data.spool_body`` makes the -D body text; Exim refuses a BDAT message whose
  first line ends in bare LF ("552 Message header not CRLF terminated"). Only CR LF .
  CR LF ends a message whose first line ended CR LF (Debian's CVE-2023-51766 fix, as
  the reference Exim does): no SMTP smuggling.

The client, driven by a transport::

    conn = ClientConnection()
    conn.receive_data(bytes_from_server)
    event = conn.next_event()                     # Greeting, Response, EhloResponse, ...
    sock.write(conn.send(Ehlo("me.example")))     # then MailFrom, RcptTo ..., Data
    sock.write(conn.send_message(piece))          # after 354; CRLF-only, dots doubled
    sock.write(conn.end_message())                # verdict(s) come back as Responses
    conn.transaction.results()                    # per-recipient replies

Known differences from Exim, all at the edges: the machine checks an AUTH mechanism
before the policy's auth ACL runs (Exim runs the ACL first); a BDAT-specific policy
refusal ("554 Too many recipients") can only be given at the chunk's reply.
"""
