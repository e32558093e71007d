#!/usr/bin/env python3
"""The line protocol over a plain socket: no library, one line out, one line back."""
import os
import socket
import sys

port = int(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("LIMITSD_PORT", "7400"))
host = os.environ.get("LIMITSD_HOST", "127.0.0.1")

with socket.create_connection((host, port)) as sock, sock.makefile("rw", newline="\n") as conn:

    def ask(request):
        conn.write(request + "\n")
        conn.flush()
        return conn.readline().rstrip("\n").split(" ")

    verdict, limit, remaining, reset_ms, retry_ms = ask("HIT api user42")
    print(f"allowed={verdict == 'OK'} limit={limit} remaining={remaining} "
          f"reset_ms={reset_ms} retry_ms={retry_ms}")
    print(" ".join(ask("HIT nosuchlimit user42")))  # ERR <code> <message>
