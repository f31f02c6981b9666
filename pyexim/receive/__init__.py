"""The SMTP session policy (Exim: smtp_in.c, receive.c): event -> ACL -> reply; builds and spools the message.

Contract: drives a pyexim.smtp server machine with verdicts from pyexim.acl, and
writes an accepted message to the spool (fsynced) before its 250 reply.
"""
