#!/usr/bin/env python3
"""Supervisor benchmark: resident memory with four idle daemons, wake-ups per
second while idle, and the time from "restart pipelock" to the replacement
accepting connections, for sidecar-supervisor, tini, dumb-init and supervisord
in one run; then the log relay: throughput to a fast reader while one daemon
floods, and a slow daemon's line delay under that flood, beside the same two
writers sharing one pipe directly (what tini and dumb-init do: no relay).
Prints tables. Run through bench/run-supervisor-bench."""

import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

from summary import record

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD_DIR", os.path.join(ROOT, "build"))
SUPERVISOR = os.path.join(BUILD, "supervisor", "sidecar-supervisor")
TESTD = os.path.join(BUILD, "tests", "supervisor", "testd")
IDLE_WINDOW_S = 10
FLOOD_WINDOW_S = 5
RESTARTS = 20
NAMES = ["pipelock", "egress", "git-gate", "supervise"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


def rss_kib(pid):
    return int(proc_status(pid)["VmRSS"].split()[0])


def context_switches(pid):
    s = proc_status(pid)
    return int(s["voluntary_ctxt_switches"]) + int(s["nonvoluntary_ctxt_switches"])


def children(pid):
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
                if int(stat[stat.rfind(")") + 2:].split()[1]) == pid:
                    out.append(int(entry))
            except OSError:
                pass
    return out


def ask_pid(port, deadline):
    """The pid testd reports on `port`, retrying until it accepts."""
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"pid\n")
                data = s.makefile().readline().strip()
                if data:
                    return int(data)
        except OSError:
            pass
        time.sleep(0.0005)
    raise TimeoutError(f"nothing accepts on port {port}")


def wait_until(cond, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.01)
    raise TimeoutError("condition not met")


def testd_argv(name, port=None):
    argv = [TESTD, "--name", name]
    if port:
        argv += ["--listen", str(port)]
    return argv


class Candidate:
    """One init/supervisor running four idle daemons; pipelock listens on self.port."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.port = free_port()
        self.proc = None

    def measure_restart(self):
        old = ask_pid(self.port, time.monotonic() + 10)
        start = time.monotonic()
        self.restart()
        deadline = start + 10
        while True:
            pid = ask_pid(self.port, deadline)
            if pid != old:
                return (time.monotonic() - start) * 1000
            time.sleep(0.0002)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class SidecarSupervisor(Candidate):
    name = "sidecar-supervisor"

    def start(self):
        reg = os.path.join(self.workdir, "daemons.yaml")
        with open(reg, "w") as f:
            f.write("daemons:\n")
            for n in NAMES:
                port = self.port if n == "pipelock" else None
                f.write(f"  - name: {n}\n    argv: {testd_argv(n, port)}\n")
                if port:
                    f.write(f"    on_signal: {{SIGUSR1: restart}}\n    readiness: {{tcp_port: {port}}}\n")
        self.proc = subprocess.Popen([SUPERVISOR, "--registry", reg, "--control-socket",
                                      os.path.join(self.workdir, "s.sock")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.pid = self.proc.pid
        wait_until(lambda: len(children(self.pid)) == 4)

    def restart(self):
        os.kill(self.pid, signal.SIGUSR1)


class ShellLaunched(Candidate):
    """tini and dumb-init run one child: a shell that starts the four daemons."""

    init_argv = []

    def start(self):
        script = " ".join(
            f"{' '.join(testd_argv(n, self.port if n == 'pipelock' else None))} &" for n in NAMES)
        self.proc = subprocess.Popen(self.init_argv + ["/bin/sh", "-c", script + " wait"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.pid = self.proc.pid
        wait_until(lambda: len(children(self.pid)) == 1 and len(children(children(self.pid)[0])) == 4)
        self.helper_pids = children(self.pid)

    restart = None  # neither restarts one child in place: the container restarts


class Tini(ShellLaunched):
    name = "tini"
    init_argv = ["tini", "-s", "--"]


class DumbInit(ShellLaunched):
    name = "dumb-init"
    init_argv = ["dumb-init"]


class Supervisord(Candidate):
    name = "supervisord"

    def start(self):
        self.conf = os.path.join(self.workdir, "supervisord.conf")
        sock = os.path.join(self.workdir, "supervisor.sock")
        with open(self.conf, "w") as f:
            f.write(f"[supervisord]\nnodaemon=true\nlogfile={self.workdir}/supervisord.log\n"
                    f"pidfile={self.workdir}/supervisord.pid\n"
                    f"[unix_http_server]\nfile={sock}\n"
                    "[rpcinterface:supervisor]\n"
                    "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n"
                    f"[supervisorctl]\nserverurl=unix://{sock}\n")
            for n in NAMES:
                port = self.port if n == "pipelock" else None
                f.write(f"[program:{n}]\ncommand={' '.join(testd_argv(n, port))}\n"
                        "startsecs=0\nstdout_logfile=/dev/null\nstderr_logfile=/dev/null\n")
        self.proc = subprocess.Popen(["supervisord", "-c", self.conf],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.pid = self.proc.pid
        wait_until(lambda: len(children(self.pid)) == 4)

    def restart(self):
        subprocess.run(["supervisorctl", "-c", self.conf, "restart", "pipelock"],
                       check=True, stdout=subprocess.DEVNULL)


def measure(cls):
    with tempfile.TemporaryDirectory() as work:
        c = cls(work)
        try:
            c.start()
            time.sleep(2)  # let start-up work settle before measuring idle behaviour
            helper_rss = sum(rss_kib(p) for p in getattr(c, "helper_pids", []))
            rss = rss_kib(c.pid)
            before = context_switches(c.pid)
            time.sleep(IDLE_WINDOW_S)
            wakeups = (context_switches(c.pid) - before) / IDLE_WINDOW_S
            restart = None
            if c.restart:
                samples = [c.measure_restart() for _ in range(RESTARTS)]
                restart = (statistics.median(samples), max(samples))
            return cls.name, rss, helper_rss, wakeups, restart
        finally:
            c.stop()


# A daemon printing the wall clock every 20 ms: how late its lines arrive is
# what a flooding sibling costs it.
SLOW_SCRIPT = "while :; do date +%s%N; sleep 0.02; done"
FLOOD_BYTES = 1 << 40  # testd --flood-bytes: effectively endless 100-byte lines


def read_flood(proc, slow_prefix):
    """Reads proc.stdout for FLOOD_WINDOW_S: bytes per second, and the delays
    (ms) of the slow daemon's lines."""
    fd = proc.stdout.fileno()
    os.set_blocking(fd, False)
    total = 0
    delays = []
    partial = b""
    start = time.monotonic()
    end = start + FLOOD_WINDOW_S
    import select
    while time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 1 << 20)
        except BlockingIOError:
            continue
        if not chunk:
            break
        total += len(chunk)
        now_ns = time.time_ns()
        partial += chunk
        lines = partial.split(b"\n")
        partial = lines.pop()
        for line in lines:
            if line.startswith(slow_prefix):
                try:
                    delays.append((now_ns - int(line[len(slow_prefix):])) / 1e6)
                except ValueError:
                    pass
        if len(partial) > 1 << 16:
            partial = partial[-256:]
    return total / (time.monotonic() - start), delays


