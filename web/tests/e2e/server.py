"""The real `octoisp serve` on a fresh database of the throwaway PostgreSQL that scripts/test.sh
started, with a small JSON client to seed it through the API (never through SQL)."""

import base64
import hashlib
import hmac
import json
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
ADMIN_EMAIL = "admin@octoisp.test"
ADMIN_PASSWORD = "first admin password"
PASSWORD = "correct horse battery"


def require_env(name):
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set: run the end-to-end tests through scripts/test.sh")
    return value


def free_port():
    """A free port from scripts/free-port.sh (below the kernel's ephemeral range; it says why)."""
    return int(subprocess.run([os.path.join(ROOT, "scripts", "free-port.sh")], capture_output=True, text=True,
                              check=True).stdout)


def with_database(url, name):
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def psql(url, sql):
    psql_bin = shutil.which("psql") or "/usr/lib/postgresql/15/bin/psql"
    subprocess.run([psql_bin, url, "-v", "ON_ERROR_STOP=1", "-qAtc", sql], check=True, capture_output=True)


def totp(secret, at=None):
    """RFC 6238 code (SHA-1, 30 s, 6 digits) for a base32 secret."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int((at or time.time()) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"


class APIError(Exception):
    def __init__(self, status, body):
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body


class Server:
    """Starts `octoisp serve --roles api,acs` (or the `roles` given) serving web/dist; stop() ends it and
    drops the database. `env` adds or overrides environment variables."""

    def __init__(self, roles="api,acs", env=None):
        binary = require_env("OCTOISP_TEST_BINARY")
        owner = require_env("OCTOISP_TEST_OWNER_URL")
        app = require_env("OCTOISP_TEST_APP_URL")
        global_url = require_env("OCTOISP_TEST_GLOBAL_URL")
        extra = env or {}
        self.database = "octoisp_web_" + uuid.uuid4().hex[:10]
        psql(owner, f"CREATE DATABASE {self.database} OWNER octoisp_owner")
        self.owner_url = owner
        self.port = free_port()
        self.cwmp_port = free_port()
        self.binary = binary
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile(prefix="octoisp-web-e2e-", suffix=".log", delete=False)
        env = dict(os.environ)
        env.update({
            "DATABASE_URL": with_database(app, self.database),
            "OCTOISP_GLOBAL_DATABASE_URL": with_database(global_url, self.database),
            "OCTOISP_OWNER_DATABASE_URL": with_database(owner, self.database),
            "OCTOISP_SECRET_KEY": "k1:" + base64.b64encode(os.urandom(32)).decode(),
            "OCTOISP_JWT_SECRET": "web-e2e-secret-" + uuid.uuid4().hex,
            "OCTOISP_HTTP_PORT": str(self.port),
            "OCTOISP_CWMP_PORT": str(self.cwmp_port),
            "OCTOISP_BCRYPT_COST": "4",
            "OCTOISP_ADMIN_EMAIL": ADMIN_EMAIL,
            "OCTOISP_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "OCTOISP_RATE_LIMIT_IP": "1000",
            "OCTOISP_RATE_LIMIT_CREDENTIAL": "1000",
            "OCTOISP_WEB_DIR": os.path.join(ROOT, "web", "dist"),
        })
        env.update(extra)
        self.env = env
        self.workers = []
        self.process = subprocess.Popen([binary, "serve", "--roles", roles], env=env, cwd=ROOT,
                                        stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"octoisp serve exited with {self.process.returncode}: {self.logs()}")
            try:
                with urllib.request.urlopen(self.base + "/ready", timeout=1) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.2)
        else:
            raise RuntimeError("octoisp serve did not become ready: " + self.logs())
        # The first Global Admin is created right after start.
        deadline = time.time() + 20
        while True:
            try:
                self.admin = Client(self.base).login(ADMIN_EMAIL, ADMIN_PASSWORD)
                break
            except APIError:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)

    def cpe_sim(self, provider_slug, model, username, password):
        """One simulated CPE's bootstrap session against the ACS (`octoisp cpe-sim`)."""
        return subprocess.run([self.binary, "cpe-sim", "--acs", f"http://127.0.0.1:{self.cwmp_port}/cwmp/{provider_slug}",
                               "--model", model, "--username", username, "--password", password],
                              cwd=ROOT, capture_output=True, text=True, timeout=60)

    def cpe_sim_listening(self, provider_slug, model, username, password, cr_port, cr_password):
        """One simulated CPE that stays up with a connection-request listener on 127.2.x.y:`cr_port`
        (`octoisp cpe-sim --listen`), ended by stop()."""
        process = subprocess.Popen([self.binary, "cpe-sim", "--acs", f"http://127.0.0.1:{self.cwmp_port}/cwmp/{provider_slug}",
                                    "--model", model, "--username", username, "--password", password, "--listen",
                                    "--cr-port", str(cr_port), "--cr-password", cr_password, "--duration", "300"],
                                   cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)
        self.workers.append(process)
        return process

    def worker(self):
        """A job worker process (`serve --roles worker`) on the same database: it runs tool runs."""
        process = subprocess.Popen([self.binary, "serve", "--roles", "worker", "--skip-migrations"], env=self.env, cwd=ROOT,
                                   stdout=self.log, stderr=subprocess.STDOUT)
        self.workers.append(process)
        return process

    def logs(self):
        self.log.flush()
        with open(self.log.name, encoding="utf-8", errors="replace") as f:
            return f.read()[-4000:]

    def stop(self):
        for worker in self.workers:
            worker.terminate()
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        try:
            psql(self.owner_url, f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)")
        finally:
            os.unlink(self.log.name)


class Client:
    def __init__(self, base, token=None, provider=None):
        self.base = base
        self.token = token
        self.provider = provider

    def login(self, email, password, code=None):
        body = {"email": email, "password": password}
        if code:
            body["totp_code"] = code
        pair = self.call("POST", "/api/v1/auth/login", body)
        return Client(self.base, pair["access_token"], self.provider)

    def acting_in(self, provider):
        return Client(self.base, self.token, provider)

    def call(self, method, path, body=None):
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.provider:
            headers["X-Provider-Id"] = self.provider
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                text = response.read().decode()
                return json.loads(text) if text else None
        except urllib.error.HTTPError as error:
            raise APIError(error.code, error.read().decode()) from None

    def get(self, path):
        return self.call("GET", path)

    def post(self, path, body=None):
        return self.call("POST", path, body if body is not None else {})

    def patch(self, path, body):
        return self.call("PATCH", path, body)

    def delete(self, path):
        return self.call("DELETE", path)
