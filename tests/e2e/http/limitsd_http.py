"""Test support for the HTTP API: the real limitsd started on free loopback ports.

Daemon(yaml) writes the configuration (adding http.listen), starts the binary named by the
LIMITSD_BINARY environment variable, waits until the HTTP port accepts connections, and
stops the process by its pid in stop() (or at the end of a `with` block).
"""

import http.client
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time


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
    def __init__(self, yaml="", http_extra="", listen_placeholder=None):
        """`listen_placeholder`: an address in `yaml` to replace with the HTTP port's, when
        `yaml` has an http section of its own (http_extra is then unused)."""
        self.placeholder = listen_placeholder
        self.binary = os.environ["LIMITSD_BINARY"]
        self.dir = tempfile.mkdtemp(prefix="limitsd-http-")
        self.proc = None
        try:
            for _ in range(3):  # a port taken between free_port() and bind: try others
                if self._start(yaml, http_extra):
                    return
            raise RuntimeError("limitsd did not start:\n" + self.log())
        except BaseException:
            self.stop()
            raise

    def _start(self, yaml, http_extra):
        self.port = free_port()
        self.line_port = free_port()
        config = os.path.join(self.dir, "limitsd.yaml")
        with open(config, "w") as f:
            if self.placeholder:
                f.write(yaml.replace(self.placeholder, "127.0.0.1:%d" % self.port))
            else:
                f.write(yaml)
                f.write("\nhttp:\n  listen: \"127.0.0.1:%d\"\n%s" % (self.port, http_extra))
        with open(os.path.join(self.dir, "log"), "w") as log:
            self.proc = subprocess.Popen(
                [self.binary, "--config", config, "--listen", "127.0.0.1:%d" % self.line_port],
                stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            if port_open(self.port):
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
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def connect(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)

    def post(self, path, body, conn=None):
        """POSTs `body` (an object sent as JSON, or bytes/str as they are); returns
        (status, headers as a dict with lower-case names, body as JSON or text)."""
        own = conn is None
        conn = conn or self.connect()
        try:
            data = body if isinstance(body, (bytes, str)) else json.dumps(body)
            conn.request("POST", path, body=data, headers={"Content-Type": "application/json"})
            return read_response(conn.getresponse())
        finally:
            if own:
                conn.close()


def read_response(response):
    raw = response.read().decode()
    headers = {k.lower(): v for k, v in response.getheaders()}
    ctype = headers.get("content-type", "")
    body = json.loads(raw) if "json" in ctype and raw else raw
    return response.status, headers, body
