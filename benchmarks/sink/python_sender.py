"""The baseline for the sink benchmark: the same job written the obvious way in Python —
confluent-kafka reads the partner topic, fastavro decodes each record (Confluent framing), the
body is rendered with json.dumps, signed with the `standardwebhooks` library (plus the simple
hex HMAC) and POSTed with aiohttp over CONNECTIONS keep-alive connections. It keeps no
per-payment order and no durable retries (which only makes it faster). Prints one JSON line.
Usage: python_sender.py BOOTSTRAP TOPIC COUNT SCHEMA_FILE URL [CONNECTIONS]"""
import asyncio
import base64
import datetime
import hashlib
import hmac
import io
import json
import sys
import threading
import time
import uuid

import aiohttp
import fastavro
from confluent_kafka import Consumer
from standardwebhooks import Webhook

SECRET = "whsec_" + base64.b64encode(b"benchmark-partner-secret").decode()


def main() -> int:
    bootstrap, topic, count, schema_file, url = sys.argv[1:6]
    count = int(count)
    connections = int(sys.argv[6]) if len(sys.argv) > 6 else 64
    schema = fastavro.parse_schema(json.load(open(schema_file)))
    signer = Webhook(SECRET)
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    loop = asyncio.new_event_loop()
    queue: asyncio.Queue = asyncio.Queue(maxsize=10_000)

    def consume():
        consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"py-sender-{uuid.uuid4()}",
                             "auto.offset.reset": "earliest", "enable.auto.commit": True,
                             "isolation.level": "read_committed",
                             # As the sink's consumer (see ConsumerConfiguration.fetchQueueBackoff).
                             "fetch.queue.backoff.ms": 10})
        consumer.subscribe([topic])
        seen = 0
        while seen < count:
            batch = []
            for message in consumer.consume(500, 0.1):
                if message.error():
                    continue
                record = fastavro.schemaless_reader(io.BytesIO(message.value()[5:]), schema)
                timestamp = record["timestamp"]
                if isinstance(timestamp, datetime.datetime):
                    record["timestamp"] = timestamp.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
                batch.append(record)
            if batch:
                # One hand-over per batch, not per record.
                asyncio.run_coroutine_threadsafe(put_all(batch), loop).result()
                seen += len(batch)
        consumer.close()

    async def put_all(batch):
        for record in batch:
            await queue.put(record)

    async def send(session, stats):
        while True:
            record = await queue.get()
            body = json.dumps(record, separators=(",", ":"))
            now = datetime.datetime.now(tz=datetime.timezone.utc)
            headers = {"Content-Type": "application/json", "webhook-id": record["eventId"],
                       "webhook-timestamp": str(int(now.timestamp())),
                       "webhook-signature": signer.sign(record["eventId"], now, body),
                       "X-Webhook-Signature": "sha256=" + hmac.new(key, body.encode(), hashlib.sha256).hexdigest(),
                       "X-Correlation-ID": record["correlationId"], "X-Tenant-ID": record["tenantId"]}
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
                if 200 <= response.status < 300:
                    if stats["first"] is None:
                        stats["first"] = time.monotonic()
                    stats["delivered"] += 1
                    if stats["delivered"] == count:
                        stats["done"].set()
            queue.task_done()

    async def run():
        stats = {"first": None, "delivered": 0, "done": asyncio.Event()}
        connector = aiohttp.TCPConnector(limit=connections)
        async with aiohttp.ClientSession(connector=connector) as session:
            workers = [asyncio.create_task(send(session, stats)) for _ in range(connections)]
            threading.Thread(target=consume, daemon=True).start()
            await stats["done"].wait()
            last = time.monotonic()
            for worker in workers:
                worker.cancel()
        seconds = last - stats["first"]
        print(json.dumps({"impl": "python-aiohttp-standardwebhooks", "connections": connections, "records": count,
                          "delivered": stats["delivered"], "seconds": seconds, "per_second": stats["delivered"] / seconds}))

    loop.run_until_complete(run())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
