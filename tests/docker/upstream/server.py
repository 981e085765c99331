"""The e2e tests' upstream: plain HTTP on 80 and HTTPS on 443.

GET /hello          a fixed line, to show a request arrived
GET /echo...        the request as JSON (method, path, headers): what egress sent
GET /record         keeps the request's headers in /tmp/recorded.json, for the test
                    to read in this container, and answers without echoing them
GET /stream?seconds=S&kib=K
                    K KiB every 100 ms for S seconds, with a Content-Length, so a
                    download stays open across a restart of pipelock
"""
import json
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def send_body(self, body, content_type="text/plain"):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urlsplit(self.path)
        if url.path == "/hello":
            self.send_body(b"hello from the upstream\n")
        elif url.path.startswith("/echo"):
            seen = {"method": "GET", "path": self.path, "headers": dict(self.headers.items())}
            self.send_body(json.dumps(seen).encode(), "application/json")
        elif url.path == "/record":
            with open("/tmp/recorded.json", "w") as f:
                json.dump(dict(self.headers.items()), f)
            self.send_body(b"recorded\n")
        elif url.path == "/stream":
            q = parse_qs(url.query)
            seconds = float(q.get("seconds", ["5"])[0])
            piece = b"x" * (1024 * int(q.get("kib", ["64"])[0]))
            count = max(1, int(seconds * 10))
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(count * len(piece)))
            self.end_headers()
            for _ in range(count):
                self.wfile.write(piece)
                self.wfile.flush()
                time.sleep(0.1)
        else:
            self.send_error(404)

    def log_message(self, fmt, *args):
        print("upstream: " + (fmt % args), flush=True)


def serve(server):
    server.serve_forever()


def main():
    plain = ThreadingHTTPServer(("0.0.0.0", 80), Handler)
    tls = ThreadingHTTPServer(("0.0.0.0", 443), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain("/certs/server.pem", "/certs/server.key")
    tls.socket = context.wrap_socket(tls.socket, server_side=True)
    threading.Thread(target=serve, args=(plain,), daemon=True).start()
    print("upstream: serving on 80, 443 and ssh on 22", flush=True)
    serve(tls)


if __name__ == "__main__":
    main()
