#!/usr/bin/env python3
"""The upstream service of the egress tests: HTTPS on a loopback port, with

  /echo...        answers what it received (method, path, headers) as JSON
  /stream?bytes=N answers N bytes in chunked encoding, in 64 KiB chunks
  /drop           answers, then closes the kept-alive connection
  /upload         reads the whole request body (chunked or not) and answers its size
  /git/...        git's smart HTTP protocol, served by `git http-backend` (CGI)

Every request's headers are also appended, one JSON line each, to the file
named by --record, so a test can check what reached the upstream.
Prints "listening on PORT" once ready.
"""
import argparse
import http.server
import json
import os
import ssl
import subprocess
import sys
import threading
import urllib.parse


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # keep the test's output quiet
        pass

    def record(self):
        with self.server.record_lock, open(self.server.record_path, "a") as f:
            f.write(json.dumps({"method": self.command, "path": self.path,
                                "peer": "%s:%d" % self.client_address[:2],
                                "headers": dict(self.headers.items())}) + "\n")

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(body)
                body += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def send_small(self, status, body, content_type="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_any(self):
        self.record()
        url = urllib.parse.urlsplit(self.path)
        if url.path.startswith("/git/"):
            return self.git(url)
        if url.path == "/stream":
            total = int(urllib.parse.parse_qs(url.query).get("bytes", ["0"])[0])
            self.read_body()
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            piece = b"x" * 65536
            while total > 0:
                n = min(total, len(piece))
                self.wfile.write(b"%x\r\n" % n + piece[:n] + b"\r\n")
                total -= n
            self.wfile.write(b"0\r\n\r\n")
            return
        body = self.read_body()
        if url.path == "/drop":
            # Answers as if keeping the connection, then closes it: what a
            # server's idle timeout does to a kept connection.
            self.send_small(200, b"dropped")
            self.close_connection = True
            return
        if url.path == "/upload":
            return self.send_small(200, json.dumps({"received": len(body)}).encode())
        self.send_small(200, json.dumps({"method": self.command, "path": self.path,
                                         "headers": dict(self.headers.items()),
                                         "body_bytes": len(body)}).encode())

    def git(self, url):
        env = dict(os.environ)
        env.update({
            "GIT_PROJECT_ROOT": self.server.git_root,
            "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_INFO": url.path[len("/git"):],
            "QUERY_STRING": url.query,
            "REQUEST_METHOD": self.command,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "REMOTE_ADDR": "127.0.0.1",
            # Lets a push through, so that refusing it is egress's doing alone.
            "REMOTE_USER": "tester",
        })
        if self.headers.get("Git-Protocol"):
            env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]
        body = self.read_body()
        if self.headers.get("Content-Encoding"):
            env["HTTP_CONTENT_ENCODING"] = self.headers["Content-Encoding"]
        env["CONTENT_LENGTH"] = str(len(body))
        out = subprocess.run(["git", "http-backend"], input=body, env=env,
                             stdout=subprocess.PIPE, check=False).stdout
        head, _, payload = out.partition(b"\r\n\r\n")
        status = 200
        headers = []
        for line in head.split(b"\r\n"):
            name, _, value = line.decode().partition(":")
            if name.lower() == "status":
                status = int(value.strip().split()[0])
            elif name:
                headers.append((name, value.strip()))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = handle_any


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--git-root", required=True)
    p.add_argument("--record", required=True)
    args = p.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.git_root = args.git_root
    server.record_path = args.record
    server.record_lock = threading.Lock()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print("listening on %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
