#!/usr/bin/env python3
"""What can be checked of the packaging without a Docker engine or a booted systemd.

    packaging_test.py SOURCE_DIR LIMITSD_BINARY

- the Dockerfile: a numeric USER in the final stage, a HEALTHCHECK on /readyz, EXPOSE of
  the client port and of the admin port that docker/limitsd.yaml turns on, tini as the
  entry point, and every script and file it uses exists (its build steps are the scripts
  CI runs);
- docker/limitsd.yaml passes `limitsd --check`;
- scripts/strip-binary.sh (the image's strip step) on the built binary: no debug sections
  left, a .gnu_debuglink to the debug file, and the stripped binary runs;
- packaging/limitsd.service passes `systemd-analyze verify`.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

failures = []
passed = 0


def check(condition, message):
    global passed
    if condition:
        passed += 1
    else:
        failures.append(message)
        print("FAIL", message)


def stages(dockerfile):
    """The Dockerfile's instructions, continuation lines joined, grouped by stage."""
    text = re.sub(r"\\\n", " ", open(dockerfile).read())
    result = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        word = word.upper()
        if word == "FROM":
            result.append([])
        result[-1].append((word, rest.strip()))
    return result


def check_dockerfile(src):
    all_stages = stages(os.path.join(src, "Dockerfile"))
    final = all_stages[-1]
    get = lambda word: [rest for w, rest in final if w == word]
    users = get("USER")
    check(users and re.fullmatch(r"\d+(:\d+)?", users[-1]),
          f"the final stage runs as a numeric USER (got {users})")
    health = get("HEALTHCHECK")
    check(health and "/readyz" in health[-1], f"a HEALTHCHECK on /readyz (got {health})")
    exposed = " ".join(get("EXPOSE")).split()
    admin = re.search(r'admin:\s*\n\s*listen:\s*"[^"]*:(\d+)"',
                      open(os.path.join(src, "docker/limitsd.yaml")).read())
    check(admin is not None, "docker/limitsd.yaml turns the admin endpoint on")
    for port in ["7400"] + ([admin.group(1)] if admin else []):
        check(port in exposed, f"EXPOSE {port} (got {exposed})")
    if admin:
        check(f":{admin.group(1)}/readyz" in (health or [""])[-1],
              "the HEALTHCHECK asks the admin port of docker/limitsd.yaml")
    entry = get("ENTRYPOINT")
    check(entry and "tini" in entry[-1].split(",")[0], f"tini is PID 1 (got {entry})")
    for stage in all_stages:
        for word, rest in stage:
            if word == "RUN":
                for script in re.findall(r"scripts/[\w.-]+", rest):
                    path = os.path.join(src, script)
                    check(os.access(path, os.X_OK), f"RUN uses {script}, which exists")
            if word == "COPY" and "--from=" not in rest:
                for source in rest.split()[:-1]:
                    if source != ".":
                        check(os.path.exists(os.path.join(src, source)), f"COPY {source} exists")


def check_config(src, limitsd):
    result = subprocess.run([limitsd, "--check", "--config",
                             os.path.join(src, "docker/limitsd.yaml")],
                            capture_output=True, text=True)
    check(result.returncode == 0, f"docker/limitsd.yaml passes --check: {result.stderr}")


def check_strip(src, limitsd, tmp):
    out, debug = os.path.join(tmp, "limitsd"), os.path.join(tmp, "limitsd.debug")
    subprocess.run([os.path.join(src, "scripts/strip-binary.sh"), limitsd, out, debug],
                   check=True, capture_output=True)
    sections = subprocess.run(["readelf", "-S", "-W", out], capture_output=True,
                              text=True).stdout
    check(".debug_info" not in sections, "the stripped binary has no .debug_info")
    check(".gnu_debuglink" in sections, "the stripped binary links to its debug file")
    debug_sections = subprocess.run(["readelf", "-S", "-W", debug], capture_output=True,
                                    text=True).stdout
    check(".debug_info" in debug_sections, "the debug file holds .debug_info")
    check(os.path.getsize(out) < os.path.getsize(limitsd), "stripping made the binary smaller")
    version = subprocess.run([out, "--version"], capture_output=True, text=True)
    check(version.returncode == 0 and "limitsd" in version.stdout, "the stripped binary runs")


def check_unit(src, limitsd, tmp):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        print("SKIP systemd-analyze verify: systemd-analyze is not installed")
        return
    # The unit names the installed path; verify it against the binary just built.
    unit = os.path.join(tmp, "limitsd.service")
    text = open(os.path.join(src, "packaging/limitsd.service")).read()
    check("ExecReload=/bin/kill -HUP $MAINPID" in text, "ExecReload sends SIGHUP")
    with open(unit, "w") as f:
        f.write(text.replace("/usr/bin/limitsd", os.path.abspath(limitsd)))
    result = subprocess.run([analyze, "verify", unit], capture_output=True, text=True)
    check(result.returncode == 0 and not result.stderr.strip(),
          f"systemd-analyze verify passes: {result.stderr}")


def main():
    src, limitsd = sys.argv[1], sys.argv[2]
    check_dockerfile(src)
    check_config(src, limitsd)
    with tempfile.TemporaryDirectory() as tmp:
        check_strip(src, limitsd, tmp)
        check_unit(src, limitsd, tmp)
    print(f"packaging: {passed} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
