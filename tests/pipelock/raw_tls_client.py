"""Sends raw bytes through pipelock's interception: CONNECT, TLS with the
bottle's CA, then stdin exactly as given (for requests no ordinary client
sends: trailers, fragments, odd methods). Prints what came back. With
RAW_TLS_CLIENT_SAY_SENT set, writes "sent" to stderr once stdin is out (for
a test that must act while pipelock reads it)."""
import os
import socket
import ssl
import sys

proxy_host, proxy_port, host, port, ca = sys.argv[1:6]
payload = sys.stdin.buffer.read()
raw = socket.create_connection((proxy_host, int(proxy_port)), timeout=20)
raw.sendall(f"CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
head = b""
while b"\r\n\r\n" not in head:
    chunk = raw.recv(4096)
    if not chunk:
        sys.exit("CONNECT: connection closed: " + head.decode(errors="replace"))
    head += chunk
if not head.startswith(b"HTTP/1.1 200"):
    sys.exit("CONNECT refused: " + head.decode(errors="replace"))
ctx = ssl.create_default_context(cafile=ca)
tls = ctx.wrap_socket(raw, server_hostname=host)
tls.sendall(payload)
if os.environ.get("RAW_TLS_CLIENT_SAY_SENT"):
    sys.stderr.write("sent\n")
    sys.stderr.flush()
out = b""
try:
    while True:
        chunk = tls.recv(65536)
        if not chunk:
            break
        out += chunk
except (ssl.SSLError, OSError):
    pass
sys.stdout.write(out.decode(errors="replace"))
