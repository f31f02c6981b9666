"""The spool: message ids, the -H/-D file formats (pure) and the store (Exim: spool_in.c, spool_out.c).

Contract: the format modules turn bytes into records and back, byte-compatible with
Exim 4.96 and with no I/O; the store does locking, temp-file/fsync/rename/fsync-dir
and queue selection. A corrupt file is refused with a clear error, never a crash.
"""
