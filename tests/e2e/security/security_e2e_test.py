#!/usr/bin/env python3
"""server.password through the real daemon, at every door: the line protocol, RESP with
redis-cli and redis-py, HTTP with curl, Envoy's gRPC service, and the admin port's
POST /reload. The password comes from the environment (`${LIMITSD_TEST_PASSWORD}`).

Usage: security_e2e_test.py LIMITSD_BINARY STUBS_DIR
(run with Debian's python3: it has python3-redis and python3-grpcio)
"""

import http.client
import os
import re
import shutil
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

    def __init__(self, server_extra="", env=None):
        self.dir = tempfile.mkdtemp(prefix="limitsd-security-")
        self.proc = None
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
        with open(self.config, "w") as f:
            f.write(f"""server:
  listen: ["127.0.0.1:{self.port}"]
{server_extra}
http: {{ listen: "127.0.0.1:{self.http}" }}
grpc: {{ listen: "127.0.0.1:{self.grpc}" }}
admin: {{ listen: "127.0.0.1:{self.admin}" }}
envoy: {{ config: [auth.yaml] }}
""")
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

    def curl(self, port, path, *args):
        """(status, headers, body) of a curl request."""
        done = subprocess.run(["curl", "-s", "-i", "--max-time", "5", *args,
                               f"http://127.0.0.1:{port}{path}"],
                              capture_output=True, timeout=10)
        head, _, body = done.stdout.decode().partition("\r\n\r\n")
        status = int(head.split(" ")[1])
        return status, head, body

    def metric(self, name, labels):
        status, _, body = self.curl(self.admin, "/metrics")
        assert status == 200
        match = re.search("^" + re.escape(name + "{" + labels + "}") + r" (\d+)$", body, re.M)
        return int(match.group(1)) if match else None

    def should_rate_limit(self, metadata=()):
        with grpc.insecure_channel(f"127.0.0.1:{self.grpc}") as channel:
            stub = rls_pb2_grpc.RateLimitServiceStub(channel)
            request = rls_pb2.RateLimitRequest(domain="auth", hits_addend=1)
            entry = request.descriptors.add().entries.add()
            entry.key, entry.value = "user", "alice"
            return stub.ShouldRateLimit(request, timeout=5, metadata=metadata)


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


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
