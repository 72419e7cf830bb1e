#!/usr/bin/python3
"""A test SMTP server for the notification tests, on aiosmtpd (Debian python3-aiosmtpd).

    smtp_server.py WORKDIR TLS_PORT PLAIN_PORT USER PASSWORD

Two listeners on 127.0.0.1:
  TLS_PORT    offers STARTTLS with WORKDIR/cert.pem + key.pem, requires it before anything else, and
              requires AUTH (PLAIN or LOGIN) with USER/PASSWORD before MAIL FROM.
  PLAIN_PORT  does not offer STARTTLS: a server a client that requires TLS must refuse.

RCPT TO a local part starting with "tempfail" is answered 451 and one starting with "reject" 550.

Every accepted message is written as-is (after dot-unstuffing, as received in DATA) into the
maildir WORKDIR/maildir, with Return-Path/X-Envelope-To/X-Listener lines prepended, and decoded with
Python's email package into WORKDIR/decoded/<maildir key>.json (headers decoded per RFC 2047, each
text part decoded from its transfer encoding and charset, each attachment's file name, type, size and
SHA-256) so tests can compare with an independent MIME decoder. The process writes WORKDIR/ready once both listeners accept connections.
"""
import email
import hashlib
import email.policy
import json
import mailbox
import os
import signal
import ssl
import sys
import threading

import logging
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

workdir, tls_port, plain_port, user, password = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
maildir = mailbox.Maildir(os.path.join(workdir, "maildir"), create=True)
decoded_dir = os.path.join(workdir, "decoded")
os.makedirs(decoded_dir, exist_ok=True)
lock = threading.Lock()
logging.basicConfig(level=logging.INFO, stream=sys.stderr)


class Handler:
    def __init__(self, listener):
        self.listener = listener

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        # Recipients whose local part starts with "tempfail" or "reject" get a 4xx or 5xx reply.
        local = address.split("@")[0]
        if local.startswith("tempfail"):
            return "451 4.3.0 Mailbox temporarily unavailable, try again later"
        if local.startswith("reject"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        prefix = ("Return-Path: <%s>\r\nX-Envelope-To: %s\r\nX-Listener: %s\r\nX-Authenticated: %s\r\n" % (
            envelope.mail_from, ", ".join(envelope.rcpt_tos), self.listener,
            "yes" if session.authenticated else "no")).encode()
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        parts = {}
        attachments = []
        for part in parsed.walk():
            if part.get_content_disposition() == "attachment":
                payload = part.get_payload(decode=True) or b""
                attachments.append({"filename": part.get_filename(), "content_type": part.get_content_type(),
                                    "size": len(payload), "sha256": hashlib.sha256(payload).hexdigest()})
            elif part.get_content_maintype() == "text":
                parts.setdefault(part.get_content_type(), part.get_content())
        summary = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "listener": self.listener,
            "authenticated": bool(session.authenticated),
            "subject": str(parsed["subject"]),
            "from": str(parsed["from"]),
            "to": str(parsed["to"]),
            "date": str(parsed["date"]),
            "message_id": str(parsed["message-id"]),
            "content_type": parsed.get_content_type(),
            "parts": parts,
            "attachments": attachments,
            "defects": [type(d).__name__ for d in parsed.defects] +
                       [type(d).__name__ for p in parsed.walk() for d in p.defects],
        }
        with lock:
            key = maildir.add(prefix + raw)
            tmp = os.path.join(decoded_dir, key + ".tmp")
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(summary, f, ensure_ascii=False)
            os.rename(tmp, os.path.join(decoded_dir, key + ".json"))
        return "250 2.0.0 Ok: queued as " + key


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == user.encode() and auth_data.password == password.encode()
    # handled=False: the server itself answers a failure with 535 5.7.8.
    return AuthResult(success=ok, handled=False)


tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
tls.load_cert_chain(os.path.join(workdir, "cert.pem"), os.path.join(workdir, "key.pem"))

secure = Controller(Handler("starttls"), hostname="127.0.0.1", port=tls_port, tls_context=tls, require_starttls=True,
                    authenticator=authenticator, auth_required=True, auth_require_tls=True, decode_data=False)
plain = Controller(Handler("plain"), hostname="127.0.0.1", port=plain_port, decode_data=False,
                   auth_require_tls=False)
secure.start()
plain.start()
with open(os.path.join(workdir, "ready"), "w") as f:
    f.write("ok\n")

stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
signal.signal(signal.SIGINT, lambda *_: stop.set())
while not stop.wait(3600):
    pass
secure.stop()
plain.stop()
