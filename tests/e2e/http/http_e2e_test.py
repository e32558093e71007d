#!/usr/bin/env python3
"""End-to-end tests of the HTTP API against the real daemon, with curl and http.client.

Run by CTest with LIMITSD_BINARY (and LIMITSD_BASICDB_PLUGIN) in the environment.
"""

import json
import os
import re
import socket
import subprocess
import threading
import unittest

from limitsd_http import Daemon, free_port, read_response


def curl(*args):
    """Runs curl -si; returns (status, headers with lower-case names, body)."""
    out = subprocess.run(["curl", "-si", "--max-time", "10", *args], check=True,
                         capture_output=True).stdout.decode()
    head, _, body = out.partition("\r\n\r\n")
    lines = head.split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


def raw_exchange(port, data, responses):
    """Sends `data` in one write and reads `responses` HTTP responses; returns
    [(status, headers, body)] and whether the server closed the connection after them."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(data)
        buf = b""
        out = []
        closed = False
        while len(out) < responses:
            head_end = buf.find(b"\r\n\r\n")
            if head_end >= 0:
                head = buf[:head_end].decode()
                length = int(re.search(r"(?im)^content-length:\s*(\d+)", head).group(1))
                if len(buf) >= head_end + 4 + length:
                    lines = head.split("\r\n")
                    headers = {l.split(":", 1)[0].lower(): l.split(":", 1)[1].strip()
                               for l in lines[1:]}
                    body = buf[head_end + 4:head_end + 4 + length].decode()
                    out.append((int(lines[0].split()[1]), headers, body))
                    buf = buf[head_end + 4 + length:]
                    continue
            chunk = s.recv(65536)
            if not chunk:
                closed = True
                break
            buf += chunk
        if not closed:
            try:
                s.settimeout(5)
                closed = s.recv(1) == b""
            except socket.timeout:
                closed = False
        return out, closed


def hit(limit, key, cost=None):
    body = {"limit": limit, "key": key}
    if cost is not None:
        body["cost"] = cost
    return json.dumps(body)


class DoneWhen(unittest.TestCase):
    """The issue's acceptance sequence, with curl."""

    def test_three_200s_then_a_429_with_the_ratelimit_fields(self):
        with Daemon() as d:
            url = "localhost:%d/v1/hit" % d.port
            answers = [curl("-X", "POST", url, "-d", '{"limit":"3/minute","key":"u"}')
                       for _ in range(4)]
        for i, (status, headers, body) in enumerate(answers[:3]):
            self.assertEqual(status, 200)
            self.assertEqual(headers["content-type"], "application/json")
            self.assertEqual(headers["cache-control"], "no-store")
            self.assertEqual(headers["ratelimit-policy"], '"3/minute";q=3;w=60')
            m = re.fullmatch(r'"3/minute";r=(\d+);t=(\d+)', headers["ratelimit"])
            self.assertIsNotNone(m, headers["ratelimit"])
            self.assertEqual(int(m.group(1)), 2 - i)
            self.assertTrue(1 <= int(m.group(2)) <= 60)
            self.assertNotIn("retry-after", headers)
            decision = json.loads(body)
            self.assertEqual(decision["allowed"], True)
            self.assertEqual(decision["remaining"], 2 - i)
            self.assertEqual(decision["policy"], "3/minute")
        status, headers, body = answers[3]
        self.assertEqual(status, 429)
        self.assertEqual(headers["content-type"], "application/problem+json")
        self.assertEqual(headers["cache-control"], "no-store")
        self.assertEqual(headers["ratelimit-policy"], '"3/minute";q=3;w=60')
        m = re.fullmatch(r'"3/minute";r=0;t=(\d+)', headers["ratelimit"])
        self.assertIsNotNone(m, headers["ratelimit"])
        t = int(m.group(1))
        self.assertTrue(1 <= t <= 60)
        self.assertEqual(int(headers["retry-after"]), t)
        problem = json.loads(body)
        self.assertEqual(problem["type"],
                         "https://iana.org/assignments/http-problem-types#quota-exceeded")
        self.assertEqual(problem["status"], 429)
        self.assertEqual(problem["violated-policies"], ["3/minute"])
        self.assertEqual(problem["allowed"], False)
        self.assertEqual(t, (problem["retry_ms"] + 999) // 1000)


class Connections(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon()

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()

    def test_keep_alive_serves_many_requests_on_one_connection(self):
        conn = self.d.connect()
        sockets = set()
        for i in range(5):
            status, headers, body = self.d.post("/v1/hit", hit("10/minute", "ka"), conn)
            sockets.add(id(conn.sock))
            self.assertEqual(status, 200)
            self.assertEqual(body["remaining"], 9 - i)
            self.assertNotEqual(headers.get("connection"), "close")
        self.assertEqual(len(sockets), 1)
        conn.close()

    def test_pipelined_requests_are_answered_in_order(self):
        requests = b""
        for verb, cost in (("hit", 2), ("test", 1), ("hit", 1), ("stats", None)):
            body = hit("5/minute", "pipe", cost).encode()
            requests += (b"POST /v1/%s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
                         % (verb.encode(), len(body))) + body
        answers, closed = raw_exchange(self.d.port, requests, 4)
        self.assertFalse(closed)
        self.assertEqual([a[0] for a in answers], [200, 200, 200, 200])
        self.assertEqual([json.loads(a[2])["remaining"] for a in answers], [3, 3, 2, 2])

    def test_connection_close_is_honoured(self):
        body = hit("5/minute", "close").encode()
        request = (b"POST /v1/hit HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                   b"Content-Length: %d\r\n\r\n" % len(body)) + body
        answers, closed = raw_exchange(self.d.port, request * 2, 1)
        self.assertEqual(answers[0][0], 200)
        self.assertEqual(answers[0][1]["connection"], "close")
        self.assertTrue(closed)

    def test_http_1_0_closes_unless_kept_alive(self):
        body = hit("5/minute", "old").encode()
        request = b"POST /v1/hit HTTP/1.0\r\nContent-Length: %d\r\n\r\n" % len(body) + body
        answers, closed = raw_exchange(self.d.port, request, 1)
        self.assertEqual(answers[0][0], 200)
        self.assertTrue(closed)

    def test_expect_100_continue(self):
        body = hit("5/minute", "expect").encode()
        with socket.create_connection(("127.0.0.1", self.d.port), timeout=10) as s:
            s.sendall(b"POST /v1/hit HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                      b"Content-Length: %d\r\n\r\n" % len(body))
            interim = b""
            while b"\r\n\r\n" not in interim:
                interim += s.recv(1)
            self.assertEqual(interim, b"HTTP/1.1 100 Continue\r\n\r\n")
            s.sendall(body)
            answer = s.recv(65536)
        self.assertTrue(answer.startswith(b"HTTP/1.1 200 OK\r\n"), answer)

    def test_fifty_concurrent_clients_on_one_key_get_exactly_the_limit(self):
        statuses = []
        lock = threading.Lock()
        barrier = threading.Barrier(50)

        def client():
            conn = self.d.connect()
            conn.connect()
            barrier.wait()
            mine = [self.d.post("/v1/hit", hit("100/hour", "shared"), conn)[0]
                    for _ in range(4)]
            conn.close()
            with lock:
                statuses.extend(mine)

        threads = [threading.Thread(target=client) for _ in range(50)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(len(statuses), 200)
        self.assertEqual(statuses.count(200), 100)
        self.assertEqual(statuses.count(429), 100)


def line_error(port, request):
    """The line protocol's answer to `request`: (code, message) of its ERR line."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(request.encode() + b"\n")
        reply = b""
        while not reply.endswith(b"\n"):
            reply += s.recv(4096)
    _, code, message = reply.decode().rstrip("\n").split(" ", 2)
    return code, message


class Errors(unittest.TestCase):
    """Every error class: its status, a problem+json body, the line protocol's code and
    message."""

    @classmethod
    def setUpClass(cls):
        cls.d = Daemon("allow_reset: false\nlimits:\n  api: \"5/minute\"\n")

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()

    def check(self, path, body, status, code, line_request=None):
        got_status, headers, problem = self.d.post(path, body)
        self.assertEqual(got_status, status, problem)
        self.assertEqual(headers["content-type"], "application/problem+json")
        self.assertEqual(headers["cache-control"], "no-store")
        self.assertEqual(problem["status"], status)
        self.assertEqual(problem["code"], code)
        self.assertTrue(problem["detail"])
        if line_request is not None:
            self.assertEqual(line_error(self.d.line_port, line_request),
                             (code, problem["detail"]))
        return headers, problem

    def test_unknown_limit_is_404(self):
        self.check("/v1/hit", hit("nosuch", "k"), 404, "unknown_limit", "HIT nosuch k")

    def test_bad_rate_is_400(self):
        self.check("/v1/hit", hit("10/fortnight", "k"), 400, "bad_rate", "HIT 10/fortnight k")

    def test_bad_key_is_400(self):
        self.check("/v1/hit", hit("api", "k" * 257), 400, "bad_key", "HIT api " + "k" * 257)

    def test_bad_cost_is_400(self):
        self.check("/v1/hit", hit("api", "k", 0), 400, "bad_cost", "HIT api k 0")

    def test_forbidden_reset_is_403(self):
        self.check("/v1/reset", hit("api", "k"), 403, "forbidden", "RESET api k")

    def test_missing_key_is_400_syntax(self):
        self.check("/v1/hit", {"limit": "api"}, 400, "syntax")

    def test_malformed_json_is_400_naming_the_position(self):
        _, problem = self.check("/v1/hit", '{"limit": "api", "key": "k",}', 400, "syntax")
        self.assertIn("malformed JSON at line 1, column 29 (byte 28)", problem["detail"])

    def test_unknown_path_is_404_listing_the_endpoints(self):
        _, problem = self.check("/v2/hit", hit("api", "k"), 404, "not_found")
        self.assertIn("POST /v1/hit", problem["detail"])

    def test_wrong_method_is_405_with_allow(self):
        conn = self.d.connect()
        conn.request("GET", "/v1/hit")
        status, headers, problem = read_response(conn.getresponse())
        conn.close()
        self.assertEqual(status, 405)
        self.assertEqual(headers["allow"], "POST")
        self.assertEqual(problem["code"], "method_not_allowed")

    def test_cost_above_the_limit_is_429_without_retry_after(self):
        status, headers, problem = self.d.post("/v1/hit", hit("api", "big", 6))
        self.assertEqual(status, 429)
        self.assertNotIn("retry-after", headers)
        self.assertEqual(problem["retry_ms"], -1)
        self.assertEqual(problem["violated-policies"], ["api"])
        self.assertIn("never pass", problem["detail"])

    def test_oversized_header_is_431_and_closes(self):
        request = (b"POST /v1/hit HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 +
                   b"\r\nContent-Length: 2\r\n\r\n{}")
        answers, closed = raw_exchange(self.d.port, request, 1)
        self.assertEqual(answers[0][0], 431)
        self.assertEqual(json.loads(answers[0][2])["code"], "too_long")
        self.assertTrue(closed)

    def test_oversized_body_is_413_and_closes(self):
        body = b'{"limit": "api", "key": "' + b"k" * 70000 + b'"}'
        request = b"POST /v1/hit HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body)
        answers, closed = raw_exchange(self.d.port, request + body, 1)
        self.assertEqual(answers[0][0], 413)
        self.assertIn("http.max_body_bytes (65536 bytes)", json.loads(answers[0][2])["detail"])
        self.assertTrue(closed)

    def test_malformed_http_is_400_and_closes(self):
        answers, closed = raw_exchange(self.d.port, b"HELLO THERE\r\n\r\n", 1)
        self.assertEqual(answers[0][0], 400)
        self.assertEqual(json.loads(answers[0][2])["code"], "syntax")
        self.assertTrue(closed)


class StorageErrors(unittest.TestCase):
    """A Redis nobody listens on: 503, unless storage.on_error decides."""

    @staticmethod
    def down_redis(on_error):
        return ('storage: { uri: "redis://127.0.0.1:%d", timeout_ms: 100, on_error: %s }\n'
                % (free_port(), on_error))

    def test_storage_error_is_503(self):
        with Daemon(self.down_redis("error")) as d:
            status, headers, problem = d.post("/v1/hit", hit("5/minute", "k"))
        self.assertEqual(status, 503)
        self.assertEqual(problem["code"], "storage")
        self.assertNotIn("retry-after", headers)

    def test_on_error_deny_is_a_429_decision(self):
        with Daemon(self.down_redis("deny")) as d:
            status, headers, problem = d.post("/v1/hit", hit("5/minute", "k"))
        self.assertEqual(status, 429)
        self.assertEqual(headers["retry-after"], "1")
        self.assertEqual(problem["retry_ms"], 100)


class Unsupported(unittest.TestCase):
    def test_a_strategy_the_storage_lacks_is_422(self):
        plugin = os.environ["LIMITSD_BASICDB_PLUGIN"]
        with Daemon('plugins: ["%s"]\nstorage: { uri: "basicdb://localhost:42" }\n' % plugin) as d:
            status, _, problem = d.post("/v1/hit", hit("moving-window:2/minute", "k"))
        self.assertEqual(status, 422)
        self.assertEqual(problem["code"], "unsupported")


class ConnectionLimits(unittest.TestCase):
    def test_connections_beyond_max_connections_get_503_overloaded(self):
        with Daemon("server: { max_connections: 2 }\n") as d:
            held = [d.connect() for _ in range(2)]
            for conn in held:  # both are served: they hold their slots
                self.assertEqual(d.post("/v1/hit", hit("9/minute", "k"), conn)[0], 200)
            answers, closed = raw_exchange(d.port, b"POST /v1/hit HTTP/1.1\r\n\r\n", 1)
            for conn in held:
                conn.close()
        status, headers, body = answers[0]
        self.assertEqual(status, 503)
        self.assertEqual(headers["retry-after"], "1")
        self.assertEqual(json.loads(body)["code"], "overloaded")
        self.assertTrue(closed)

    def test_an_idle_connection_is_closed(self):
        with Daemon("server: { idle_timeout_ms: 200 }\n") as d:
            with socket.create_connection(("127.0.0.1", d.port), timeout=10) as s:
                self.assertEqual(s.recv(1), b"")  # the server closed it


class Shutdown(unittest.TestCase):
    def test_sigterm_closes_kept_alive_connections_and_exits_cleanly(self):
        with Daemon() as d:
            body = hit("5/minute", "term").encode()
            with socket.create_connection(("127.0.0.1", d.port), timeout=10) as s:
                s.sendall(b"POST /v1/hit HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
                          % len(body) + body)
                self.assertTrue(s.recv(65536).startswith(b"HTTP/1.1 200 OK\r\n"))
                d.proc.terminate()
                self.assertEqual(s.recv(1), b"")  # closed by the daemon
            self.assertEqual(d.proc.wait(15), 0)


class Endpoints(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon("limits:\n  api: { rate: \"2/minute;3/hour\" }\n")

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()

    def test_every_rate_is_a_policy_and_ratelimit_names_the_binding_one(self):
        status, headers, body = self.d.post("/v1/hit", hit("api", "multi"))
        self.assertEqual(status, 200)
        self.assertEqual(headers["ratelimit-policy"],
                         '"api:2/minute";q=2;w=60, "api:3/hour";q=3;w=3600')
        self.assertRegex(headers["ratelimit"], r'^"api:2/minute";r=1;t=\d+$')
        self.assertEqual(body["policy"], "api:2/minute")

    def test_test_and_stats_take_nothing_and_reset_clears(self):
        self.assertEqual(self.d.post("/v1/test", hit("api", "ts", 2))[2]["allowed"], True)
        self.assertEqual(self.d.post("/v1/stats", hit("api", "ts"))[2]["remaining"], 2)
        self.assertEqual(self.d.post("/v1/hit", hit("api", "ts", 2))[0], 200)
        status, _, problem = self.d.post("/v1/test", hit("api", "ts"))
        self.assertEqual(status, 429)
        status, _, body = self.d.post("/v1/reset", hit("api", "ts"))
        self.assertEqual((status, body), (200, {"reset": True}))
        self.assertEqual(self.d.post("/v1/stats", hit("api", "ts"))[2]["remaining"], 2)

    def test_batch_answers_in_order_with_each_status(self):
        status, headers, body = self.d.post("/v1/batch", [
            {"verb": "hit", "limit": "3/minute", "key": "b", "cost": 2},
            {"verb": "hit", "limit": "3/minute", "key": "b", "cost": 2},
            {"verb": "stats", "limit": "3/minute", "key": "b"},
            {"verb": "hit", "limit": "nosuch", "key": "b"},
            {"verb": "jump", "limit": "3/minute", "key": "b"},
            {"verb": "reset", "limit": "3/minute", "key": "b"},
        ])
        self.assertEqual(status, 200)
        self.assertNotIn("ratelimit", headers)
        results = body["results"]
        self.assertEqual([r["status"] for r in results], [200, 429, 200, 404, 400, 200])
        self.assertEqual(results[0]["remaining"], 1)
        self.assertEqual(results[2]["remaining"], 1)
        self.assertEqual(results[3]["code"], "unknown_limit")
        self.assertEqual(results[4]["code"], "syntax")
        self.assertEqual(results[5], {"status": 200, "reset": True})

    def test_batch_that_is_not_a_list_is_400(self):
        status, _, problem = self.d.post("/v1/batch", {"verb": "hit"})
        self.assertEqual(status, 400)
        self.assertEqual(problem["code"], "syntax")


if __name__ == "__main__":
    unittest.main()
