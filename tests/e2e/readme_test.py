#!/usr/bin/env python3
"""Runs the commands of README.md's "Quick start", "A session" and "Clients" sections
against a real daemon and compares their output with what the README shows.

    readme_test.py SOURCE_DIR LIMITSD_BINARY

Every code block of those sections follows an HTML comment (invisible once rendered) that
says what to do with it:

  <!-- readme-test: scripts -->   not run (they are what CI runs); every scripts/NAME it
                                  names must exist and be executable, and every
                                  examples/NAME must exist.
  <!-- readme-test: shell -->     each `$ ` line is run by bash with its output on a
                                  terminal (redis-cli formats for one); the lines up to the
                                  next `$ ` are its expected output.
  <!-- readme-test: session -->   the first line opens the connection (`$ nc HOST PORT`);
                                  the others alternate request and reply, `#` comments
                                  removed; each request is sent and its reply compared.
  <!-- readme-test: python -->    run by /usr/bin/python3 (which has python3-redis); the
                                  expected output is the `#` comment of each print() line.
  <!-- readme-test: skip REASON -->   not run, for the reason given.

One daemon serves every block, in the README's order, as a reader would run them one after
the other: it is started on examples/limitsd.yaml (what scripts/run.sh serves), with its
port 7400 moved to a free port by --listen and its admin port 7401 moved to another free
port; 7400 in the commands becomes the daemon's port.

Normalisation: only the numbers that depend on the moment vary, reset_ms and retry_ms (the
last two numbers of an OK or DENY line; items 4 and 5 of a redis-cli reply). Each compares
as one of "0", "-1" or "a positive number", on both sides.
"""

import os
import pty
import re
import socket
import subprocess
import sys
import tempfile
import time

SECTIONS = ["Quick start", "A session", "Clients"]
MARKER = re.compile(r"^<!-- readme-test: (scripts|shell|session|python|skip)\b\s*(.*?)\s*-->$")
FENCE = re.compile(r"^```")

failures = []
passed = 0


def check(condition, message):
    global passed
    if condition:
        passed += 1
    else:
        failures.append(message)
        print("FAIL", message)


def blocks(readme):
    """[(line number, section, marker kind, marker argument, block lines)] of the sections."""
    lines = readme.splitlines()
    out, section, i = [], None, 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("## "):
            section = line[3:].strip()
        if FENCE.match(line):
            end = next(j for j in range(i + 1, len(lines)) if FENCE.match(lines[j]))
            if section in SECTIONS:
                marker = MARKER.match(lines[i - 1]) if i > 0 else None
                if marker is None:
                    failures.append(f"README.md:{i + 1}: a code block in \"{section}\" without a "
                                    "<!-- readme-test: ... --> comment on the line before")
                else:
                    out.append((i + 1, section, marker.group(1), marker.group(2),
                                lines[i + 1:end]))
            i = end
        i += 1
    return out


def moment(number):
    return number if number in ("0", "-1") else "<positive>"


def normalise(line):
    line = line.rstrip()
    verdict = re.fullmatch(r"(OK|DENY) (\d+) (-?\d+) (-?\d+) (-?\d+)", line)
    if verdict:
        kind, limit, remaining, reset, retry = verdict.groups()
        return f"{kind} {limit} {remaining} {moment(reset)} {moment(retry)}"
    item = re.fullmatch(r"([45])\) \(integer\) (-?\d+)", line)
    if item:
        return f"{item.group(1)}) (integer) {moment(item.group(2))}"
    return line


def compare(where, expected, output):
    want = [normalise(line) for line in expected]
    got = [normalise(line) for line in output.splitlines()]
    check(want == got, f"{where}: expected\n  " + "\n  ".join(expected) + "\ngot\n  " +
          "\n  ".join(output.splitlines()))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Daemon:
    """limitsd on examples/limitsd.yaml, its ports moved to free ones; stopped by its pid."""

    def __init__(self, src, binary, tmp):
        self.port, admin = free_port(), free_port()
        text = open(os.path.join(src, "examples/limitsd.yaml")).read()
        if "127.0.0.1:7401" not in text:
            raise SystemExit("examples/limitsd.yaml has no admin.listen 127.0.0.1:7401 to move")
        config = os.path.join(tmp, "limitsd.yaml")
        with open(config, "w") as f:
            f.write(text.replace("127.0.0.1:7401", f"127.0.0.1:{admin}"))
        self.log = os.path.join(tmp, "limitsd.log")
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(
                [binary, "--config", config, "--listen", f"127.0.0.1:{self.port}"],
                stdout=log, stderr=subprocess.STDOUT)
        for _ in range(100):
            if self.proc.poll() is not None:
                raise SystemExit("limitsd exited at start-up:\n" + open(self.log).read())
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise SystemExit("limitsd did not listen within 10 s:\n" + open(self.log).read())

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)


