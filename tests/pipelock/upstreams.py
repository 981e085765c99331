#!/usr/bin/env python3
"""Upstreams for pipelock's process tests, standard library only.

  recording PORT_FILE LOG     a raw TCP server: answers the first request head on
                              each connection with 200 "recorded", then keeps
                              reading until the peer closes, and appends
                              everything the connection carried to LOG (one
                              JSON line per connection): what a forwarded
                              pipelined request would look like upstream.
  tls PORT_FILE CERT KEY DIR  HTTPS file server (HTTP/1.1 keep-alive) for DIR.

Each writes its port to PORT_FILE once listening.
"""
import http.server
import json
import os
import socket
import socketserver
import ssl
import sys
import threading


def write_port(path, port):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(port))
    os.rename(tmp, path)


def recording(port_file, log):
    lock = threading.Lock()

    class Handler(socketserver.BaseRequestHandler):
        def handle(self):
            s = self.request
            s.settimeout(5)
            data = b""
            answered = False
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                    if not answered and b"\r\n\r\n" in data:
                        s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n"
                                  b"Connection: close\r\n\r\nrecorded\n")
                        answered = True
                        s.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            with lock, open(log, "a") as f:
                f.write(json.dumps({"bytes": data.decode("latin-1")}) + "\n")

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    srv = Server(("127.0.0.1", 0), Handler)
    write_port(port_file, srv.server_address[1])
    srv.serve_forever()


def tls(port_file, cert, key, directory):
    class Handler(http.server.SimpleHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def __init__(self, *a, **kw):
            super().__init__(*a, directory=directory, **kw)

        def log_message(self, *a):
            pass

        def do_POST(self):
            # What arrived, kept for the test to read: the body as the
            # upstream saw it, and the head's fields.
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            with open(os.path.join(directory, "last-post"), "wb") as f:
                f.write(body)
            with open(os.path.join(directory, "last-post-headers"), "w") as f:
                f.write(str(self.headers))
            reply = b"posted %d bytes\n" % len(body)
            self.send_response(200)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    write_port(port_file, srv.server_address[1])
    srv.serve_forever()


if __name__ == "__main__":
    kind = sys.argv[1]
    if kind == "recording":
        recording(sys.argv[2], sys.argv[3])
    elif kind == "tls":
        tls(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5])
    else:
        sys.exit("usage: upstreams.py recording|tls ...")
