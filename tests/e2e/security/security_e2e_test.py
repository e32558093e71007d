#!/usr/bin/env python3
"""server.password through the real daemon, at every door: the line protocol, RESP with
redis-cli and redis-py, HTTP with curl, Envoy's gRPC service, and the admin port's
POST /reload. The password comes from the environment (`${LIMITSD_TEST_PASSWORD}`).
Then server.tls: certificates made with `openssl req` in a temp dir, spoken to with
`openssl s_client`, `redis-cli --tls` and `curl --cacert`, replaced and reloaded on SIGHUP.

Usage: security_e2e_test.py LIMITSD_BINARY STUBS_DIR
(run with Debian's python3: it has python3-redis and python3-grpcio)
"""

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

LIMITSD, STUBS = sys.argv[1], sys.argv[2]
sys.path.insert(0, STUBS)

import grpc  # noqa: E402
import redis  # noqa: E402
from envoy.service.ratelimit.v3 import rls_pb2, rls_pb2_grpc  # noqa: E402

PASSWORD = "correct horse battery staple"
RULES = """
domain: auth
descriptors:
  - key: user
    rate_limit: { unit: minute, requests_per_unit: 5 }
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


class Daemon:
    """limitsd on free ports: line/RESP, HTTP, gRPC and admin."""

    def __init__(self, server_extra="", env=None, extra=""):
        self.dir = tempfile.mkdtemp(prefix="limitsd-security-")
        self.proc = None
        self.extra = extra  # more of the configuration, at the top level
        try:
            for _ in range(3):  # a port taken between free_port() and bind: try others
                if self._start(server_extra, env or {}):
                    return
            raise RuntimeError("limitsd did not start:\n" + self.log())
        except BaseException:
            self.stop()
            raise

    def _start(self, server_extra, env):
        self.port, self.http, self.grpc, self.admin = (free_port() for _ in range(4))
        with open(os.path.join(self.dir, "auth.yaml"), "w") as f:
            f.write(RULES)
        self.config = os.path.join(self.dir, "limitsd.yaml")
        if "listen:" not in server_extra:
            server_extra = f'  listen: ["127.0.0.1:{self.port}"]\n' + server_extra
        with open(self.config, "w") as f:
            f.write(f"""server:
{server_extra.replace("{port}", str(self.port))}
http: {{ listen: "127.0.0.1:{self.http}" }}
grpc: {{ listen: "127.0.0.1:{self.grpc}" }}
admin: {{ listen: "127.0.0.1:{self.admin}" }}
envoy: {{ config: [auth.yaml] }}
{self.extra}""")
        with open(os.path.join(self.dir, "log"), "w") as log:
            self.proc = subprocess.Popen([LIMITSD, "--config", self.config], stdout=log,
                                         stderr=subprocess.STDOUT, env={**os.environ, **env})
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            if all(port_open(p) for p in (self.port, self.http, self.grpc, self.admin)):
                return True
            time.sleep(0.05)
        return False

    def log(self):
        try:
            with open(os.path.join(self.dir, "log")) as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=15)
        shutil.rmtree(self.dir, ignore_errors=True)

    def line(self, *requests):
        """Sends the requests on one connection; returns the reply lines."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
            s.sendall("".join(r + "\n" for r in requests).encode())
            data = b""
            while data.count(b"\n") < len(requests):
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        return data.decode().splitlines()

    def redis_cli(self, *args):
        done = subprocess.run(["redis-cli", "-p", str(self.port), *args], capture_output=True,
                              text=True, timeout=10)
        return done.stdout + done.stderr

    def curl(self, port, path, *args, scheme="http"):
        """(status, headers, body) of a curl request."""
        done = subprocess.run(["curl", "-s", "-i", "--max-time", "5", *args,
                               f"{scheme}://127.0.0.1:{port}{path}"],
                              capture_output=True, timeout=10)
        head, _, body = done.stdout.decode().partition("\r\n\r\n")
        status = int(head.split(" ")[1])
        return status, head, body

    def metric(self, name, labels):
        status, _, body = self.curl(self.admin, "/metrics")
        assert status == 200
        match = re.search("^" + re.escape(name + "{" + labels + "}") + r" (\d+)$", body, re.M)
        return int(match.group(1)) if match else None

    def should_rate_limit(self, metadata=(), root_certificate=None, override=None):
        """ShouldRateLimit of user=alice in domain auth; `override`: the descriptor's own
        requests_per_unit (per minute), as Envoy sends a descriptor's `limit`."""
        if root_certificate is None:
            channel = grpc.insecure_channel(f"127.0.0.1:{self.grpc}")
        else:
            with open(root_certificate, "rb") as f:
                credentials = grpc.ssl_channel_credentials(root_certificates=f.read())
            channel = grpc.secure_channel(f"127.0.0.1:{self.grpc}", credentials)
        with channel:
            stub = rls_pb2_grpc.RateLimitServiceStub(channel)
            request = rls_pb2.RateLimitRequest(domain="auth", hits_addend=1)
            descriptor = request.descriptors.add()
            entry = descriptor.entries.add()
            entry.key, entry.value = "user", "alice"
            if override is not None:
                descriptor.limit.requests_per_unit = override
                descriptor.limit.unit = rls_pb2.RateLimitResponse.RateLimit.MINUTE
            return stub.ShouldRateLimit(request, timeout=5, metadata=metadata)

    def rls_json(self, password, override):
        """(status, body) of POST /json with a descriptor stating `override` per minute."""
        body = ('{"domain": "auth", "descriptors": [{"entries": [{"key": "user", '
                '"value": "bob"}], "limit": {"requests_per_unit": %d, "unit": "MINUTE"}}]}'
                % override)
        args = ["-X", "POST", "--data", body]
        if password is not None:
            args += ["-H", f"Authorization: Bearer {password}"]
        status, _, body = self.curl(self.http, "/json", *args)
        return status, body


