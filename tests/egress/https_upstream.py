#!/usr/bin/env python3
"""The upstream service of the egress tests: HTTPS on a loopback port, with

  /echo...        answers what it received (method, path, headers) as JSON
  /stream?bytes=N answers N bytes in chunked encoding, in 64 KiB chunks; records
                  {"closed": "/stream"} if the reader goes away first
  /drop           answers, then closes the kept-alive connection
  /upload         reads the whole request body (chunked or not) and answers its size
  /slow           never answers; records {"closed": path} once egress closes the connection
  /reflect        echoes the token of the Authorization header back, as a careless
                  debug endpoint would (see reflect() for the parameters)
  TRACE           answers with the request as it arrived, headers included (RFC 9110)
  /git/...        git's smart HTTP protocol, served by `git http-backend` (CGI)

Every request's headers are also appended, one JSON line each, to the file
named by --record, so a test can check what reached the upstream.
Prints "listening on PORT" once ready.
"""
import argparse
import base64
import binascii
import gzip
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

    def record(self, extra=None):
        line = extra or {"method": self.command, "path": self.path,
                         "peer": "%s:%d" % self.client_address[:2],
                         "headers": dict(self.headers.items())}
        with self.server.record_lock, open(self.server.record_path, "a") as f:
            f.write(json.dumps(line) + "\n")

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
            try:
                while total > 0:
                    n = min(total, len(piece))
                    self.wfile.write(b"%x\r\n" % n + piece[:n] + b"\r\n")
                    total -= n
                self.wfile.write(b"0\r\n\r\n")
            except OSError:
                # The reader went away mid-stream: note it, for the tests of
                # abandoned downloads.
                self.record({"closed": url.path})
                self.close_connection = True
            return
        if url.path == "/slow":
            return self.slow(url)
        if url.path == "/reflect":
            return self.reflect(urllib.parse.parse_qs(url.query))
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

    def slow(self, url):
        """Accepts the request and never answers; notes when the peer goes."""
        self.read_body()
        self.connection.settimeout(None)
        try:
            while self.connection.recv(4096):
                pass
        except OSError:
            pass
        self.record({"closed": url.path})
        self.close_connection = True

    def reflect(self, q):
        """Sends the route's token back in a header and the body.

        form:     raw (default), base64, base64url, hex, HEX, percent (every byte
                  as %XX), percent-lower
        prefix:   this many bytes of filler before the token, encoded with it
                  (moves the token's base64 to another alignment)
        mutate:   change one character of the token first (a near miss)
        drop_last: leave out the token's last character (a near miss)
        truncate: cut this many characters off the encoded form's end (a near miss)
        chunk:    send the body chunked, this many bytes per chunk, one write each
        gzip:     gzip the body (Content-Encoding: gzip) whatever was asked
        The exact header value and body are written to the --record folder's
        sent.json, for the test to compare with what the agent got.
        """
        self.read_body()
        arg = lambda name, default: q.get(name, [default])[0]
        token = self.headers.get("Authorization", "").split(" ", 1)[-1].encode()
        if arg("mutate", "0") == "1":
            token = token[:-5] + (b"X" if token[-5:-4] != b"X" else b"Y") + token[-4:]
        if arg("drop_last", "0") == "1":
            token = token[:-1]
        data = b"f" * int(arg("prefix", "0")) + token
        form = arg("form", "raw")
        if form == "base64":
            encoded = base64.b64encode(data)
        elif form == "base64url":
            encoded = base64.urlsafe_b64encode(data)
        elif form == "hex":
            encoded = binascii.hexlify(data)
        elif form == "HEX":
            encoded = binascii.hexlify(data).upper()
        elif form == "percent":
            encoded = b"".join(b"%%%02X" % c for c in data)
        elif form == "percent-lower":
            encoded = b"".join(b"%%%02x" % c for c in data)
        else:
            encoded = data
        truncate = int(arg("truncate", "0"))
        if truncate:
            encoded = encoded[:-truncate]
        body = b'{"debug": {"seen": "' + encoded + b'"}}\n'
        with open(os.path.join(os.path.dirname(self.server.record_path), "sent.json"), "w") as f:
            json.dump({"header": encoded.decode(), "body": body.decode()}, f)
        if arg("gzip", "0") == "1":
            body = gzip.compress(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Echo", encoded.decode())
        if arg("gzip", "0") == "1":
            self.send_header("Content-Encoding", "gzip")
        chunk = int(arg("chunk", "0"))
        if chunk:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.flush()
            for i in range(0, len(body), chunk):
                piece = body[i:i + chunk]
                self.wfile.write(b"%x\r\n" % len(piece) + piece + b"\r\n")
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def do_TRACE(self):
        # What TRACE is for: the request, as received, back to the client.
        self.record()
        echo = ("%s %s %s\r\n" % (self.command, self.path, self.request_version)).encode()
        echo += str(self.headers).encode()
        self.send_small(200, echo, "message/http")

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

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = handle_any


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
