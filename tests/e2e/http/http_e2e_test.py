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


if __name__ == "__main__":
    unittest.main()
