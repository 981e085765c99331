#!/usr/bin/env python3
"""TLS interception benchmark: the same HTTPS upstream (nginx, on loopback)
reached four ways in one run: directly; through pipelock's plain CONNECT
tunnel (interception off); through pipelock intercepting, with DLP on (the
shipped rules, body scanning on); and through mitmproxy in regular proxy mode,
which intercepts the same way (its own CA, the upstream verified against the
test CA). Two figures each: small requests per second over keep-alive
connections (curl --parallel, 16 at once, each connection reused), and the
download rate of one large file (curl). Both proxies resolve the test name
themselves (pipelock from dns.host_overrides, mitmproxy through a private
/etc/hosts). Run through bench/run-interception-bench."""

import os
import shutil
import subprocess
import sys
import tempfile
import time

from summary import record

from tls_upstream import free_port, make_certs, must, start_nginx, wait_accepting

PIPELOCK = os.environ["PIPELOCK"]
RULES = os.environ["SECRET_RULES"]
HOST = "bench.test"
BIG_MIB = 512
PARALLEL = 16
REQUESTS = {"fast": 20000, "slow": 3000}  # mitmproxy gets fewer: the same rate, sooner
# The best of RUNS for every way alike: on a shared 2-core machine a run
# that another process interrupted says nothing about the path measured.
RUNS = 5


def in_namespace(hosts, argv):
    """argv with /etc/hosts replaced by `hosts`, in a private mount namespace."""
    return ["unshare", "--mount", "sh", "-c", 'mount --bind "$0" /etc/hosts && exec "$@"',
            hosts] + argv


def curl_base(proxy, ca, up):
    argv = ["curl", "-s", "--cacert", ca]
    if proxy:
        argv += ["-x", proxy]
    else:
        argv += ["--resolve", f"{HOST}:{up}:127.0.0.1"]
    return argv


def requests_per_second(proxy, ca, up, n, tmp):
    url = f"https://{HOST}:{up}/small"
    cfg = os.path.join(tmp, f"urls-{n}.cfg")
    with open(cfg, "w") as f:
        for _ in range(n):
            f.write(f'url = "{url}"\noutput = "/dev/null"\n')
    argv = curl_base(proxy, ca, up) + ["-Z", "--parallel-max", str(PARALLEL), "-K", cfg,
                                       "-w", "%{http_code}\n"]
    t0 = time.monotonic()
    out = subprocess.run(argv, capture_output=True, text=True).stdout
    elapsed = time.monotonic() - t0
    ok = out.split().count("200")
    if ok != n:
        sys.exit(f"{proxy or 'direct'}: {n - ok} of {n} small requests failed")
    return n / elapsed


def download_mib_s(proxy, ca, up):
    argv = curl_base(proxy, ca, up) + ["-o", "/dev/null", "-w",
                                       "%{speed_download} %{size_download}",
                                       f"https://{HOST}:{up}/big"]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout.split()
    if int(out[1]) != BIG_MIB << 20:
        sys.exit(f"{proxy or 'direct'}: short download: {out[1]} bytes")
    return float(out[0]) / (1 << 20)


