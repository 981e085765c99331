#!/usr/bin/env python3
"""git-gate scanner benchmark: a generated repository (code-like lines, a few
planted secrets), scanned three ways in one run:
  git log -p alone            the cost of producing the patch, a floor for both
  git-gate scan               the project's scanner (git log -p piped into RE2 rules)
  git log -p | grep -E        the same rules as one extended regex (translated
                              from RE2 syntax), the floor to beat
Throughput is MB of patch text per second. Run through bench/run-git-gate-bench."""

import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

GIT_GATE = os.environ["GIT_GATE"]
RULES = os.environ["RULES"]
COMMITS = 400
FILES_PER_COMMIT = 4
LINES_PER_FILE = 400
RUNS = 3

WORDS = ("int return value token key config name data buffer index count user "
         "path error result request response secret parse load item list map").split()


def line(rng):
    n = rng.randint(2, 10)
    words = " ".join(rng.choice(WORDS) for _ in range(n))
    return f"    {words} = {rng.randint(0, 99999)};  // {rng.choice(WORDS)}"


def make_repo(path):
    rng = random.Random(42)
    subprocess.run(["git", "init", "-q", "-b", "main", path], check=True)
    fi = subprocess.Popen(["git", "-C", path, "fast-import", "--quiet"], stdin=subprocess.PIPE)
    out = fi.stdin
    for c in range(COMMITS):
        msg = f"commit {c}\n".encode()
        out.write(b"commit refs/heads/main\n")
        out.write(f"committer bench <b@b> {1700000000 + c} +0000\n".encode())
        out.write(b"data %d\n%s" % (len(msg), msg))
        for f in range(FILES_PER_COMMIT):
            lines = [line(rng) for _ in range(LINES_PER_FILE)]
            if c % 50 == 7 and f == 0:  # a planted secret now and then
                lines[3] = "    AWS_KEY = AKIA" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))
            body = ("\n".join(lines) + "\n").encode()
            out.write(f"M 644 inline src/m{c % 37}/f{f}.c\n".encode())
            out.write(b"data %d\n%s\n" % (len(body), body))
    out.close()
    if fi.wait() != 0:
        sys.exit("fast-import failed")


def ere_of_rules():
    """The rules' expressions as one ERE for grep -E -i (case-insensitive,
    which only widens what grep matches: the floor stays a floor)."""
    regexes = re.findall(r"^\s+regex: '(.*)'$", open(RULES).read(), re.M)
    def bracket(m):
        body = m.group(1).replace("\\s", "[:space:]")
        if "\\-" in body:
            body = body.replace("\\-", "") + "-"  # a literal '-' goes last in ERE
        return "[" + body + "]"

    parts = []
    for r in regexes:
        r = r.replace("''", "'").replace("(?i)", "").replace("(?:", "(")
        r = re.sub(r"\}\?", "}", r)  # lazy quantifiers: ERE has none
        r = re.sub(r"\[((?:\[:space:\]|[^\]])*)\]", bracket, r)
        parts.append(r)
    return "|".join(f"({p})" for p in parts)


def timed(argv, shell=False):
    best = None
    for _ in range(RUNS):
        t0 = time.monotonic()
        p = subprocess.run(argv, shell=shell, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        dt = time.monotonic() - t0
        best = dt if best is None else min(best, dt)
    return best, p


def main():
    tmp = tempfile.mkdtemp(prefix="git-gate-bench-")
    try:
        repo = os.path.join(tmp, "repo")
        make_repo(repo)
        log = ["git", "-C", repo, "log", "--no-color", "-p", "-U0", "--no-renames",
               "--format=%x01%H", "main"]
        patch_bytes = len(subprocess.run(log, stdout=subprocess.PIPE, check=True).stdout)
        mb = patch_bytes / 1e6
        with open(os.path.join(tmp, "ere"), "w") as f:
            f.write(ere_of_rules() + "\n")
        t_log, _ = timed(log)
        t_gate, gate = timed([GIT_GATE, "--rules", RULES, "scan", "--repo", repo, "main"])
        if gate.returncode not in (0, 1):
            sys.exit("git-gate scan failed: " + gate.stderr.decode())
        gate_findings = len(gate.stdout.splitlines())
        pipeline = " ".join(log) + f" | grep -E -i -c -f {tmp}/ere"
        t_grep, grep = timed(pipeline, shell=True)
        if grep.returncode not in (0, 1):
            sys.exit("grep failed: " + grep.stderr.decode())
        grep_lines = int(grep.stdout.strip() or 0)
        print(f"git-gate scanner benchmark: {COMMITS} commits, {mb:.1f} MB of patch text, "
              f"best of {RUNS}, {os.cpu_count()} cores")
        print(f"{'':28} {'seconds':>8} {'MB/s':>8} {'findings / matching lines':>26}")
        print(f"{'git log -p alone':28} {t_log:8.2f} {mb / t_log:8.0f} {'-':>26}")
        print(f"{'git-gate scan':28} {t_gate:8.2f} {mb / t_gate:8.0f} {gate_findings:>26}")
        print(f"{'git log -p | grep -E':28} {t_grep:8.2f} {mb / t_grep:8.0f} {grep_lines:>26}")
        print(f"git-gate / grep: {t_grep / t_gate:.2f}x the throughput; beyond git log itself, "
              f"the scan adds {max(t_gate - t_log, 0):.2f} s and grep {max(t_grep - t_log, 0):.2f} s")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
