#!/usr/bin/env python3
"""pipelock benchmark: CONNECT tunnel throughput and plain-HTTP requests per
second through pipelock, through tinyproxy with the equivalent allowlist, and
direct, on loopback in one run; and each proxy's start-up time (exec to
accepting), which bounds every allowlist change. Both proxies resolve the
test name through getaddrinfo and a private /etc/hosts (a mount namespace),
so neither gets a shortcut. Run through bench/run-pipelock-bench."""

import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time

from summary import record

PIPELOCK = os.environ["PIPELOCK"]
BIG_MIB = 1024
REQUESTS = 4000
CONCURRENCY = 32
RUNS = 3
STARTS = 20
HOST = "bench.test"

UPSTREAM = r'''
import asyncio, sys
BIG = int(sys.argv[2]) * 1024 * 1024
CHUNK = b"\0" * (1 << 20)
SMALL = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
async def handle(reader, writer):
    try:
        head = await reader.readuntil(b"\r\n\r\n")
        if b" /big " in head.split(b"\r\n", 1)[0]:
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % BIG)
            sent = 0
            while sent < BIG:
                writer.write(CHUNK)
                sent += len(CHUNK)
                await writer.drain()
        else:
            writer.write(SMALL)
        await writer.drain()
    except Exception:
        pass
    writer.close()
async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", int(sys.argv[1]), backlog=1024)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()
asyncio.run(main())
'''


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_accepting(port, deadline=10.0):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.0005)
    return False


def in_namespace(hosts, argv):
    """argv with /etc/hosts replaced by `hosts`, in a private mount namespace."""
    return ["unshare", "--mount", "sh", "-c", 'mount --bind "$0" /etc/hosts && exec "$@"', hosts] + argv


def curl_speed(proxy, url):
    argv = ["curl", "-s", "-o", "/dev/null", "-w", "%{speed_download}", url]
    if proxy:
        argv[1:1] = ["--proxytunnel", "-x", proxy]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    return float(out) / (1024 * 1024)


def ab_rps(proxy, url):
    argv = ["ab", "-q", "-n", str(REQUESTS), "-c", str(CONCURRENCY)]
    if proxy:
        argv += ["-X", proxy]
    out = subprocess.run(argv + [url], capture_output=True, text=True).stdout
    failed = int(re.search(r"Failed requests:\s+(\d+)", out).group(1))
    rps = float(re.search(r"Requests per second:\s+([\d.]+)", out).group(1))
    return rps, failed


def start_time_ms(argv, port):
    times = []
    for _ in range(STARTS):
        t0 = time.monotonic()
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ok = wait_accepting(port)
        times.append((time.monotonic() - t0) * 1000)
        p.terminate()
        p.wait()
        if not ok:
            sys.exit(f"{argv[0]} did not start")
    return statistics.median(times)