def pipelock_yaml(tmp, listen, up, intercept):
    lines = [
        "mode: strict",
        f"api_allowlist: [{HOST}]",
        f'fetch_proxy: {{listen: "{listen}"}}',
        f"forward_proxy: {{enabled: true, allowed_ports: [{up}], max_connections: 4096}}",
        f"dns: {{host_overrides: {{{HOST}: [127.0.0.1]}}}}",
        "ssrf: {ip_allowlist: [127.0.0.1/32]}",
    ]
    if intercept:
        lines += [
            "tls_interception:",
            "  enabled: true",
            f"  ca_cert: {tmp}/pl-ca.pem",
            f"  ca_key: {tmp}/pl-ca.key",
            "request_body_scanning: {enabled: true}",
        ]
    path = f"{tmp}/pipelock-{'intercept' if intercept else 'tunnel'}.yaml"
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def main():
    tmp = tempfile.mkdtemp(prefix="interception-bench-")
    make_certs(tmp)
    ca = f"{tmp}/ca.pem"
    # The bottle's pipelock CA, as the host tool mints it (ECDSA P-256).
    must(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
          "-out", f"{tmp}/pl-ca.key"])
    os.chmod(f"{tmp}/pl-ca.key", 0o600)
    must(["openssl", "req", "-x509", "-new", "-key", f"{tmp}/pl-ca.key", "-out",
          f"{tmp}/pl-ca.pem", "-days", "2", "-subj", "/CN=bench pipelock CA"])
    hosts = f"{tmp}/hosts"
    with open(hosts, "w") as f:
        f.write(f"127.0.0.1 localhost\n127.0.0.1 {HOST}\n")
    up, tunnel_port, intercept_port, mitm_port = free_port(), free_port(), free_port(), free_port()
    procs = [start_nginx(tmp, up, BIG_MIB)]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    try:
        procs.append(subprocess.Popen(
            [PIPELOCK, "--config", pipelock_yaml(tmp, f"127.0.0.1:{tunnel_port}", up, False)],
            **quiet))
        # The agent is never pipelock's own host (a local client is egress,
        # never intercepted): it listens on 127.0.0.2, the client comes from
        # 127.0.0.1.
        procs.append(subprocess.Popen(
            [PIPELOCK, "--config", pipelock_yaml(tmp, f"127.0.0.2:{intercept_port}", up, True),
             "--secret-rules", RULES, "--upstream-ca", ca], **quiet))
        procs.append(subprocess.Popen(in_namespace(hosts, [
            "mitmdump", "-q", "--listen-host", "127.0.0.1", "-p", str(mitm_port),
            "--set", f"ssl_verify_upstream_trusted_ca={ca}", "--set", f"confdir={tmp}/mitm",
            # Without it mitmproxy holds each body whole in memory before passing it on.
            "--set", "stream_large_bodies=1m"]), **quiet))
        wait_accepting(tunnel_port)
        wait_accepting(mitm_port)
        for _ in range(300):
            if subprocess.run(["curl", "-s", "-o", "/dev/null", f"http://127.0.0.2:{intercept_port}/"]
                              ).returncode != 7:
                break
            time.sleep(0.05)
        mitm_ca = f"{tmp}/mitm/mitmproxy-ca-cert.pem"
        for _ in range(300):
            if os.path.exists(mitm_ca):
                break
            time.sleep(0.05)
        ways = [
            ("direct (HTTPS)", None, ca, "fast"),
            ("pipelock, plain tunnel", f"http://127.0.0.1:{tunnel_port}", ca, "fast"),
            ("pipelock, intercepting + DLP", f"http://127.0.0.2:{intercept_port}",
             f"{tmp}/pl-ca.pem", "fast"),
            ("mitmproxy, intercepting", f"http://127.0.0.1:{mitm_port}", mitm_ca, "slow"),
        ]
        # Each way must really intercept or not, and refuse nothing it should pass.
        leak = subprocess.run(curl_base(ways[2][1], ways[2][2], up) + [
            "-o", "/dev/null", "-w", "%{http_code}",
            f"https://{HOST}:{up}/small?t=ghp_Q8z2Lm4T9xKv7W3rN5pA1bC6dE0fG2hJ4kL8"],
            capture_output=True, text=True).stdout
        if leak != "403":
            sys.exit(f"pipelock did not refuse a token in the query (got {leak})")
        rows = []
        for name, proxy, trust, speed in ways:
            n = REQUESTS[speed]
            rps = max(requests_per_second(proxy, trust, up, n, tmp) for _ in range(RUNS))
            mib = max(download_mib_s(proxy, trust, up) for _ in range(RUNS))
            rows.append((name, rps, mib))
        direct, tunnel, intercept, mitm = rows
        print(f"TLS interception benchmark: nginx upstream over TLS on loopback, "
              f"{os.cpu_count()} cores; small requests: curl --parallel-max {PARALLEL} over "
              f"keep-alive connections ({REQUESTS['fast']} requests, mitmproxy "
              f"{REQUESTS['slow']}); download: {BIG_MIB} MiB with curl; best of {RUNS}.")
        print()
        print("| path                          | requests/s | vs direct | download MiB/s | vs direct |")
        print("|-------------------------------|------------|-----------|----------------|-----------|")
        for name, rps, mib in rows:
            print(f"| {name:<29} | {rps:10.0f} | {rps / direct[1]:8.2f}x | {mib:14.0f} | "
                  f"{mib / direct[2]:8.2f}x |")
        print()
        record("interception", "intercepted requests/s (DLP on)", intercept[1], "req/s",
               "mitmproxy intercepting", mitm[1])
        record("interception", "intercepted download (DLP on)", intercept[2], "MiB/s", "direct",
               direct[2])
        print(f"pipelock intercepting / mitmproxy: {intercept[1] / mitm[1]:.1f}x the requests per "
              f"second, {intercept[2] / mitm[2]:.1f}x the download rate; download with DLP on: "
              f"{100 * intercept[2] / direct[2]:.0f}% of direct")
        print("(curl, the client, is the ceiling of the direct requests/s: it does the same TLS "
              "work on its side for every way.)")
        failed = []
        if intercept[1] < 10 * mitm[1]:
            failed.append("intercepted requests/s below 10x mitmproxy's")
        if intercept[2] < 0.4 * direct[2]:
            failed.append("intercepted download below 40% of direct")
        if failed:
            sys.exit("goal missed: " + "; ".join(failed))
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
