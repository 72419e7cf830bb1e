"""A Web Push service on loopback for the dashboard stories, in the role of the browser vendor's push
service (which headless Chromium here cannot reach): it hands the page a subscription of its own, and on
each push the platform sends it checks the VAPID authorization (RFC 8292) and decrypts the aes128gcm
payload (RFC 8291) with the subscription's private key, as a browser would. The story then gives the
plaintext to the dashboard's real service worker through the DevTools protocol
(`ServiceWorker.deliverPushMessage`), which shows it."""

import base64
import hashlib
import hmac
import json
import os
import queue
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hkdf(salt, ikm, info, length):
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    return hmac.new(prk, info + b"\x01", hashlib.sha256).digest()[:length]


def raw_public(key):
    return key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


class PushService:
    """`start()` listens on 127.0.0.1; `subscription` is what the browser would have handed the page;
    `pushes` receives (headers, plaintext bytes, claims) for each accepted push; refused ones answer 4xx
    and land in `refusals`."""

    def __init__(self):
        self.private = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        self.pushes = queue.Queue()
        self.refusals = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                try:
                    claims = service.check_vapid(self.headers.get("Authorization", ""))
                    if self.headers.get("Content-Encoding") != "aes128gcm":
                        raise ValueError("Content-Encoding is not aes128gcm")
                    if not self.headers.get("TTL", "").isdigit():
                        raise ValueError("no TTL")
                    plaintext = service.decrypt(body)
                except (ValueError, InvalidSignature, KeyError) as error:
                    service.refusals.append(str(error))
                    self.send_response(400)
                    self.end_headers()
                    return
                service.pushes.put((dict(self.headers.items()), plaintext, claims))
                self.send_response(201)
                self.send_header("Location", "/message/1")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.httpd.server_address[1]}/push/{b64url(os.urandom(9))}"
        self.subscription = {"endpoint": self.endpoint, "expirationTime": None,
                             "keys": {"p256dh": b64url(raw_public(self.private)), "auth": b64url(self.auth)}}

    def start(self):
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def check_vapid(self, header):
        """RFC 8292: `vapid t=<ES256 JWT>, k=<P-256 public key>`; the token signed by k, for this
        service's origin, not expired. Returns the claims and the key."""
        if not header.startswith("vapid "):
            raise ValueError("Authorization is not vapid")
        parts = dict(p.strip().split("=", 1) for p in header[len("vapid "):].split(","))
        token, key = parts["t"], parts["k"]
        head, payload, signature = token.split(".")
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
        raw = unb64url(signature)
        if len(raw) != 64:
            raise ValueError("an ES256 signature is 64 bytes")
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        public.verify(der, f"{head}.{payload}".encode(), ec.ECDSA(hashes.SHA256()))
        if json.loads(unb64url(head)).get("alg") != "ES256":
            raise ValueError("alg is not ES256")
        claims = json.loads(unb64url(payload))
        origin = self.endpoint.split("/push/")[0]
        if claims.get("aud") != origin:
            raise ValueError(f"aud {claims.get('aud')} is not {origin}")
        if not claims.get("exp") or claims["exp"] < time.time() or claims["exp"] > time.time() + 24 * 3600:
            raise ValueError("exp is missing, past, or more than 24 hours ahead")
        claims["k"] = key
        return claims

    def decrypt(self, body):
        """RFC 8291 §3.4 and RFC 8188: salt, record size, the sender's key, one record."""
        salt, record_size, id_length = body[:16], struct.unpack(">I", body[16:20])[0], body[20]
        sender = body[21:21 + id_length]
        ciphertext = body[21 + id_length:]
        if len(ciphertext) > record_size:
            raise ValueError("more than one record")
        shared = self.private.exchange(ec.ECDH(), ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), sender))
        ikm = hkdf(self.auth, shared, b"WebPush: info\x00" + raw_public(self.private) + sender, 32)
        key = hkdf(salt, ikm, b"Content-Encoding: aes128gcm\x00", 16)
        nonce = hkdf(salt, ikm, b"Content-Encoding: nonce\x00", 12)
        padded = AESGCM(key).decrypt(nonce, ciphertext, None)
        content = padded.rstrip(b"\x00")
        if not content.endswith(b"\x02"):
            raise ValueError("the last record's delimiter is not 0x02")
        return content[:-1]

    def browser_stub(self):
        """A page script standing in for the browser's link to its push service: `subscribe` checks the
        application server key it is given and answers this service's subscription; `getSubscription`
        and `unsubscribe` follow it. Everything else (the service worker, notifications) is the
        browser's own."""
        return """
(() => {
  const subscription = %s;
  const KEY = "octoisp-story-push-subscribed";
  const make = () => ({
    endpoint: subscription.endpoint,
    expirationTime: null,
    options: { userVisibleOnly: true },
    toJSON: () => subscription,
    unsubscribe: async () => { localStorage.removeItem(KEY); return true; },
  });
  PushManager.prototype.subscribe = async function (options) {
    const key = new Uint8Array(options.applicationServerKey);
    if (!options.userVisibleOnly || key.length !== 65 || key[0] !== 4) throw new DOMException("bad applicationServerKey", "InvalidAccessError");
    localStorage.setItem(KEY, btoa(String.fromCharCode(...key)).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, ""));
    return make();
  };
  PushManager.prototype.getSubscription = async function () { return localStorage.getItem(KEY) ? make() : null; };
})();
""" % json.dumps(self.subscription)


def show_in_service_worker(context, page, base, plaintext, timeout=10.0):
    """Gives a push's plaintext to the page's service worker (what the browser does on a push) and
    returns the notifications it shows: title, body, sticky (requireInteraction) and url."""
    cdp = context.new_cdp_session(page)
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")
    deadline = time.time() + timeout
    while not registrations and time.time() < deadline:
        page.wait_for_timeout(100)
    registration = next(r for r in registrations if r["scopeURL"] == base + "/" and not r["isDeleted"])
    cdp.send("ServiceWorker.deliverPushMessage", {"origin": base + "/", "registrationId": registration["registrationId"],
                                                  "data": plaintext.decode()})
    shown = []
    deadline = time.time() + timeout
    while not shown and time.time() < deadline:
        shown = page.evaluate("navigator.serviceWorker.ready.then((r) => r.getNotifications()).then((list) => list.map((n) => "
                              "({ title: n.title, body: n.body, sticky: n.requireInteraction, url: n.data && n.data.url })))")
        page.wait_for_timeout(100)
    return shown