def measure_relay():
    rows = []
    with tempfile.TemporaryDirectory() as work:
        reg = os.path.join(work, "daemons.yaml")
        with open(reg, "w") as f:
            f.write("daemons:\n")
            f.write(f"  - name: flooder\n    argv: [{TESTD}, --name, flooder, --flood-bytes, '{FLOOD_BYTES}']\n")
            f.write(f"  - name: slow\n    argv: [/bin/sh, -c, '{SLOW_SCRIPT}']\n")
        proc = subprocess.Popen([SUPERVISOR, "--registry", reg, "--control-socket",
                                 os.path.join(work, "s.sock")],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            rate, delays = read_flood(proc, b"slow: ")
            rows.append(("sidecar-supervisor (relay)", rate, delays))
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.stdout.close()
            proc.wait(timeout=15)
    direct = subprocess.Popen(
        ["/bin/sh", "-c", f"{TESTD} --name flooder --flood-bytes {FLOOD_BYTES} & {SLOW_SCRIPT}"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        rate, delays = read_flood(direct, b"")
        rows.append(("direct pipe (tini, dumb-init)", rate, [d for d in delays if d < 1e6]))
    finally:
        os.killpg(direct.pid, signal.SIGKILL)
        direct.stdout.close()
        direct.wait()
    return rows


def main():
    for path in (SUPERVISOR, TESTD):
        if not os.path.exists(path):
            sys.exit(f"missing {path}: build first (bench/run-supervisor-bench does)")
    rows = [measure(cls) for cls in (SidecarSupervisor, Tini, DumbInit, Supervisord)]
    ours_rss = rows[0][1]
    print(f"\nfour idle daemons; idle window {IDLE_WINDOW_S} s; {RESTARTS} restarts each\n")
    print(f"| {'init':<18} | {'RSS KiB':>8} | {'vs ours':>7} | {'+ helper KiB':>12} | "
          f"{'idle wake-ups/s':>15} | {'restart -> accepting, median (max) ms':>37} |")
    print(f"|{'-' * 20}|{'-' * 10}|{'-' * 9}|{'-' * 14}|{'-' * 17}|{'-' * 39}|")
    for name, rss, helper, wakeups, restart in rows:
        r = f"{restart[0]:.1f} ({restart[1]:.1f})" if restart else "n/a: no per-daemon restart"
        h = f"{helper} (sh)" if helper else "-"
        print(f"| {name:<18} | {rss:>8} | {rss / ours_rss:>6.2f}x | {h:>12} | {wakeups:>15.1f} | {r:>37} |")

    for name, rss, _, _, restart in rows[1:]:
        record("supervisor", "RSS, four idle daemons", ours_rss, "KiB", name, rss,
               higher_is_better=False)
    relay = measure_relay()
    print(f"\none daemon flooding 100-byte lines, one writing a line every 20 ms; "
          f"a reader as fast as Python reads; {FLOOD_WINDOW_S} s\n")
    print(f"| {'who writes the log':<30} | {'MB/s to the reader':>18} | "
          f"{'slow lines':>10} | {'slow line delay, median (max) ms':>33} |")
    print(f"|{'-' * 32}|{'-' * 20}|{'-' * 12}|{'-' * 35}|")
    for name, rate, delays in relay:
        d = (f"{statistics.median(delays):.1f} ({max(delays):.1f})" if delays else "none arrived")
        print(f"| {name:<30} | {rate / 1e6:>18.1f} | {len(delays):>10} | {d:>33} |")


if __name__ == "__main__":
    main()
