#!/usr/bin/env python3
"""Envoy's rate limit service through the real daemon, from Python (Debian's python3-grpcio,
stubs generated at build time): the README examples of envoyproxy/ratelimit, health, a check
that takes nothing, an override, a bad request, and a rule switched to moving-window.

Usage: envoy_rls_client.py LIMITSD_BINARY STUBS_DIR
"""

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import unittest

LIMITSD, STUBS = sys.argv[1], sys.argv[2]
sys.path.insert(0, STUBS)

import grpc  # noqa: E402
from envoy.service.ratelimit.v3 import rls_pb2, rls_pb2_grpc  # noqa: E402
from envoy.type.v3 import ratelimit_unit_pb2  # noqa: E402
from grpc_health_v1 import health_pb2, health_pb2_grpc  # noqa: E402

OK = rls_pb2.RateLimitResponse.OK
OVER = rls_pb2.RateLimitResponse.OVER_LIMIT

# envoyproxy/ratelimit README, "Example 1" and "Example 2", unchanged but for the numbers
# of example 1, and one rule of example 2 switched to moving-window.
RULES = {
    "mongo_cps.yaml": """
domain: mongo_cps
descriptors:
  - key: database
    value: users
    rate_limit:
      unit: minute
      requests_per_unit: 3

  - key: database
    value: default
    rate_limit:
      unit: minute
      requests_per_unit: 500
""",
    "messaging.yaml": """
domain: messaging
descriptors:
  # Only allow 5 marketing messages a day
  - key: message_type
    value: marketing
    descriptors:
      - key: to_number
        rate_limit:
          unit: day
          requests_per_unit: 5
          strategy: moving-window

  # Only allow 100 messages a day to any unique phone number
  - key: to_number
    rate_limit:
      unit: day
      requests_per_unit: 100
""",
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(domain, *descriptors, hits_addend=0):
    r = rls_pb2.RateLimitRequest(domain=domain, hits_addend=hits_addend)
    for entries in descriptors:
        d = r.descriptors.add()
        for key, value in entries:
            d.entries.add(key=key, value=value)
    return r


class EnvoyRls(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        rules = os.path.join(cls.dir.name, "rules")
        os.mkdir(rules)
        for name, text in RULES.items():
            with open(os.path.join(rules, name), "w") as f:
                f.write(text)
        port, grpc_port, cls.http_port = free_port(), free_port(), free_port()
        config = os.path.join(cls.dir.name, "limitsd.yaml")
        with open(config, "w") as f:
            f.write(f'server: {{ listen: ["127.0.0.1:{port}"] }}\n'
                    f'grpc: {{ listen: "127.0.0.1:{grpc_port}" }}\n'
                    f'http: {{ listen: "127.0.0.1:{cls.http_port}" }}\n'
                    f'envoy: {{ config: ["{rules}"] }}\n')
        cls.log = open(os.path.join(cls.dir.name, "log"), "w")
        cls.daemon = subprocess.Popen([LIMITSD, "--config", config], stdout=cls.log,
                                      stderr=subprocess.STDOUT)
        cls.channel = grpc.insecure_channel(f"127.0.0.1:{grpc_port}")
        grpc.channel_ready_future(cls.channel).result(timeout=10)
        cls.stub = rls_pb2_grpc.RateLimitServiceStub(cls.channel)

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        cls.daemon.terminate()
        cls.daemon.wait(timeout=15)
        cls.log.close()
        cls.dir.cleanup()

    def ask(self, req):
        return self.stub.ShouldRateLimit(req, timeout=5)

    def test_example_1_exact_values(self):
        for remaining in (2, 1, 0):
            r = self.ask(request("mongo_cps", [("database", "users")]))
            self.assertEqual(r.overall_code, OK)
            self.assertEqual(r.statuses[0].limit_remaining, remaining)
            self.assertEqual(r.statuses[0].current_limit.requests_per_unit, 3)
            self.assertEqual(r.statuses[0].current_limit.unit,
                             rls_pb2.RateLimitResponse.RateLimit.MINUTE)
            self.assertGreater(r.statuses[0].duration_until_reset.ToMilliseconds(), 0)
        over = self.ask(request("mongo_cps", [("database", "users")]))
        self.assertEqual(over.overall_code, OVER)
        self.assertEqual(over.statuses[0].code, OVER)
        other = self.ask(request("mongo_cps", [("database", "default")]))
        self.assertEqual(other.statuses[0].current_limit.requests_per_unit, 500)
        # No rule for this value and no key-only rule: OK without a limit.
        none = self.ask(request("mongo_cps", [("database", "other")]))
        self.assertEqual(none.overall_code, OK)
        self.assertFalse(none.statuses[0].HasField("current_limit"))

    def test_example_2_nested_and_moving_window(self):
        marketing = [("message_type", "marketing"), ("to_number", "2061234567")]
        for _ in range(5):
            self.assertEqual(self.ask(request("messaging", marketing)).overall_code, OK)
        self.assertEqual(self.ask(request("messaging", marketing)).overall_code, OVER)
        alone = self.ask(request("messaging", [("to_number", "2061234567")]))
        self.assertEqual(alone.overall_code, OK)
        self.assertEqual(alone.statuses[0].current_limit.requests_per_unit, 100)

    def test_check_only_descriptor_takes_nothing(self):
        req = request("messaging", [("to_number", "peek")])
        req.descriptors[0].hits_addend.value = 0
        for _ in range(3):
            self.assertEqual(self.ask(req).statuses[0].limit_remaining, 100)

    def test_override(self):
        req = request("messaging", [("anything", "x")])
        req.descriptors[0].limit.requests_per_unit = 1
        req.descriptors[0].limit.unit = ratelimit_unit_pb2.HOUR
        self.assertEqual(self.ask(req).overall_code, OK)
        self.assertEqual(self.ask(req).overall_code, OVER)

    def test_unknown_domain_is_ok_and_no_domain_is_invalid(self):
        self.assertEqual(self.ask(request("nope", [("a", "b")])).overall_code, OK)
        with self.assertRaises(grpc.RpcError) as caught:
            self.ask(request("", [("a", "b")]))
        self.assertEqual(caught.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)

    def post_json(self, body):
        conn = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=5)
        conn.request("POST", "/json", body=body, headers={"Content-Type": "application/json"})
        reply = conn.getresponse()
        data = reply.read()
        conn.close()
        return reply.status, data

    def test_json_endpoint(self):
        body = json.dumps({"domain": "messaging", "descriptors": [
            {"entries": [{"key": "to_number", "value": "json"}]}]})
        status, data = self.post_json(body)
        self.assertEqual(status, 200, data)
        reply = json.loads(data)
        self.assertEqual(reply["overallCode"], "OK")
        self.assertEqual(reply["statuses"][0]["currentLimit"],
                         {"requestsPerUnit": 100, "unit": "DAY"})
        self.assertEqual(reply["statuses"][0]["limitRemaining"], 99)
        self.assertTrue(reply["statuses"][0]["durationUntilReset"].endswith("s"))
        # Over the limit: 429, and nothing taken from the other descriptor (a check, 64-bit
        # hitsAddend as a string) nor from the override (a cost above its limit).
        blocked = json.dumps({"domain": "messaging", "hitsAddend": 3, "descriptors": [
            {"entries": [{"key": "to_number", "value": "json"}], "hitsAddend": "0"},
            {"entries": [{"key": "anything", "value": "json"}],
             "limit": {"requestsPerUnit": 1, "unit": "HOUR"}}]})
        status, data = self.post_json(blocked)
        self.assertEqual(status, 429, data)
        reply = json.loads(data)
        self.assertEqual(reply["overallCode"], "OVER_LIMIT")
        self.assertEqual(reply["statuses"][0]["code"], "OK")
        self.assertEqual(reply["statuses"][0]["limitRemaining"], 99)
        self.assertEqual(reply["statuses"][1]["code"], "OVER_LIMIT")
        self.assertEqual(reply["statuses"][1]["limitRemaining"], 1)
        status, data = self.post_json("{not json")
        self.assertEqual(status, 400, data)
        status, data = self.post_json(json.dumps({"descriptors": []}))
        self.assertEqual(status, 400, data)

    def test_health(self):
        health = health_pb2_grpc.HealthStub(self.channel)
        for service in ("", "ratelimit"):
            reply = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
            self.assertEqual(reply.status, health_pb2.HealthCheckResponse.SERVING)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
