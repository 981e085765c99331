#!/usr/bin/env python3
"""Many bottles on one host: starts N bottles at once (default 40) with the
real `bottle` host tool, each with the real sidecars and an agent that only
sleeps, then prints the wall time, the time per bottle, the memory per bottle
(containers' own use, from docker stats, and the host's used memory before and
after) and the subnets the pool gave them. Stops them all. Run through
bench/run-bottles-bench."""

import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BOTTLE = os.path.join(os.environ.get("BUILD_DIR", os.path.join(ROOT, "build")), "host_tools", "bottle")


def used_mib():
    info = {}
    with open("/proc/meminfo") as f:
        for line in f:
            k, v = line.split(":")
            info[k] = int(v.split()[0])
    return (info["MemTotal"] - info["MemAvailable"]) / 1024


def container_mib(names):
    out = subprocess.run(["docker", "stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}}"],
                         capture_output=True, text=True, check=True).stdout
    units = {"B": 1 / 2**20, "KiB": 1 / 1024, "MiB": 1, "GiB": 1024, "kB": 1 / 1024, "MB": 1}
    total = 0.0
    for line in out.splitlines():
        name, usage = line.split(" ", 1)
        if name not in names:
            continue
        value = usage.split("/")[0].strip()
        for unit in sorted(units, key=len, reverse=True):
            if value.endswith(unit):
                total += float(value[: -len(unit)]) * units[unit]
                break
    return total


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    with tempfile.TemporaryDirectory() as work:
        os.makedirs(os.path.join(work, "w"))
        names = [f"bench-{i:02d}" for i in range(n)]
        with open(os.path.join(work, "bottles.yaml"), "w") as f:
            f.write("bottles:\n")
            for name in names:
                f.write(f"  {name}:\n    agent: {{image: claude-bottle-agent:latest, workdir: w, "
                        "command: [sleep, infinity]}\n    allowlist: [example.com]\n"
                        "    supervise: false\n")
        state = os.path.join(work, "state")
        env = dict(os.environ, BOTTLE_SOURCE_DIR=ROOT)
        before = used_mib()
        start = time.monotonic()
        procs = [subprocess.Popen([BOTTLE, "--state-dir", state, "start",
                                   os.path.join(work, "bottles.yaml"), name, "--detach"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
                 for name in names]
        failed = []
        for name, p in zip(names, procs):
            _, err = p.communicate()
            if p.returncode != 0:
                failed.append((name, err.decode(errors="replace").strip().splitlines()[-1:]))
        elapsed = time.monotonic() - start
        time.sleep(5)  # let the bundles settle before reading memory
        after = used_mib()
        containers = set()
        for name in names:
            containers |= {f"claude-bottle-{name}", f"claude-bottle-sidecars-{name}"}
        own = container_mib(containers)
        subnets = json.load(open(os.path.join(state, "subnets.json")))["subnets"]
        ok = n - len(failed)
        print(f"\n{n} bottles started at once on {os.cpu_count()} cores; {ok} running\n")
        print("| figure | value |")
        print("|---|---|")
        print(f"| wall time, all {n} | {elapsed:.1f} s |")
        print(f"| time per bottle | {elapsed / n:.2f} s |")
        print(f"| memory per bottle (containers, docker stats) | {own / max(ok, 1):.1f} MiB |")
        print(f"| memory per bottle (host used, before/after) | {(after - before) / max(ok, 1):.1f} MiB |")
        print(f"| subnets taken from the pool | {len(subnets)} |")
        for name, why in failed:
            print(f"failed: {name}: {why}")
        for name in names:
            subprocess.run([BOTTLE, "--state-dir", state, "stop", name],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
