#!/usr/bin/env python3
"""A stand-in for the Anthropic Messages API that answers from a script.

For the Docker end-to-end tests with the real Claude Code: no model, no
internet. Python 3 standard library only.

    anthropic_standin.py [--port 8080] [--tls-port 443 --cert FILE --key FILE]
                         [--bind 0.0.0.0] [--control-port 8081]
                         [--control-bind 0.0.0.0] [--script FILE]
                         [--record FILE] [--side-text TEXT] [--quiet]

API ports (what Claude Code reaches, through egress in a bottle):
    --port          plain HTTP (0: none)
    --tls-port      HTTPS with --cert/--key (egress dials upstreams over HTTPS)
    POST /v1/messages               streaming (SSE) or JSON; '?beta=true' ignored
    POST /v1/messages/count_tokens  {"input_tokens": N}
    GET  /v1/models, /v1/models/ID  a short model list
    anything else                   404, Anthropic error JSON
Every request on an API port is recorded (method, path, headers, body).

Control port (--control-port; never reachable through egress, which only
dials the API ports):
    GET  /_control/requests[?since=N]   recorded requests, JSON list
    GET  /_control/state                position, held turns, counts
    GET  /_control/wait?main=N|held=1|requests=N[&timeout=S]
                                        waits until that many main requests
                                        arrived / a turn is held; 408 on timeout
    PUT  /_control/script[?keep_position=1]
                                        replaces the script (JSON list, or
                                        {"turns": [...]}); without
                                        keep_position the position, holds and
                                        releases start over
    POST /_control/release              lets one held turn go (a release that
                                        comes first is kept for the next hold)
    POST /_control/reset                forgets the recorded requests, starts
                                        the script over

The script: a JSON list of turns; turn i answers the i-th main-conversation
request (a request whose body has a non-empty "tools" list: Claude Code's
agent loop always sends its tools, its side requests such as title or topic
generation send none). A turn is
    {"text": "..."}
    {"tool_use": {"name": "Bash", "input": {"command": "echo hi"}, "id": "..."}}
    {"text": "...", "tool_use": [{...}, {...}]}     text first, then the calls
    {"error": {"status": 529, "type": "overloaded_error", "message": "..."}}
each optionally with "hold": true (do not answer until released) and
"stop_reason". Past the script's end, main requests get
"(stand-in: script exhausted)". Side requests get --side-text.
A main request whose body equals the previous main request's body (a retry)
answers the same turn again.
"""
import argparse
import hashlib
import itertools
import json
import ssl
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

EXHAUSTED = "(stand-in: script exhausted)"
MODELS = [
    ("claude-opus-4-5-20251101", "Claude Opus 4.5"),
    ("claude-sonnet-4-5-20250929", "Claude Sonnet 4.5"),
    ("claude-haiku-4-5-20251001", "Claude Haiku 4.5"),
]


def log(msg):
    print("anthropic-standin: " + msg, file=sys.stderr, flush=True)


