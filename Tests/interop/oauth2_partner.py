"""A partner protecting its webhook endpoint with OAuth2 client credentials (RFC 6749 section
4.4), written with Python's standard library: POST /token issues short-lived bearer tokens to the
client that authenticates with HTTP Basic (client id and secret); POST /hooks accepts a request
only with a token it issued that has not expired or been revoked (401 otherwise). Every request is
appended to --log as one JSON line (path, status, the token's number). Control files: while
--revoke-once exists, the next /hooks request's token is revoked (the file is then removed);
while --reject-all exists, /hooks answers 401; while --token-down exists, /token answers 503."""
import argparse
import base64
import json
import os
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote_plus


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--lifetime", type=float, default=3.0, help="seconds a token lives")
    parser.add_argument("--log", required=True)
    parser.add_argument("--revoke-once")
    parser.add_argument("--reject-all")
    parser.add_argument("--token-down")
    args = parser.parse_args()
    lock = threading.Lock()
    tokens = {}  # token -> (number, expiry)

    def log(entry):
        with lock, open(args.log, "a") as out:
            out.write(json.dumps(entry) + "\n")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.path == "/token":
                self.token(body)
            else:
                self.hook()

        def token(self, body):
            if args.token_down and os.path.exists(args.token_down):
                return self.answer(503, {"error": "temporarily_unavailable"}, {"path": "/token"})
            # HTTP Basic with the id and secret form-encoded first (RFC 6749 section 2.3.1).
            auth = self.headers.get("Authorization", "")
            try:
                user, _, password = base64.b64decode(auth.removeprefix("Basic ")).decode().partition(":")
            except ValueError:
                user, password = "", ""
            form = parse_qs(body.decode())
            if (not auth.startswith("Basic ") or unquote_plus(user) != args.client_id
                    or unquote_plus(password) != args.client_secret
                    or form.get("grant_type") != ["client_credentials"]):
                return self.answer(401, {"error": "invalid_client"}, {"path": "/token"})
            token = secrets.token_urlsafe(24)
            with lock:
                number = len(tokens) + 1
                tokens[token] = (number, time.time() + args.lifetime)
            self.answer(
                200,
                {"access_token": token, "token_type": "Bearer", "expires_in": args.lifetime},
                {"path": "/token", "token": number, "scope": form.get("scope", [None])[0],
                 "audience": form.get("audience", [None])[0]},
            )

        def hook(self):
            auth = self.headers.get("Authorization", "")
            token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None
            with lock:
                known = tokens.get(token)
                if known and args.revoke_once and os.path.exists(args.revoke_once):
                    os.remove(args.revoke_once)
                    tokens[token] = (known[0], 0)
                    known = tokens[token]
            rejected = args.reject_all and os.path.exists(args.reject_all)
            valid = known is not None and known[1] > time.time() and not rejected
            self.answer(200 if valid else 401, {}, {"path": "/hooks", "token": known[0] if known else None,
                                                    "expired": bool(known and known[1] <= time.time())})

        def answer(self, status, document, entry):
            entry["status"] = status
            log(entry)
            payload = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *_):
            pass

    ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