class WithPassword(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon("  password: ${LIMITSD_TEST_PASSWORD}",
                       env={"LIMITSD_TEST_PASSWORD": PASSWORD})

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()

    def test_line_protocol(self):
        self.assertEqual(self.d.line("PING", "HIT 10/minute line", "AUTH nope",
                                     "RESET 10/minute line", f"AUTH {PASSWORD.split()[0]}"),
                         ["PONG", "ERR noauth Authentication required.",
                          "ERR wrongpass invalid password",
                          "ERR noauth Authentication required.",
                          "ERR wrongpass invalid password"])
        # A password with blanks cannot be one line-protocol token: the arity is wrong.
        self.assertTrue(self.d.line(f"AUTH {PASSWORD}")[0].startswith("ERR syntax "))

    def test_line_protocol_with_a_blank_free_password(self):
        d = Daemon("  password: s3cret")
        try:
            self.assertEqual(d.line("HIT 10/minute k", "AUTH s3cret", "HIT 10/minute k",
                                    "QUIT"),
                             ["ERR noauth Authentication required.", "OK", "OK 10 9 60000 0",
                              "BYE"])
        finally:
            d.stop()

    def test_redis_cli(self):
        out = self.d.redis_cli("-a", PASSWORD, "--no-auth-warning", "HIT", "10/minute", "cli")
        self.assertEqual(out.split()[:3], ["1", "10", "9"], out)
        out = self.d.redis_cli("--user", "default", "--pass", PASSWORD, "--no-auth-warning",
                               "HIT", "10/minute", "cli")
        self.assertEqual(out.split()[:3], ["1", "10", "8"], out)
        self.assertIn("NOAUTH Authentication required.",
                      self.d.redis_cli("HIT", "10/minute", "cli"))
        out = self.d.redis_cli("-a", "wrong", "--no-auth-warning", "HIT", "10/minute", "cli")
        self.assertIn("WRONGPASS invalid username-password pair or user is disabled.", out)
        self.assertIn("NOAUTH Authentication required.", out)
        self.assertEqual(self.d.redis_cli("PING").strip(), "PONG")

    def test_redis_py(self):
        client = redis.Redis(port=self.d.port, password=PASSWORD)
        self.assertEqual(client.execute_command("HIT", "10/minute", "py")[:3], [1, 10, 9])
        # redis-py 4.3 raises WRONGPASS as a plain ResponseError, as it does with Redis.
        with self.assertRaisesRegex(redis.ResponseError, "^WRONGPASS invalid username-password"):
            redis.Redis(port=self.d.port, password="wrong").execute_command("PING")
        with self.assertRaisesRegex(redis.ResponseError, "^WRONGPASS invalid username-password"):
            redis.Redis(port=self.d.port, username="bob", password=PASSWORD).ping()
        with self.assertRaisesRegex(redis.AuthenticationError, "Authentication required"):
            redis.Redis(port=self.d.port).execute_command("HIT", "10/minute", "py")
        pipe = client.pipeline(transaction=False)
        for _ in range(3):
            pipe.execute_command("HIT", "10/minute", "py")
        self.assertEqual([r[2] for r in pipe.execute()], [8, 7, 6])

    def test_http(self):
        body = '{"limit": "10/minute", "key": "web"}'
        post = ["-X", "POST", "-H", "Content-Type: application/json", "--data", body]
        status, head, problem = self.d.curl(self.d.http, "/v1/hit", *post)
        self.assertEqual(status, 401, head)
        self.assertRegex(head, r"(?im)^www-authenticate: Bearer\r?$")
        self.assertIn('"noauth"', problem)
        status, head, problem = self.d.curl(self.d.http, "/v1/hit", *post, "-H",
                                            "Authorization: Bearer wrong")
        self.assertEqual(status, 401, head)
        self.assertRegex(head, r'(?im)^www-authenticate: Bearer error="invalid_token"')
        status, head, _ = self.d.curl(self.d.http, "/v1/hit", *post, "-H",
                                      f"Authorization: Bearer {PASSWORD}")
        self.assertEqual(status, 200, head)

    def test_grpc(self):
        with self.assertRaises(grpc.RpcError) as missing:
            self.d.should_rate_limit()
        self.assertEqual(missing.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
        with self.assertRaises(grpc.RpcError) as wrong:
            self.d.should_rate_limit([("authorization", "Bearer wrong")])
        self.assertEqual(wrong.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
        reply = self.d.should_rate_limit([("authorization", f"Bearer {PASSWORD}")])
        self.assertEqual(reply.overall_code, rls_pb2.RateLimitResponse.OK)

    def test_admin_port(self):
        for path in ("/metrics", "/livez", "/readyz", "/health"):
            self.assertEqual(self.d.curl(self.d.admin, path)[0], 200, path)
        status, head, _ = self.d.curl(self.d.admin, "/reload", "-X", "POST")
        self.assertEqual(status, 401)
        self.assertRegex(head, r"(?im)^www-authenticate: Bearer\r?$")
        status, _, _ = self.d.curl(self.d.admin, "/reload", "-X", "POST", "-H",
                                   "Authorization: Bearer wrong")
        self.assertEqual(status, 401)
        status, _, body = self.d.curl(self.d.admin, "/reload", "-X", "POST", "-H",
                                      f"Authorization: Bearer {PASSWORD}")
        self.assertEqual(status, 200, body)

    def test_failures_are_counted_and_logged_without_the_secret(self):
        before = self.d.metric("limitsd_auth_failures_total", 'protocol="resp",reason="wrong"')
        for _ in range(3):
            self.d.redis_cli("-a", "guess-" + "x" * 8, "--no-auth-warning", "PING")
        after = self.d.metric("limitsd_auth_failures_total", 'protocol="resp",reason="wrong"')
        self.assertEqual(after - before, 3)
        log = self.d.log()
        self.assertIn("authentication failed on", log)
        self.assertNotIn("guess-", log)
        self.assertNotIn(PASSWORD, log)
        # At most one line per 10 s per thread, however many failures.
        self.assertLessEqual(log.count("authentication failed on"), 3)


CLIENT_PW, ADMIN_PW = "client-pw", "admin-pw"


class WithAdminPassword(unittest.TestCase):
    """server.admin_password beside server.password: RESET, inline limits and CL.THROTTLE,
    and POST /reload, need the admin password; the password decides on configured limits."""

    @classmethod
    def setUpClass(cls):
        cls.d = Daemon("  password: ${LIMITSD_TEST_PASSWORD}\n"
                       "  admin_password: ${LIMITSD_TEST_ADMIN_PASSWORD}",
                       env={"LIMITSD_TEST_PASSWORD": CLIENT_PW,
                            "LIMITSD_TEST_ADMIN_PASSWORD": ADMIN_PW},
                       extra='limits: { api: "10/minute" }\n')

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()

    def test_line_protocol(self):
        self.assertEqual(
            self.d.line("RESET api line", f"AUTH {CLIENT_PW}", "HIT api line", "RESET api line",
                        "CLEAR api line", "HIT 10/minute line", f"AUTH {ADMIN_PW}",
                        "RESET api line", "HIT 10/minute line", "HIT api line"),
            ["ERR noauth Authentication required.", "OK", "OK 10 9 60000 0",
             "ERR noperm RESET and CLEAR need the admin password (server.admin_password): "
             "AUTH with it on this connection first",
             "ERR noperm RESET and CLEAR need the admin password (server.admin_password): "
             "AUTH with it on this connection first",
             "ERR noperm inline limits need the admin password (server.admin_password): "
             "AUTH with it on this connection first, or use a configured limit name",
             "OK", "OK", "OK 10 9 60000 0", "OK 10 9 60000 0"])

    def test_redis_cli_and_redis_py(self):
        def cli(password, *command):
            return self.d.redis_cli("-a", password, "--no-auth-warning", *command)
        self.assertEqual(cli(CLIENT_PW, "HIT", "api", "cli").split()[:3], ["1", "10", "9"])
        self.assertIn("NOPERM RESET and CLEAR need the admin password",
                      cli(CLIENT_PW, "RESET", "api", "cli"))
        self.assertIn("NOPERM CL.THROTTLE needs the admin password",
                      cli(CLIENT_PW, "CL.THROTTLE", "cli", "5", "10", "60"))
        self.assertEqual(cli(ADMIN_PW, "RESET", "api", "cli").strip(), "OK")
        self.assertEqual(cli(ADMIN_PW, "CL.THROTTLE", "cli", "5", "10", "60").split()[:3],
                         ["0", "6", "5"])
        client = redis.Redis(port=self.d.port, password=CLIENT_PW)
        with self.assertRaisesRegex(redis.exceptions.NoPermissionError, "^inline limits need"):
            client.execute_command("HIT", "10/minute", "py")
        admin = redis.Redis(port=self.d.port, password=ADMIN_PW)
        self.assertEqual(admin.execute_command("HIT", "10/minute", "py")[:3], [1, 10, 9])

    def test_http(self):
        def post(path, body, password):
            return self.d.curl(self.d.http, path, "-X", "POST", "--data", body, "-H",
                               f"Authorization: Bearer {password}")
        status, head, body = post("/v1/reset", '{"limit": "api", "key": "web"}', CLIENT_PW)
        self.assertEqual(status, 403, head)
        self.assertIn('"noperm"', body)
        self.assertIn("send Authorization: Bearer <server.admin_password>", body)
        status, head, body = post("/v1/batch", '[{"verb": "hit", "limit": "api", "key": "web"}, '
                                  '{"verb": "hit", "limit": "1/second", "key": "web"}]',
                                  CLIENT_PW)
        self.assertEqual(status, 200, head)
        self.assertRegex(body, r'^\{"results":\[\{"status":200,.*\},'
                               r'\{"status":403,"code":"noperm"')
        self.assertEqual(post("/v1/reset", '{"limit": "api", "key": "web"}', ADMIN_PW)[0], 200)
        self.assertEqual(post("/v1/hit", '{"limit": "1/second", "key": "web"}', ADMIN_PW)[0], 200)

    def test_grpc_takes_either_password(self):
        for password in (CLIENT_PW, ADMIN_PW):
            reply = self.d.should_rate_limit([("authorization", f"Bearer {password}")])
            self.assertEqual(reply.overall_code, rls_pb2.RateLimitResponse.OK)

    def test_envoy_descriptors_stating_a_limit_need_the_admin_password(self):
        with self.assertRaises(grpc.RpcError) as refused:
            self.d.should_rate_limit([("authorization", f"Bearer {CLIENT_PW}")], override=1000)
        self.assertEqual(refused.exception.code(), grpc.StatusCode.PERMISSION_DENIED)
        self.assertIn("need the admin password", refused.exception.details())
        reply = self.d.should_rate_limit([("authorization", f"Bearer {ADMIN_PW}")], override=1000)
        self.assertEqual(reply.overall_code, rls_pb2.RateLimitResponse.OK)
        self.assertEqual(reply.statuses[0].current_limit.requests_per_unit, 1000)
        status, body = self.d.rls_json(CLIENT_PW, 1000)
        self.assertEqual(status, 403, body)
        self.assertIn('"noperm"', body)
        self.assertIn("send Authorization: Bearer <server.admin_password>", body)
        status, body = self.d.rls_json(ADMIN_PW, 1000)
        self.assertEqual(status, 200, body)
        self.assertIn('"requestsPerUnit":1000', body)

    def test_only_the_admin_password_reloads(self):
        status, _, _ = self.d.curl(self.d.admin, "/reload", "-X", "POST", "-H",
                                   f"Authorization: Bearer {CLIENT_PW}")
        self.assertEqual(status, 401)
        status, _, body = self.d.curl(self.d.admin, "/reload", "-X", "POST", "-H",
                                      f"Authorization: Bearer {ADMIN_PW}")
        self.assertEqual(status, 200, body)

    def test_refusals_are_counted_and_logged_without_the_secret(self):
        labels = 'protocol="line",reason="noperm"'
        before = self.d.metric("limitsd_auth_failures_total", labels)
        self.d.line(f"AUTH {CLIENT_PW}", "RESET api counted", "HIT 5/minute counted")
        self.assertEqual(self.d.metric("limitsd_auth_failures_total", labels) - before, 2)
        log = self.d.log()
        self.assertIn("a request that needs server.admin_password", log)
        self.assertNotIn(CLIENT_PW, log)
        self.assertNotIn(ADMIN_PW, log)


class AdminPasswordAlone(unittest.TestCase):
    def test_configured_limits_need_no_auth_and_the_rest_the_admin_password(self):
        d = Daemon(f"  admin_password: {ADMIN_PW}", extra='limits: { api: "10/minute" }\n')
        try:
            self.assertEqual(
                d.line("HIT api k", "RESET api k", "AUTH wrong", f"AUTH {ADMIN_PW}",
                       "RESET api k"),
                ["OK 10 9 60000 0",
                 "ERR noperm RESET and CLEAR need the admin password (server.admin_password): "
                 "AUTH with it on this connection first",
                 "ERR wrongpass invalid password", "OK", "OK"])
            status, _, body = d.curl(d.http, "/v1/reset", "-X", "POST", "--data",
                                     '{"limit": "api", "key": "k"}')
            self.assertEqual(status, 403, body)
            self.assertEqual(d.should_rate_limit().overall_code, rls_pb2.RateLimitResponse.OK)
            with self.assertRaises(grpc.RpcError) as refused:
                d.should_rate_limit(override=1000)
            self.assertEqual(refused.exception.code(), grpc.StatusCode.PERMISSION_DENIED)
            with self.assertRaises(grpc.RpcError) as wrong:
                d.should_rate_limit([("authorization", "Bearer wrong")])
            self.assertEqual(wrong.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
            reply = d.should_rate_limit([("authorization", f"Bearer {ADMIN_PW}")], override=1000)
            self.assertEqual(reply.overall_code, rls_pb2.RateLimitResponse.OK)
            self.assertEqual(d.rls_json(None, 1000)[0], 403)
            self.assertEqual(d.rls_json(ADMIN_PW, 1000)[0], 200)
            self.assertEqual(d.curl(d.admin, "/reload", "-X", "POST")[0], 401)
        finally:
            d.stop()


class Reloads(unittest.TestCase):
    def test_a_reload_applies_a_new_password(self):
        d = Daemon("  password: one")
        try:
            with open(d.config) as f:
                config = f.read()
            with open(d.config, "w") as f:
                f.write(config.replace("password: one", "password: two"))
            # The daemon watches its file; SIGHUP makes sure (POST /reload would race with
            # the watcher: it needs whichever password runs when it arrives).
            d.proc.send_signal(signal.SIGHUP)
            deadline = time.monotonic() + 10
            while "server.password set" not in d.log() and time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertIn("server.password set", d.log())
            self.assertEqual(d.line("AUTH one", "AUTH two", "HIT 10/minute k"),
                             ["ERR wrongpass invalid password", "OK", "OK 10 9 60000 0"])
        finally:
            d.stop()


class WithoutPassword(unittest.TestCase):
    def test_auth_is_answered_as_redis_without_requirepass(self):
        d = Daemon()
        try:
            self.assertIn("AUTH <password> called without any password configured for the "
                          "default user. Are you sure your configuration is correct?",
                          d.redis_cli("AUTH", "x"))
            self.assertEqual(d.redis_cli("HIT", "10/minute", "k").split()[:3], ["1", "10", "9"])
            self.assertEqual(d.curl(d.http, "/v1/hit", "-X", "POST", "--data",
                                    '{"limit": "10/minute", "key": "k"}')[0], 200)
        finally:
            d.stop()

    def test_an_unset_variable_stops_the_start_naming_it(self):
        with tempfile.TemporaryDirectory() as tmp:
            config = os.path.join(tmp, "limitsd.yaml")
            with open(config, "w") as f:
                f.write("server:\n  password: ${LIMITSD_UNSET_PASSWORD_VAR}\n")
            env = {k: v for k, v in os.environ.items() if k != "LIMITSD_UNSET_PASSWORD_VAR"}
            done = subprocess.run([LIMITSD, "--check", "--config", config], env=env,
                                  capture_output=True, text=True, timeout=10)
            self.assertNotEqual(done.returncode, 0)
            self.assertIn("environment variable LIMITSD_UNSET_PASSWORD_VAR is not set",
                          done.stdout + done.stderr)


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_cert(directory, name, ca=None):
    """A key and a certificate for 127.0.0.1 (self-signed, or signed by the CA `ca`)."""
    subject = ["-subj", f"/CN={name}", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"]
    key, cert = f"{name}.key", f"{name}.pem"
    if ca is None:
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", key, "-out", cert, "-days", "2", *subject, cwd=directory)
    else:
        openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", key, "-out", f"{name}.csr", *subject, cwd=directory)
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
                "-CAcreateserial", "-copy_extensions", "copy", "-out", cert, "-days", "2",
                cwd=directory)
    return os.path.join(directory, key), os.path.join(directory, cert)


def s_client(port, cafile, stdin, *args):
    """What `openssl s_client` prints of the server's answers (and its certificate subject)."""
    done = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-CAfile",
                           cafile, "-verify_return_error", "-ign_eof", *args],
                          input=stdin, capture_output=True, text=True, timeout=10)
    return done.returncode, done.stdout


class WithTls(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.certs = tempfile.mkdtemp(prefix="limitsd-tls-")
        cls.key, cls.cert = make_cert(cls.certs, "first")
        # The daemon reads server.pem / server.key: copies that the test replaces.
        cls.server_key = os.path.join(cls.certs, "server.key")
        cls.server_cert = os.path.join(cls.certs, "server.pem")
        shutil.copy(cls.key, cls.server_key)
        shutil.copy(cls.cert, cls.server_cert)
        cls.d = Daemon(f"""  listen: ["127.0.0.1:{{port}}", "unix:{cls.certs}/limitsd.sock"]
  password: ${{LIMITSD_TEST_PASSWORD}}
  tls: {{ cert_file: "{cls.server_cert}", key_file: "{cls.server_key}" }}""",
                       env={"LIMITSD_TEST_PASSWORD": "s3cret"})

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()
        shutil.rmtree(cls.certs, ignore_errors=True)

    def test_openssl_s_client_on_the_line_protocol(self):
        code, out = s_client(self.d.port, self.cert, "AUTH s3cret\nHIT 10/minute tls\nQUIT\n",
                             "-quiet")
        self.assertEqual(out.splitlines(), ["OK", "OK 10 9 60000 0", "BYE"], out)
        self.assertEqual(code, 0)  # a clean TLS close after BYE

    def test_redis_cli_tls(self):
        done = subprocess.run(["redis-cli", "-p", str(self.d.port), "--tls", "--cacert",
                               self.cert, "-a", "s3cret", "--no-auth-warning", "HIT",
                               "10/minute", "cli-tls"], capture_output=True, text=True,
                              timeout=10)
        self.assertEqual(done.stdout.split()[:3], ["1", "10", "9"], done.stdout + done.stderr)

    def test_curl_https(self):
        status, head, body = self.d.curl(self.d.http, "/v1/hit", "--cacert", self.cert, "-H",
                                         "Authorization: Bearer s3cret", "--data",
                                         '{"limit": "10/minute", "key": "https"}', scheme="https")
        self.assertEqual(status, 200, head + body)
        self.assertIn('"remaining":9', body)

    def test_grpc_over_tls(self):
        reply = self.d.should_rate_limit([("authorization", "Bearer s3cret")],
                                         root_certificate=self.cert)
        self.assertEqual(reply.overall_code, rls_pb2.RateLimitResponse.OK)
        with self.assertRaises(grpc.RpcError) as plain:
            self.d.should_rate_limit([("authorization", "Bearer s3cret")])
        self.assertEqual(plain.exception.code(), grpc.StatusCode.UNAVAILABLE)

    def test_plain_clients_get_nothing_and_unix_sockets_stay_plain(self):
        with socket.create_connection(("127.0.0.1", self.d.port), timeout=5) as s:
            s.sendall(b"PING\n")
            self.assertEqual(s.recv(100), b"")  # not a TLS handshake: closed
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(5)
            s.connect(os.path.join(self.certs, "limitsd.sock"))
            s.sendall(b"PING\n")
            self.assertEqual(s.recv(100), b"PONG\n")

    def test_zz_sighup_reloads_the_certificate_and_keeps_it_when_the_new_one_is_bad(self):
        key, cert = make_cert(self.certs, "second")
        shutil.copy(key, self.server_key)
        shutil.copy(cert, self.server_cert)
        self.d.proc.send_signal(signal.SIGHUP)
        self.wait_for_reloads("success", 1)
        code, out = s_client(self.d.port, cert, "PING\nQUIT\n", "-quiet")
        self.assertEqual((code, out), (0, "PONG\nBYE\n"))
        # The first certificate is no longer served: a client that trusts only it refuses.
        code, _ = s_client(self.d.port, self.cert, "PING\nQUIT\n", "-quiet")
        self.assertNotEqual(code, 0)
        # The gRPC port too, from its next connection on.
        self.assertEqual(self.grpc_subject(), "CN = second")
        self.assertEqual(self.grpc_hit(cert), rls_pb2.RateLimitResponse.OK)
        with self.assertRaises(grpc.RpcError) as old:
            self.grpc_hit(self.cert)
        self.assertEqual(old.exception.code(), grpc.StatusCode.UNAVAILABLE)
        with open(self.server_cert, "w") as f:
            f.write("not a certificate\n")
        self.d.proc.send_signal(signal.SIGHUP)
        self.wait_for_reloads("failure", 1)
        self.assertIn("server.tls.cert_file", self.d.log())
        code, out = s_client(self.d.port, cert, "PING\nQUIT\n", "-quiet")
        self.assertEqual((code, out), (0, "PONG\nBYE\n"))
        self.assertEqual(self.grpc_subject(), "CN = second")
        self.assertEqual(self.grpc_hit(cert), rls_pb2.RateLimitResponse.OK)

    def grpc_hit(self, root_certificate):
        return self.d.should_rate_limit([("authorization", "Bearer s3cret")],
                                        root_certificate=root_certificate).overall_code

    def grpc_subject(self):
        """The subject of the certificate the gRPC port serves, as openssl s_client sees it."""
        done = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{self.d.grpc}",
                               "-alpn", "h2"], input=b"", capture_output=True, timeout=10)
        out = done.stdout.decode(errors="replace")  # the server's first HTTP/2 frames follow
        match = re.search(r"^subject=(.*)$", out, re.M)
        return match.group(1).strip() if match else out + done.stderr.decode(errors="replace")

    def wait_for_reloads(self, result, count):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.d.metric("limitsd_config_reloads_total", f'result="{result}"') == count:
                return
            time.sleep(0.05)
        self.fail(f"no reload {result} counted:\n" + self.d.log())


class WithClientCertificates(unittest.TestCase):
    def test_ca_file_requires_a_client_certificate_it_signed(self):
        with tempfile.TemporaryDirectory() as certs:
            _, ca = make_cert(certs, "ca")
            key, cert = make_cert(certs, "server", ca="ca")
            client_key, client_cert = make_cert(certs, "client", ca="ca")
            d = Daemon(f"""  tls: {{ cert_file: "{cert}", key_file: "{key}", ca_file: "{ca}" }}""")
            try:
                code, out = s_client(d.port, ca, "PING\nQUIT\n", "-quiet", "-cert", client_cert,
                                     "-key", client_key)
                self.assertEqual((code, out), (0, "PONG\nBYE\n"))
                code, out = s_client(d.port, ca, "PING\nQUIT\n", "-quiet")
                self.assertNotIn("PONG", out)
                status, head, _ = d.curl(d.http, "/v1/hit", "--cacert", ca, "--cert", client_cert,
                                         "--key", client_key, "--data",
                                         '{"limit": "10/minute", "key": "m"}', scheme="https")
                self.assertEqual(status, 200, head)
            finally:
                d.stop()

    def test_a_bad_key_stops_the_start_naming_the_file(self):
        with tempfile.TemporaryDirectory() as certs:
            key, cert = make_cert(certs, "one")
            other_key, _ = make_cert(certs, "two")
            config = os.path.join(certs, "limitsd.yaml")
            with open(config, "w") as f:
                f.write(f"server:\n  tls: {{ cert_file: {cert}, key_file: {other_key} }}\n")
            done = subprocess.run([LIMITSD, "--check", "--config", config], capture_output=True,
                                  text=True, timeout=10)
            self.assertNotEqual(done.returncode, 0)
            self.assertIn(f"limitsd.yaml:2:8: server.tls.key_file \"{other_key}\": key values "
                          "mismatch", done.stdout + done.stderr)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