def main():
    tmp = tempfile.mkdtemp(prefix="pipelock-bench-")
    hosts = os.path.join(tmp, "hosts")
    with open(hosts, "w") as f:
        f.write(f"127.0.0.1 localhost\n127.0.0.1 {HOST}\n")
    up_port, pl_port, tp_port, cp_port = free_port(), free_port(), free_port(), free_port()

    pl_conf = os.path.join(tmp, "pipelock.yaml")
    with open(pl_conf, "w") as f:
        f.write(f"""version: 1
mode: strict
api_allowlist: [{HOST}]
fetch_proxy: {{listen: "127.0.0.1:{pl_port}"}}
forward_proxy: {{enabled: true, allowed_ports: [{up_port}], max_connections: 4096}}
ssrf: {{ip_allowlist: [127.0.0.1/32]}}
""")
    # The same pipelock with the buffered relay (--copy-tunnels): what splice(2) gains.
    cp_conf = os.path.join(tmp, "pipelock-copy.yaml")
    with open(pl_conf) as f, open(cp_conf, "w") as g:
        g.write(f.read().replace(f"127.0.0.1:{pl_port}", f"127.0.0.1:{cp_port}"))
    tp_filter = os.path.join(tmp, "filter")
    with open(tp_filter, "w") as f:
        f.write(f"^{re.escape(HOST)}$\n")
    tp_conf = os.path.join(tmp, "tinyproxy.conf")
    with open(tp_conf, "w") as f:
        f.write(f"""Port {tp_port}
Listen 127.0.0.1
Timeout 600
MaxClients 4096
LogLevel Critical
Filter "{tp_filter}"
FilterExtended On
FilterDefaultDeny Yes
ConnectPort {up_port}
""")

    upstream = subprocess.Popen([sys.executable, "-c", UPSTREAM, str(up_port), str(BIG_MIB)],
                                stdout=subprocess.PIPE, text=True)
    upstream.stdout.readline()
    pl_argv = in_namespace(hosts, [PIPELOCK, "--config", pl_conf])
    cp_argv = in_namespace(hosts, [PIPELOCK, "--config", cp_conf, "--copy-tunnels"])
    tp_argv = in_namespace(hosts, ["tinyproxy", "-d", "-c", tp_conf])
    rows = []
    try:
        pl_start = start_time_ms(pl_argv, pl_port)
        tp_start = start_time_ms(tp_argv, tp_port)
        procs = [subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for argv in (pl_argv, cp_argv, tp_argv)]
        for port in (pl_port, cp_port, tp_port):
            wait_accepting(port)
        # A refused host is refused by both, or the comparison means nothing.
        for port in (pl_port, cp_port, tp_port):
            r = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-x",
                                f"http://127.0.0.1:{port}", "http://denied.test/"],
                               capture_output=True, text=True).stdout
            if r != "403":
                sys.exit(f"proxy on {port} did not refuse denied.test (got {r})")
        for name, proxy, start in (("direct", None, None),
                                   ("pipelock", f"http://127.0.0.1:{pl_port}", pl_start),
                                   ("pipelock, copy", f"http://127.0.0.1:{cp_port}", None),
                                   ("tinyproxy", f"http://127.0.0.1:{tp_port}", tp_start)):
            host = "127.0.0.1" if proxy is None else HOST
            speeds = [curl_speed(proxy, f"http://{host}:{up_port}/big") for _ in range(RUNS)]
            ab_proxy = proxy[len("http://"):] if proxy else None
            rps = [ab_rps(ab_proxy, f"http://{host}:{up_port}/small") for _ in range(RUNS)]
            rows.append((name, statistics.median(speeds), statistics.median(r for r, _ in rps),
                         sum(f for _, f in rps), start))
        for p in procs:
            p.terminate()
            p.wait()
    finally:
        upstream.terminate()

    direct = rows[0]
    print(f"CONNECT tunnel: {BIG_MIB} MiB download (curl --proxytunnel), median of {RUNS}; "
          f"plain HTTP: ab -n {REQUESTS} -c {CONCURRENCY}, one request per connection, median of {RUNS}; "
          f"start-up: exec to accepting, median of {STARTS}.")
    print()
    print("| path           | tunnel MiB/s | vs direct | requests/s | vs direct | failed | start-up ms |")
    print("|----------------|--------------|-----------|------------|-----------|--------|-------------|")
    for name, speed, rps, failed, start in rows:
        print(f"| {name:<14} | {speed:12.0f} | {speed / direct[1]:8.2f}x | {rps:10.0f} | "
              f"{rps / direct[2]:8.2f}x | {failed:6d} | {'-' if start is None else f'{start:.1f}':>11} |")
    pl, cp, tp = rows[1], rows[2], rows[3]
    record("pipelock", "CONNECT tunnel, 1 GiB", pl[1], "MiB/s", "direct", direct[1])
    record("pipelock", "CONNECT tunnel, 1 GiB", pl[1], "MiB/s", "pipelock --copy-tunnels", cp[1])
    record("pipelock", "CONNECT tunnel, 1 GiB", pl[1], "MiB/s", "tinyproxy", tp[1])
    record("pipelock", "plain HTTP requests/s", pl[2], "req/s", "direct", direct[2])
    record("pipelock", "plain HTTP requests/s", pl[2], "req/s", "tinyproxy", tp[2])


if __name__ == "__main__":
    main()