def run_scripts(src, where, lines):
    named = re.findall(r"\bscripts/[\w.-]+", "\n".join(lines))
    check(named, f"{where}: the block names no scripts/...")
    for script in named:
        check(os.access(os.path.join(src, script), os.X_OK),
              f"{where}: {script} does not exist or is not executable")
    for path in re.findall(r"\bexamples/[\w./-]*\w", "\n".join(lines)):
        check(os.path.exists(os.path.join(src, path)), f"{where}: {path} does not exist")


def run_shell(where, lines, port):
    commands = []
    for line in lines:
        if line.startswith("$ "):
            commands.append((line[2:], []))
        elif commands:
            commands[-1][1].append(line)
        else:
            check(False, f"{where}: output before the first `$ ` line: {line}")
    check(commands, f"{where}: no `$ ` command")
    for command, expected in commands:
        status, output, errors = run_on_terminal(command.replace("7400", str(port)))
        check(status == 0, f"{where}: `{command}` exited with {status}: {errors}")
        compare(f"{where}: `{command}`", expected, output)


def run_on_terminal(command):
    """Runs `command` with bash, its stdout on a pseudo-terminal as a reader's would be:
    (exit status, stdout, stderr)."""
    master, slave = pty.openpty()
    with open(os.devnull) as nothing, tempfile.TemporaryFile("w+") as errors:
        proc = subprocess.Popen(["bash", "-c", command], stdin=nothing, stdout=slave,
                                stderr=errors)
        os.close(slave)
        output = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: every writer closed the terminal
                break
            if not chunk:
                break
            output += chunk
        os.close(master)
        status = proc.wait(timeout=60)
        errors.seek(0)
        return status, output.decode().replace("\r\n", "\n"), errors.read()


def run_session(where, lines, port):
    check(re.fullmatch(r"\$ nc 127\.0\.0\.1 7400", lines[0]),
          f"{where}: the session does not start with `$ nc 127.0.0.1 7400`")
    exchange = [re.sub(r"\s+#.*$", "", line) for line in lines[1:]]
    check(len(exchange) % 2 == 0, f"{where}: a request without its reply")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock, \
            sock.makefile("rw", newline="\n") as conn:
        for request, reply in zip(exchange[0::2], exchange[1::2]):
            conn.write(request + "\n")
            conn.flush()
            compare(f"{where}: {request}", [reply], conn.readline())


def run_python(where, lines, port, tmp):
    expected = [re.search(r"#\s*(.*)$", line).group(1) for line in lines
                if re.match(r"\s*print\(", line) and "#" in line]
    script = os.path.join(tmp, "example.py")
    with open(script, "w") as f:
        f.write("\n".join(lines).replace("7400", str(port)) + "\n")
    result = subprocess.run(["/usr/bin/python3", script], capture_output=True, text=True,
                            timeout=60)
    check(result.returncode == 0, f"{where}: exited with {result.returncode}: {result.stderr}")
    compare(where, expected, result.stdout)


def main():
    src, binary = sys.argv[1], sys.argv[2]
    found = blocks(open(os.path.join(src, "README.md")).read())
    for section in SECTIONS:
        check(any(s == section for _, s, _, _, _ in found),
              f"README.md has no code block under \"## {section}\"")
    with tempfile.TemporaryDirectory() as tmp:
        daemon = Daemon(src, binary, tmp)
        try:
            for line, section, kind, argument, lines in found:
                where = f"README.md:{line} ({section}, {kind})"
                if kind == "scripts":
                    run_scripts(src, where, lines)
                elif kind == "shell":
                    run_shell(where, lines, daemon.port)
                elif kind == "session":
                    run_session(where, lines, daemon.port)
                elif kind == "python":
                    run_python(where, lines, daemon.port, tmp)
                else:
                    check(argument, f"{where}: a skip without a reason")
                    print(f"skip {where}: {argument}")
            check(daemon.proc.poll() is None, "limitsd exited during the test")
        finally:
            daemon.stop()
            if failures:
                print("--- limitsd log:\n" + open(daemon.log).read())
    print(f"readme: {passed} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
