#!/usr/bin/env python3
"""egress benchmark: requests per second, added latency and download
throughput for the same HTTPS upstream (nginx, on loopback) called four
ways in one run: directly over HTTPS, through egress, through egress as it
was before the reflection guard (EGRESS_BASELINE), and through mitmproxy in
reverse-proxy mode with a small addon doing the same header injection.
egress and mitmproxy both verify the upstream's certificate against the
same test CA, and both dial the upstream directly (no CONNECT proxy), so the
comparison is proxy against proxy. Two downloads: a file of zero bytes
(which cannot start a match, the guard's best case) and one of random
base64 text (many bytes could start one of the token's base64 forms, a bad
case for it). Run through bench/run-egress-bench."""

import os
import re
import statistics
import shutil
import socket
import subprocess
import sys
import tempfile

from summary import record
from tls_upstream import free_port, make_certs, start_nginx, wait_accepting

EGRESS = os.environ["EGRESS"]
BASELINE = os.environ.get("EGRESS_BASELINE")
BASELINE_REV = os.environ.get("EGRESS_BASELINE_REV", "?")
DURATION = "4s"
ROUNDS = 3
CONCURRENCY = 16
BIG_MIB = 256
TOKEN = "bench-token-0123456789"

ADDON = f'''
from mitmproxy import http
def request(flow: http.HTTPFlow) -> None:
    flow.request.headers["Authorization"] = "Bearer {TOKEN}"
'''


