#!/usr/bin/env python3
"""git-gate scanner benchmark: a generated repository (code-like lines, a few
planted secrets), scanned in one run, with the full shipped rule set:
  git log -p alone              the cost of producing the patch text
  git log -p | git-gate scan    the engine over the patch text (standard input)
  git log -p | grep -E          the same rules as one extended regex (translated
                                from RE2 syntax), the floor to beat
  git-gate scan --repo main     what a push of the whole history is scanned for:
                                every blob once, every commit's text, every name
Throughput is MB of patch text per second (for the last line: the same job,
the history's patch text divided by its time). Run through bench/run-git-gate-bench."""

import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

from summary import record

GIT_GATE = os.environ["GIT_GATE"]
RULES = os.environ["RULES"]
COMMITS = 400
FILES_PER_COMMIT = 4
LINES_PER_FILE = 400
RUNS = 3
GREP_LIMIT = 300

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


def rules_of_file():
    """The shipped rules' expressions (gitleaks TOML: regex = '''...''')."""
    return re.findall(r"^regex = '''(.*)'''$", open(RULES).read(), re.M)


def to_ere(r):
    """One RE2 expression as a POSIX ERE for grep -E -i: (?i) goes (grep -i),
    \\b goes, lazy quantifiers become greedy, \\w \\s \\d and \\xNN become classes,
    and inside brackets a literal ']' moves first and '-' last. Each of these
    only widens what grep matches, so the floor stays a floor."""
    r = r.replace("(?i)", "")
    out, i = [], 0
    named = {"w": "A-Za-z0-9_", "s": "[:space:]", "d": "0-9"}
    while i < len(r):
        c = r[i]
        if c == "[":
            j, body, bracket, dash = i + 1, [], False, False
            negate = r[j] == "^"
            j += negate
            while r[j] != "]":
                if r[j] == "\\":
                    n = r[j + 1]
                    if n == "x":
                        body.append(chr(int(r[j + 2:j + 4], 16)))
                        j += 4
                        continue
                    j += 2
                    if n == "]":
                        bracket = True
                    elif n == "-":
                        dash = True
                    else:
                        body.append(named.get(n, n))
                    continue
                if r[j] == "-" and (r[j + 1] == "]" or j == i + 1 + negate):
                    dash = True
                else:
                    body.append(r[j])
                j += 1
            out.append("[" + ("^" if negate else "") + ("]" if bracket else "") + "".join(body) +
                       ("-" if dash else "") + "]")
            i = j + 1
            continue
        if c == "\\":
            n = r[i + 1]
            i += 2
            if n == "b":
                continue
            if n in named:
                out.append("[" + named[n] + "]")
            elif n == "x":
                out.append(re.escape(chr(int(r[i:i + 2], 16))))
                i += 2
            elif n in ".$*+?()[]{}|^\\":
                out.append("\\" + n)
            else:
                out.append(n)
            continue
        if r.startswith("(?:", i):
            out.append("(")
            i += 3
            continue
        if c == "?" and out and out[-1] in ("*", "+", "?", "}"):
            i += 1  # lazy: ERE has only greedy
            continue
        out.append(c)
        i += 1
    return "".join(out)


def ere_of_rules():
    """The rules that translate to valid EREs, as one alternation."""
    parts = []
    for r in rules_of_file():
        ere = to_ere(r)
        check = subprocess.run(["grep", "-E", "-i", "-e", ere], input=b"", capture_output=True)
        if check.returncode == 1:  # 2 would be a syntax error: leave that one out
            parts.append(ere)
    return "|".join(f"({p})" for p in parts), len(parts)


