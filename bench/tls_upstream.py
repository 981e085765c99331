"""What the TLS benchmarks share: a test CA and leaf made with openssl, and
nginx as the HTTPS upstream on loopback."""

import base64
import os
import socket
import subprocess
import sys
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_accepting(port, deadline=30.0):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.01)
    sys.exit(f"nothing accepting on {port}")


def must(argv, **kw):
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)


def make_certs(tmp):
    """A test CA (ca.pem) and a leaf for localhost, bench.test and 127.0.0.1."""
    for key in ("ca.key", "leaf.key"):
        must(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
              "-out", f"{tmp}/{key}"])
    must(["openssl", "req", "-x509", "-new", "-key", f"{tmp}/ca.key", "-out", f"{tmp}/ca.pem",
          "-days", "2", "-subj", "/CN=bench CA"])
    must(["openssl", "req", "-new", "-key", f"{tmp}/leaf.key", "-out", f"{tmp}/leaf.csr",
          "-subj", "/CN=localhost"])
    with open(f"{tmp}/ext.cnf", "w") as f:
        f.write("subjectAltName=DNS:localhost,DNS:bench.test,IP:127.0.0.1\n")
    must(["openssl", "x509", "-req", "-in", f"{tmp}/leaf.csr", "-CA", f"{tmp}/ca.pem",
          "-CAkey", f"{tmp}/ca.key", "-CAcreateserial", "-out", f"{tmp}/leaf.pem", "-days", "2",
          "-extfile", f"{tmp}/ext.cnf"])


def start_nginx(tmp, port, big_mib):
    """nginx (one worker) serving small, big (zeros) and text (base64) over TLS
    with make_certs' leaf, keep-alive without a request limit."""
    # nginx's worker runs as an unprivileged user: it must be able to read the files.
    os.chmod(tmp, 0o755)
    os.makedirs(f"{tmp}/www")
    with open(f"{tmp}/www/small", "w") as f:
        f.write("ok\n")
    with open(f"{tmp}/www/big", "wb") as f:
        f.truncate(big_mib << 20)
    with open(f"{tmp}/www/text", "wb") as f:
        block = base64.b64encode(os.urandom(3 << 20))
        for _ in range(big_mib // 4):
            f.write(block)
    with open(f"{tmp}/nginx.conf", "w") as f:
        f.write(f"""
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fcgi; uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
  keepalive_requests 1000000;
  server {{
    listen 127.0.0.1:{port} ssl;
    ssl_certificate {tmp}/leaf.pem;
    ssl_certificate_key {tmp}/leaf.key;
    location / {{ root {tmp}/www; }}
  }}
}}
""")
    p = subprocess.Popen(["nginx", "-p", tmp, "-c", f"{tmp}/nginx.conf"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_accepting(port)
    return p