def estimate_tokens(body):
    """A rough count (4 bytes a token) so usage numbers look plausible."""
    return max(1, len(json.dumps(body.get("messages", ""))) // 4) if isinstance(body, dict) else 1


class State:
    """The script, the position in it, the holds and the record, under one lock."""

    def __init__(self, turns, record_path, side_text):
        self.cond = threading.Condition()
        self.turns = turns
        self.position = 0
        self.hold_ordinal = {}  # turn index -> its rank among the holds reached
        self.releases = 0
        self.held = set()  # turn indices a request is waiting on
        self.requests = []
        self.main_count = 0
        self.last_main_key = None
        self.last_main_turn = None
        self.record_path = record_path
        self.side_text = side_text
        self.generation = 0
        self.ids = itertools.count(1)

    # -- recording -------------------------------------------------------
    def record(self, entry):
        with self.cond:
            entry["seq"] = len(self.requests)
            self.requests.append(entry)
            if self.record_path:
                with open(self.record_path, "a") as f:
                    f.write(json.dumps(entry) + "\n")
            self.cond.notify_all()

    # -- the script ------------------------------------------------------
    def take_turn(self, body_bytes):
        """The turn index for a main request (a retry gets its turn again)."""
        key = hashlib.sha256(body_bytes).hexdigest()
        with self.cond:
            self.main_count += 1
            if key == self.last_main_key and self.last_main_turn is not None:
                index = self.last_main_turn
            else:
                index = self.position
                self.position += 1
            self.last_main_key, self.last_main_turn = key, index
            self.cond.notify_all()
            return index

    def turn(self, index):
        with self.cond:
            return self.turns[index] if index < len(self.turns) else None

    def wait_if_held(self, index, on_tick=None, tick=5.0):
        """Blocks while turn `index` is a hold not yet released; on_tick()
        runs at once and then every `tick` seconds meanwhile (for a stream:
        the headers and message_start, then pings, so that no proxy on the
        way times the quiet connection out). Returns the turn to answer, read
        again after the release (the script may have changed meanwhile)."""
        with self.cond:
            turn = self.turns[index] if index < len(self.turns) else None
            if not (isinstance(turn, dict) and turn.get("hold")):
                return turn
            if index not in self.hold_ordinal:
                self.hold_ordinal[index] = len(self.hold_ordinal)
            ordinal, generation = self.hold_ordinal[index], self.generation
            self.held.add(index)
            self.cond.notify_all()
            log(f"turn {index} held (hold #{ordinal})")
            waited = False  # the first tick comes at once: headers out early
            try:
                while self.releases <= ordinal and self.generation == generation:
                    if (not waited or not self.cond.wait(timeout=tick)) and on_tick is not None:
                        self.cond.release()
                        try:
                            on_tick()
                        finally:
                            self.cond.acquire()
                    waited = True
            finally:
                self.held.discard(index)
            log(f"turn {index} released")
            return self.turns[index] if index < len(self.turns) else None

    def release(self):
        with self.cond:
            self.releases += 1
            self.cond.notify_all()

    def set_script(self, turns, keep_position):
        with self.cond:
            self.turns = turns
            if not keep_position:
                self.position = 0
                self.hold_ordinal = {}
                self.releases = 0
                self.last_main_key = self.last_main_turn = None
                self.generation += 1
            self.cond.notify_all()

    def reset(self):
        with self.cond:
            self.requests = []
            self.main_count = 0
            self.set_script(self.turns, keep_position=False)

    def snapshot(self):
        with self.cond:
            return {
                "position": self.position,
                "script_length": len(self.turns),
                "held": sorted(self.held),
                "holds_reached": len(self.hold_ordinal),
                "releases": self.releases,
                "requests": len(self.requests),
                "main_requests": self.main_count,
            }

    def wait_for(self, predicate, timeout):
        with self.cond:
            return self.cond.wait_for(predicate, timeout=timeout)


def parse_script(data):
    turns = json.loads(data)
    if isinstance(turns, dict) and "turns" in turns:
        turns = turns["turns"]
    if not isinstance(turns, list) or not all(isinstance(t, dict) for t in turns):
        raise ValueError("a script is a JSON list of objects (or {\"turns\": [...]})")
    return turns


def content_of(turn, index):
    """The content blocks of a turn's answer, and its stop reason."""
    if turn is None:
        return [{"type": "text", "text": EXHAUSTED}], "end_turn"
    blocks = []
    if turn.get("text"):
        blocks.append({"type": "text", "text": str(turn["text"])})
    calls = turn.get("tool_use") or []
    if isinstance(calls, dict):
        calls = [calls]
    for n, call in enumerate(calls):
        blocks.append({
            "type": "tool_use",
            "id": call.get("id") or f"toolu_standin{index:03d}{n:02d}{uuid.uuid4().hex[:12]}",
            "name": call["name"],
            "input": call.get("input", {}),
        })
    if not blocks:
        blocks.append({"type": "text", "text": ""})
    stop = turn.get("stop_reason") or ("tool_use" if calls else "end_turn")
    return blocks, stop


def compact(obj):
    """JSON as the API writes it, without spaces."""
    return json.dumps(obj, separators=(",", ":"))


def chunks(text, size):
    return [text[i:i + size] for i in range(0, len(text), size)] or [""]


class ApiHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "anthropic-standin"
    sys_version = ""
    state = None  # set in main()
    quiet = False

    # -- plumbing --------------------------------------------------------
    def log_message(self, fmt, *args):
        if not self.quiet:
            log(f"{self.server.label} " + (fmt % args))

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            return self.rfile.read(length)
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        return b""

    def send_json(self, status, obj, extra_headers=()):
        body = compact(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("request-id", "req_standin_" + uuid.uuid4().hex[:20])
        for name, value in extra_headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def send_error_json(self, status, kind, message):
        self.send_json(status, {"type": "error", "error": {"type": kind, "message": message}})

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError) as e:
            log(f"{self.server.label} connection ended: {e!r}")
            self.close_connection = True

    # -- requests --------------------------------------------------------
    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def do_HEAD(self):
        self.dispatch("HEAD")

    def dispatch(self, method):
        raw = self.read_body()
        path = urlsplit(self.path).path
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        kind, index = "other", None
        if method == "POST" and path == "/v1/messages":
            tools = body.get("tools") if isinstance(body, dict) else None
            if isinstance(tools, list) and tools:
                kind, index = "main", self.state.take_turn(raw)
            else:
                kind = "side"
        self.state.record({
            "time": time.time(),
            "listener": self.server.label,
            "method": method,
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body,
            "kind": kind,
            "turn": index,
        })
        if method == "POST" and path == "/v1/messages":
            if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
                return self.send_error_json(400, "invalid_request_error", "messages: Field required")
            self.answer_messages(body, kind, index)
        elif method == "POST" and path == "/v1/messages/count_tokens":
            self.send_json(200, {"input_tokens": estimate_tokens(body)})
        elif method == "GET" and path == "/v1/models":
            data = [{"type": "model", "id": m, "display_name": n,
                     "created_at": "2025-01-01T00:00:00Z"} for m, n in MODELS]
            self.send_json(200, {"data": data, "has_more": False,
                                 "first_id": data[0]["id"], "last_id": data[-1]["id"]})
        elif method == "GET" and path.startswith("/v1/models/"):
            model = path[len("/v1/models/"):]
            self.send_json(200, {"type": "model", "id": model, "display_name": model,
                                 "created_at": "2025-01-01T00:00:00Z"})
        else:
            self.send_error_json(404, "not_found_error", f"Not found: {method} {path}")

    def answer_messages(self, body, kind, index):
        stream = bool(body.get("stream"))
        model = body.get("model") or MODELS[0][0]
        message_id = f"msg_standin{next(self.state.ids):04d}{uuid.uuid4().hex[:16]}"
        usage_in = estimate_tokens(body)
        started = False

        def start_stream():
            nonlocal started
            if started:
                return
            started = True
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("request-id", "req_standin_" + uuid.uuid4().hex[:20])
            self.end_headers()
            self.event("message_start", {"type": "message_start", "message": {
                "id": message_id, "type": "message", "role": "assistant", "model": model,
                "content": [], "stop_reason": None, "stop_sequence": None,
                "usage": {"input_tokens": usage_in, "cache_creation_input_tokens": 0,
                          "cache_read_input_tokens": 0, "output_tokens": 1}}})

        if kind == "main":
            def tick():
                if stream:
                    start_stream()
                    self.event("ping", {"type": "ping"})
            turn = self.state.wait_if_held(index, on_tick=tick)
            if isinstance(turn, dict) and turn.get("error"):
                err = turn["error"]
                kind_, message = err.get("type", "api_error"), err.get("message", "stand-in error")
                if not started:
                    return self.send_error_json(int(err.get("status", 500)), kind_, message)
                # Past the headers (a held stream): the API's mid-stream error event.
                self.event("error", {"type": "error", "error": {"type": kind_, "message": message}})
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
                return
            blocks, stop = content_of(turn, index)
        else:
            blocks, stop = [{"type": "text", "text": self.state.side_text}], "end_turn"
        usage_out = max(1, sum(len(json.dumps(b)) for b in blocks) // 4)

        if not stream:
            return self.send_json(200, {
                "id": message_id, "type": "message", "role": "assistant", "model": model,
                "content": blocks, "stop_reason": stop, "stop_sequence": None,
                "usage": {"input_tokens": usage_in, "cache_creation_input_tokens": 0,
                          "cache_read_input_tokens": 0, "output_tokens": usage_out}})

        start_stream()
        for i, block in enumerate(blocks):
            if block["type"] == "text":
                self.event("content_block_start", {"type": "content_block_start", "index": i,
                           "content_block": {"type": "text", "text": ""}})
                if i == 0:
                    self.event("ping", {"type": "ping"})
                for piece in chunks(block["text"], 24):
                    self.event("content_block_delta", {"type": "content_block_delta", "index": i,
                               "delta": {"type": "text_delta", "text": piece}})
            else:
                self.event("content_block_start", {"type": "content_block_start", "index": i,
                           "content_block": {"type": "tool_use", "id": block["id"],
                                             "name": block["name"], "input": {}}})
                if i == 0:
                    self.event("ping", {"type": "ping"})
                for piece in [""] + chunks(compact(block["input"]), 32):
                    self.event("content_block_delta", {"type": "content_block_delta", "index": i,
                               "delta": {"type": "input_json_delta", "partial_json": piece}})
            self.event("content_block_stop", {"type": "content_block_stop", "index": i})
        self.event("message_delta", {"type": "message_delta",
                   "delta": {"stop_reason": stop, "stop_sequence": None},
                   "usage": {"output_tokens": usage_out}})
        self.event("message_stop", {"type": "message_stop"})
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def event(self, name, data):
        payload = f"event: {name}\ndata: {compact(data)}\n\n".encode()
        self.wfile.write(b"%x\r\n%s\r\n" % (len(payload), payload))
        self.wfile.flush()


class ControlHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "anthropic-standin-control"
    sys_version = ""
    state = None
    quiet = False

    def log_message(self, fmt, *args):
        if not self.quiet:
            log("control " + (fmt % args))

    def reply(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urlsplit(self.path)
        q = {k: v[-1] for k, v in parse_qs(url.query).items()}
        st = self.state
        if url.path == "/_control/requests":
            since = int(q.get("since", 0))
            with st.cond:
                self.reply(200, st.requests[since:])
        elif url.path == "/_control/state":
            self.reply(200, st.snapshot())
        elif url.path == "/_control/wait":
            timeout = float(q.get("timeout", 30))
            if "main" in q:
                n = int(q["main"])
                ok = st.wait_for(lambda: st.main_count >= n, timeout)
            elif "requests" in q:
                n = int(q["requests"])
                ok = st.wait_for(lambda: len(st.requests) >= n, timeout)
            elif "held" in q:
                ok = st.wait_for(lambda: bool(st.held), timeout)
            else:
                return self.reply(400, {"error": "wait for main=N, requests=N or held=1"})
            self.reply(200 if ok else 408, st.snapshot())
        else:
            self.reply(404, {"error": "unknown control path"})

    def do_PUT(self):
        url = urlsplit(self.path)
        if url.path != "/_control/script":
            return self.reply(404, {"error": "unknown control path"})
        length = int(self.headers.get("Content-Length") or 0)
        try:
            turns = parse_script(self.rfile.read(length))
        except ValueError as e:
            return self.reply(400, {"error": str(e)})
        keep = parse_qs(url.query).get("keep_position", ["0"])[-1] not in ("0", "", "false")
        self.state.set_script(turns, keep_position=keep)
        self.reply(200, self.state.snapshot())

    def do_POST(self):
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if url.path == "/_control/release":
            self.state.release()
        elif url.path == "/_control/reset":
            self.state.reset()
        else:
            return self.reply(404, {"error": "unknown control path"})
        self.reply(200, self.state.snapshot())


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, handler, label):
        super().__init__(address, handler)
        self.label = label


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, default=8080, help="plain HTTP API port (0: none)")
    p.add_argument("--tls-port", type=int, default=0, help="HTTPS API port (needs --cert/--key)")
    p.add_argument("--cert", help="PEM certificate (chain) for --tls-port")
    p.add_argument("--key", help="PEM private key for --tls-port")
    p.add_argument("--bind", default="0.0.0.0", help="address of the API ports")
    p.add_argument("--control-port", type=int, default=8081)
    p.add_argument("--control-bind", default="0.0.0.0", help="address of the control port")
    p.add_argument("--script", help="JSON file with the turns")
    p.add_argument("--record", help="append every API request to this JSONL file")
    p.add_argument("--side-text", default="OK", help="the answer to side requests")
    p.add_argument("--quiet", action="store_true", help="no access log")
    args = p.parse_args()
    if args.tls_port and not (args.cert and args.key):
        p.error("--tls-port needs --cert and --key")
    if not args.port and not args.tls_port:
        p.error("give --port or --tls-port")

    turns = []
    if args.script:
        with open(args.script, "rb") as f:
            turns = parse_script(f.read())
    state = State(turns, args.record, args.side_text)
    ApiHandler.state = ControlHandler.state = state
    ApiHandler.quiet = ControlHandler.quiet = args.quiet

    servers = []
    if args.port:
        servers.append(Server((args.bind, args.port), ApiHandler, "http"))
    if args.tls_port:
        tls = Server((args.bind, args.tls_port), ApiHandler, "https")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)
        # The handshake happens in the handler's thread, on its first read, so a
        # slow client cannot hold up accept().
        tls.socket = context.wrap_socket(tls.socket, server_side=True,
                                         do_handshake_on_connect=False)
        servers.append(tls)
    servers.append(Server((args.control_bind, args.control_port), ControlHandler, "control"))
    for s in servers[:-1]:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    log("api " + ", ".join(f"{s.label} {s.server_address[0]}:{s.server_address[1]}"
                           for s in servers[:-1])
        + f"; control {args.control_bind}:{args.control_port}; {len(turns)} turns")
    try:
        servers[-1].serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