def timed(argv, shell=False, runs=RUNS):
    best = None
    for _ in range(runs):
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
        ere, ere_rules = ere_of_rules()
        with open(os.path.join(tmp, "ere"), "w") as f:
            f.write(ere + "\n")
        t_log, _ = timed(log)
        patch_file = os.path.join(tmp, "patch")
        with open(patch_file, "wb") as f:
            f.write(subprocess.run(log, stdout=subprocess.PIPE, check=True).stdout)
        # The engine alone: the patch from a file (git log runs at about the
        # scanner's speed, so the pipeline's time is mostly git's), and the
        # start-up (220 rules compiled) from an empty input, apart.
        t_file, _ = timed(f"{GIT_GATE} --rules {RULES} scan --stdin < {patch_file}", shell=True)
        t_start, _ = timed(f"{GIT_GATE} --rules {RULES} scan --stdin < /dev/null", shell=True)
        # The same on one core: the windows of a large text are scanned on
        # every core, so this is the figure a busier machine gives.
        t_one_core, _ = timed(
            f"taskset -c 0 {GIT_GATE} --rules {RULES} scan --stdin < {patch_file}", shell=True)
        stdin_scan = " ".join(log) + f" | {GIT_GATE} --rules {RULES} scan --stdin"
        t_gate, gate = timed(stdin_scan, shell=True)
        if gate.returncode not in (0, 1):
            sys.exit("git-gate scan --stdin failed: " + gate.stderr.decode())
        gate_findings = len(gate.stdout.splitlines())
        t_objects, objects = timed([GIT_GATE, "--rules", RULES, "scan", "--repo", repo, "main"])
        if objects.returncode not in (0, 1):
            sys.exit("git-gate scan failed: " + objects.stderr.decode())
        object_findings = len(objects.stdout.splitlines())
        scanned = re.search(r"(\d+) objects, (\d+) bytes", objects.stderr.decode())
        # grep's automaton for this many expressions at once can take minutes
        # to build and run: it gets GREP_LIMIT seconds, then counts as slower.
        pipeline = " ".join(log) + f" | timeout {GREP_LIMIT} grep -E -i -c -f {tmp}/ere"
        # Once: with every rule in one alternation, grep takes minutes here.
        t_grep, grep = timed(pipeline, shell=True, runs=1)
        grep_timed_out = grep.returncode == 124
        if grep.returncode not in (0, 1) and not grep_timed_out:
            sys.exit("grep failed: " + grep.stderr.decode())
        grep_lines = "-" if grep_timed_out else int(grep.stdout.strip() or 0)
        print(f"git-gate scanner benchmark: {COMMITS} commits, {mb:.1f} MB of patch text, "
              f"{len(rules_of_file())} rules, best of {RUNS} (grep: one run), {os.cpu_count()} cores")
        print(f"{'':30} {'seconds':>8} {'MB/s':>8} {'findings / matching lines':>26}")
        print(f"{'git log -p alone':30} {t_log:8.2f} {mb / t_log:8.0f} {'-':>26}")
        print(f"{'git-gate scan < the patch':30} {t_file:8.2f} {mb / t_file:8.0f} {gate_findings:>26}")
        print(f"{'  of which start-up':30} {t_start:8.2f} {'':>8} {'':>26}")
        print(f"{'  the scan alone':30} {t_file - t_start:8.2f} {mb / (t_file - t_start):8.0f} {'':>26}")
        print(f"{'  on one core (taskset)':30} {t_one_core:8.2f} {mb / t_one_core:8.0f} {'':>26}")
        print(f"{'git log -p | git-gate scan':30} {t_gate:8.2f} {mb / t_gate:8.0f} {gate_findings:>26}")
        if grep_timed_out:
            print(f"{'git log -p | grep -E':30} {'>' + str(GREP_LIMIT):>8} {'<' + str(round(mb / GREP_LIMIT)):>8} {grep_lines:>26}")
        else:
            print(f"{'git log -p | grep -E':30} {t_grep:8.2f} {mb / t_grep:8.0f} {grep_lines:>26}")
        print(f"{'git-gate scan --repo main':30} {t_objects:8.2f} {mb / t_objects:8.0f} {object_findings:>26}")
        print(f"(grep runs the {ere_rules} rules whose expressions have an ERE form)")
        print(f"git-gate / grep over the patch: {'more than ' if grep_timed_out else ''}"
              f"{t_grep / t_gate:.2f}x the throughput; "
              f"beyond git log itself, the scan adds {max(t_gate - t_log, 0):.2f} s and grep "
              f"{max(t_grep - t_log, 0):.2f} s")
        record("git-gate", "git log -p piped to the scan", mb / t_gate, "MB/s",
               "piped to grep -E" + (" (timed out: at most)" if grep_timed_out else ""),
               mb / (GREP_LIMIT if grep_timed_out else t_grep))
        record("git-gate", "git log -p piped to the scan", mb / t_gate, "MB/s", "git log -p alone",
               mb / t_log)
        if scanned:
            print(f"scan --repo: {scanned.group(1)} objects, {int(scanned.group(2)) / 1e6:.1f} MB "
                  f"of their text scanned (each blob once) in {t_objects:.2f} s")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