def start_nginx_proxy(tmp, port, upstream_port):
    """nginx as the reverse proxy an operator would otherwise configure for the
    same header: one worker, a keep-alive upstream pool, the upstream's
    certificate verified against the same CA, responses not buffered."""
    os.makedirs(f"{tmp}/proxy-temp", exist_ok=True)
    with open(f"{tmp}/nginx-proxy.conf", "w") as f:
        f.write(f"""
worker_processes 1;
daemon off;
pid {tmp}/nginx-proxy.pid;
error_log {tmp}/nginx-proxy-error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/proxy-temp/body; proxy_temp_path {tmp}/proxy-temp/proxy;
  fastcgi_temp_path {tmp}/proxy-temp/fcgi; uwsgi_temp_path {tmp}/proxy-temp/uwsgi;
  scgi_temp_path {tmp}/proxy-temp/scgi;
  keepalive_requests 1000000;
  upstream bench {{ server 127.0.0.1:{upstream_port}; keepalive 32; keepalive_requests 1000000; }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass https://bench;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host localhost;
      proxy_set_header Authorization "Bearer {TOKEN}";
      proxy_ssl_server_name on;
      proxy_ssl_name localhost;
      proxy_ssl_verify on;
      proxy_ssl_trusted_certificate {tmp}/ca.pem;
      proxy_ssl_session_reuse on;
      proxy_buffering off;
    }}
  }}
}}
""")
    p = subprocess.Popen(["nginx", "-p", tmp, "-c", f"{tmp}/nginx-proxy.conf"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_accepting(port)
    return p


def wrk(url, connections):
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{DURATION}", "--latency", url],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p50.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors or "Socket errors" in out:
        sys.exit(f"wrk saw errors on {url}:\n{out}")
    return rps, float(p50.group(1)) * scale


def download_mib_s(url):
    out = subprocess.run(["curl", "-s", "--cacert", CA, "-o", "/dev/null", "-w",
                          "%{speed_download} %{size_download}", url],
                         capture_output=True, text=True, check=True).stdout.split()
    if int(out[1]) != BIG_MIB << 20:
        sys.exit(f"short download from {url}: {out[1]} bytes")
    return float(out[0]) / (1 << 20)


def main():
    global CA
    tmp = tempfile.mkdtemp(prefix="egress-bench-")
    make_certs(tmp)
    CA = f"{tmp}/ca.pem"
    up, eg, before, mp, ngx = free_port(), free_port(), free_port(), free_port(), free_port()
    procs = [start_nginx(tmp, up, BIG_MIB)]
    try:
        with open(f"{tmp}/routes.yaml", "w") as f:
            f.write(f'routes:\n  - {{host: bench.test, upstream: "https://localhost:{up}", '
                    f'token_env: BENCH}}\n')
        env = dict(os.environ, BOTTLE_TOKEN_BENCH=TOKEN)
        for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
            env.pop(name, None)
        for binary, port in ((EGRESS, eg), (BASELINE, before)):
            if binary:
                procs.append(subprocess.Popen(
                    [binary, "--routes", f"{tmp}/routes.yaml", "--listen", f"127.0.0.1:{port}",
                     "--ca-file", CA], env=env, stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL))
        with open(f"{tmp}/addon.py", "w") as f:
            f.write(ADDON)
        procs.append(subprocess.Popen(
            ["mitmdump", "-q", "--mode", f"reverse:https://localhost:{up}", "--listen-host",
             "127.0.0.1", "-p", str(mp), "-s", f"{tmp}/addon.py", "--set",
             f"ssl_verify_upstream_trusted_ca={CA}", "--set", f"confdir={tmp}/mitm",
             # Without it mitmproxy holds each body whole in memory before passing it on.
             "--set", "stream_large_bodies=1m"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_accepting(eg)
        if BASELINE:
            wait_accepting(before)
        wait_accepting(mp)
        ways = [("direct (HTTPS)", f"https://localhost:{up}/"),
                ("egress", f"http://127.0.0.1:{eg}/bench.test/")]
        if BASELINE:
            ways.append(("egress before the guard", f"http://127.0.0.1:{before}/bench.test/"))
        procs.append(start_nginx_proxy(tmp, ngx, up))
        ways.append(("nginx (proxy_pass)", f"http://127.0.0.1:{ngx}/"))
        ways.append(("mitmproxy (reverse, addon)", f"http://127.0.0.1:{mp}/"))
        # wrk does not verify certificates; curl (the download) does.
        # Requests per second: the median of ROUNDS runs, the ways taken in
        # turn in each round, so that a slow moment of this shared machine
        # falls on every way alike rather than on whichever ran then.
        rps_runs = {name: [] for name, _ in ways}
        for _ in range(ROUNDS):
            for name, base in ways:
                rps_runs[name].append(wrk(base + "small", CONCURRENCY)[0])
        rows = []
        for name, base in ways:
            _, p50 = wrk(base + "small", 1)
            rows.append((name, statistics.median(rps_runs[name]), p50,
                         download_mib_s(base + "big"), download_mib_s(base + "text")))
        direct_p50 = rows[0][2]
        print(f"egress benchmark: nginx upstream over TLS on loopback, wrk -t1 for {DURATION} "
              f"(requests/s: median of {ROUNDS} rounds, the ways in turn), "
              f"{os.cpu_count()} cores" +
              (f"; egress before the guard is {BASELINE_REV}" if BASELINE else ""))
        print(f"{'':28} {'req/s (c=' + str(CONCURRENCY) + ')':>14} {'p50 latency (c=1)':>18} "
              f"{'added to direct':>16} {f'{BIG_MIB} MiB zeros':>16} {f'{BIG_MIB} MiB text':>16}")
        for name, rps, p50, zeros, text in rows:
            added = "" if name.startswith("direct") else f"+{p50 - direct_p50:.3f} ms"
            print(f"{name:28} {rps:14.0f} {p50:15.3f} ms {added:>16} {zeros:10.0f} MiB/s "
                  f"{text:10.0f} MiB/s")
        eg_row, mp_row = rows[1], rows[-1]
        ngx_row = next(r for r in rows if r[0].startswith("nginx"))
        print(f"egress / nginx: {eg_row[1] / ngx_row[1]:.2f}x the requests per second, "
              f"{eg_row[3] / ngx_row[3]:.2f}x the download rate (zeros), "
              f"{eg_row[4] / ngx_row[4]:.2f}x (text)")
        record("egress", "requests/s (c=16)", eg_row[1], "req/s", "nginx proxy_pass", ngx_row[1])
        record("egress", "requests/s (c=16)", eg_row[1], "req/s", "mitmproxy", mp_row[1])
        record("egress", "requests/s (c=16)", eg_row[1], "req/s", "direct", rows[0][1])
        record("egress", "download, zeros", eg_row[3], "MiB/s", "direct", rows[0][3])
        print(f"egress / mitmproxy: {eg_row[1] / mp_row[1]:.1f}x the requests per second, "
              f"{mp_row[2] / eg_row[2]:.1f}x lower p50 latency, "
              f"{eg_row[3] / mp_row[3]:.1f}x the download rate")
        if BASELINE:
            old = rows[2]
            print(f"the reflection guard's cost (egress against {BASELINE_REV}): "
                  f"{100 * (eg_row[1] / old[1] - 1):+.1f}% requests per second, "
                  f"{eg_row[2] - old[2]:+.3f} ms p50, "
                  f"{100 * (eg_row[3] / old[3] - 1):+.1f}% download (zeros), "
                  f"{100 * (eg_row[4] / old[4] - 1):+.1f}% download (text)")
        if eg_row[1] < 10 * mp_row[1]:
            sys.exit("egress serves fewer than 10x mitmproxy's requests per second")
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
