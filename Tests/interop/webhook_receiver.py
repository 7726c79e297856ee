"""A partner's webhook endpoint written the way a partner would write it: Python's standard
library HTTP server, with every request verified by the PyPI `standardwebhooks` library (and the
simple `X-Webhook-Signature` scheme checked with hmac). It listens on a loopback port and appends
one JSON line per request to --log (verified or not, and the status it answered), for the Swift
tests to check. While the file --fail-while exists it answers 503 (the partner is down); while
the file --refuse-while exists it answers 400 (the partner refuses the records)."""
import argparse
import base64
import hashlib
import hmac
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret", required=True, help="whsec_... shared with the service")
    parser.add_argument("--log", required=True)
    parser.add_argument("--fail-while", help="answer 503 while this file exists")
    parser.add_argument("--refuse-while", help="answer 400 while this file exists")
    args = parser.parse_args()

    verifier = Webhook(args.secret)
    key = base64.b64decode(args.secret.removeprefix("whsec_"))
    lock = threading.Lock()
    log = open(args.log, "a", buffering=1)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {name.lower(): value for name, value in self.headers.items()}
            entry = {"eventId": headers.get("webhook-id"), "tenant": headers.get("x-tenant-id"),
                     "bodySha256": hashlib.sha256(body).hexdigest()}
            try:
                payload = verifier.verify(body, headers)
                entry["verified"] = True
                entry["paymentId"] = payload.get("paymentId")
                entry["eventType"] = payload.get("eventType")
                entry["bodyEventId"] = payload.get("eventId")
                for field in ("status", "subReason", "requiredAction"):
                    if field in payload:
                        entry["body." + field] = payload[field]
            except Exception as error:  # the library raises WebhookVerificationError
                entry["verified"] = False
                entry["error"] = str(error)
            expected = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
            entry["simpleVerified"] = hmac.compare_digest(expected, headers.get("x-webhook-signature", ""))
            status = 200
            if args.fail_while and os.path.exists(args.fail_while):
                status = 503
            elif args.refuse_while and os.path.exists(args.refuse_while):
                status = 400
            entry["status"] = status
            with lock:
                log.write(json.dumps(entry) + "\n")
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_):
            pass

    ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
