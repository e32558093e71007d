#!/usr/bin/env python3
"""Runs every curl example of docs/http.md against the real daemon and checks its output.

The daemon gets the first YAML block of the page as its configuration (its http.listen is
moved to a free port). Each `console` block's `$ ` lines are run in order with bash, the
example's address replaced by the daemon's; their output must equal the lines that follow,
except for the numbers that depend on the moment (reset_ms, retry_ms, t, Retry-After,
Content-Length and "retry in N s"), which may be any number.
"""

import os
import re
import subprocess
import unittest

from limitsd_http import Daemon

DOC = os.path.join(os.path.dirname(__file__), "..", "..", "..", "docs", "http.md")
ADDRESS = "127.0.0.1:7401"
# (pattern of a time-dependent number as the page shows it, group 1 being the number)
VOLATILE = [r'"reset_ms":(\d+)', r'"retry_ms":(\d+)', r";t=(\d+)", r"Retry-After: (\d+)",
            r"Content-Length: (\d+)", r"retry in (\d+) s"]


def examples(text):
    """[(command, expected output)] of every console block, in order."""
    out = []
    for block in re.findall(r"```console\n(.*?)```", text, re.S):
        command, expected = None, []
        for line in block.splitlines():
            if line.startswith("$ "):
                if command is not None:
                    out.append((command, "\n".join(expected)))
                command, expected = line[2:], []
            else:
                expected.append(line)
        out.append((command, "\n".join(expected)))
    return out


class DocsExamples(unittest.TestCase):
    def test_every_curl_example_prints_what_the_page_says(self):
        with open(DOC) as f:
            text = f.read()
        config = re.search(r"```yaml\n(.*?)```", text, re.S).group(1)
        self.assertIn(ADDRESS, config)
        cases = examples(text)
        self.assertGreaterEqual(len(cases), 8)
        with Daemon(config, listen_placeholder=ADDRESS) as d:
            for command, expected in cases:
                run = command.replace("localhost:7401", "127.0.0.1:%d" % d.port)
                got = subprocess.run(["bash", "-c", run], capture_output=True, timeout=30)
                output = got.stdout.decode().replace("\r\n", "\n").rstrip("\n")
                self.assertEqual(got.returncode, 0, command)
                self.assertRegex(output, "^" + matcher_text(expected) + "$",
                                 "\n$ %s\ngot:\n%s\nexpected:\n%s" % (command, output, expected))


def matcher_text(expected):
    pattern = re.escape(expected)
    for volatile in VOLATILE:
        prefix = volatile.split("(")[0]
        literal = re.escape(prefix.replace("\\", ""))  # how the prefix looks once escaped
        pattern = re.sub("(" + re.escape(literal) + r")\d+", lambda m: m.group(1) + r"\d+",
                         pattern)
    return pattern


if __name__ == "__main__":
    unittest.main()
