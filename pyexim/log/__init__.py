"""The main log, reject log and panic log (spec: "Log files"; Exim: log.c, tod.c, and the
lines built in receive.c, deliver.c, smtp_in.c).

Contract, one module per layer, each usable alone:

* ``selector``: what to log -- :class:`LogSelector` (``log_selector`` with Exim's names,
  defaults and ``+all``/``-all``);
* ``text``: timestamps (``log_timezone``, ``millisec``) and the small text helpers lines share;
* ``paths``: where the logs go -- ``log_file_path`` with ``%s``, ``%D``, ``%M`` and
  ``syslog``, and :func:`frame` (timestamp, pid, message id);
* ``lines``: how a line reads -- pure functions from records to text:
  ``reception_line`` (``<=``), ``delivery_line`` (``=>``, ``->``, ``*>``),
  ``deferral_line`` (``==``), ``failure_line`` (``**``), ``completed_line``,
  ``acl_reject_line``, ``rejectlog_details`` (the header dump);
* ``writer``: :class:`LogWriter`, the thin part that opens, reopens and appends to the
  files and to syslog.

Times in records are seconds (floats: the fraction is kept for ``millisec``). Importing
this package imports nothing else: callers import the layer they need, so deciding
whether to log (the selector) does not pay for the line formatting.
"""
