"""Baseline: the bridge's mapping written the usual way in Python — confluent-kafka (consumer and
transactional producer, offsets sent with each transaction) and fastavro — with the same
validation essentials, event-type mapping, Confluent framing, topic naming, key and headers.
Transactions follow the bridge's default policy (BRIDGE_MAX_RECORDS=5000 records or
BRIDGE_MAX_INTERVAL_MS=25 ms), so the comparison is of the work per record, not of batch sizes.
Prints one JSON line when COUNT events are committed.
Usage: python_bridge.py BOOTSTRAP INPUT COUNT SCHEMA_FILE"""
import os
import io
import json
import struct
import sys
import time
import uuid

import fastavro
from confluent_kafka import Consumer, Producer

TYPES = {
    "PaymentInitiatedEvent": ("PAYMENT_INITIATED", "INITIATED"),
    "PaymentValidatedEvent": ("PAYMENT_VALIDATED", "VALIDATED"),
    "FundsDebitedEvent": ("PAYMENT_DEBITED", "DEBITED"),
    "ClearingSubmittedEvent": ("PAYMENT_SUBMITTED_TO_CLEARING", "SUBMITTED_TO_CLEARING"),
    "ClearingCompletedEvent": ("PAYMENT_COMPLETED", "COMPLETED"),
    "PaymentCompletedEvent": ("PAYMENT_COMPLETED", "COMPLETED"),
    "PaymentFailedEvent": ("PAYMENT_FAILED", "FAILED"),
    "PaymentCancelledEvent": ("PAYMENT_CANCELLED", "CANCELLED"),
}
REQUIRED = ["eventId", "eventType", "paymentId", "tenantId", "channelType", "customerId", "debtorAccount",
            "creditorAccount", "currency", "amount", "timestamp", "correlationId", "idempotencyKey"]


def main() -> int:
    bootstrap, input_topic, count, schema_file = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    with open(schema_file, encoding="utf-8") as f:
        schema = fastavro.parse_schema(json.load(f))
    header = struct.pack(">bI", 0, 1)
    group = f"python-bridge-{uuid.uuid4().hex[:8]}"
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
                         "enable.auto.commit": False, "isolation.level": "read_committed",
                         "session.timeout.ms": 6000, "max.poll.interval.ms": 10000,
                         # As the bridge's consumer (see ConsumerConfiguration.fetchQueueBackoff).
                         "fetch.queue.backoff.ms": 10,
                         # The latency benchmark sets every client's to 10 ms (Tansu answers a Fetch when it runs out).
                         **({"fetch.wait.max.ms": os.environ["FETCH_WAIT_MAX_MS"]} if "FETCH_WAIT_MAX_MS" in os.environ else {})})
    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": group, "linger.ms": 5,
                         "compression.type": "lz4"})
    producer.init_transactions()
    consumer.subscribe([input_topic])
    max_records = int(os.environ.get("BRIDGE_MAX_RECORDS", "5000"))
    max_interval = int(os.environ.get("BRIDGE_MAX_INTERVAL_MS", "25")) / 1000
    committed, start = 0, None
    while committed < count:
        messages = consumer.consume(max_records, max_interval)
        if not messages:
            continue
        if start is None:
            start = time.monotonic()
        producer.begin_transaction()
        for message in messages:
            if message.error():
                continue
            try:
                event = json.loads(message.value())
                if any(event.get(field) in (None, "") for field in REQUIRED) or event["eventType"] not in TYPES:
                    raise ValueError("invalid")
                event_type, status = TYPES[event["eventType"]]
                amount = float(event["amount"])
                if amount <= 0:
                    raise ValueError("amount")
                record = {
                    "eventId": event["eventId"], "eventType": event_type, "paymentId": event["paymentId"],
                    "tenantId": event["tenantId"], "customerId": event["customerId"], "status": status,
                    "amount": amount, "currency": event["currency"], "debtorAccount": event["debtorAccount"],
                    "creditorAccount": event["creditorAccount"], "clearingSystem": event.get("clearingSystem"),
                    "clearingReference": event.get("clearingReference"), "failureReason": event.get("failureReason"),
                    "failureCode": event.get("failureCode"), "timestamp": int(event["timestamp"]),
                    "correlationId": event["correlationId"], "idempotencyKey": event["idempotencyKey"],
                    "metadata": event.get("metadata") or {},
                }
                buffer = io.BytesIO()
                buffer.write(header)
                fastavro.schemaless_writer(buffer, schema, record)
                topic = f"payments.responses.{event['channelType'].lower()}.{event['tenantId']}.py"
                producer.produce(topic, key=event["paymentId"].encode(), value=buffer.getvalue(),
                                 headers=[("eventType", event_type), ("tenantId", event["tenantId"]),
                                          ("correlationId", event["correlationId"]), ("eventId", event["eventId"])])
            except (ValueError, KeyError, TypeError):
                producer.produce(f"{input_topic}.DLT", key=message.key(), value=message.value(),
                                 headers=(message.headers() or []) + [("dlt.reason", "invalid_event")])
            producer.poll(0)
        producer.send_offsets_to_transaction(consumer.position(consumer.assignment()), consumer.consumer_group_metadata())
        producer.commit_transaction()
        committed += len(messages)
    elapsed = time.monotonic() - start
    print(json.dumps({"impl": "python-confluent-kafka-fastavro", "events": committed, "seconds": round(elapsed, 3),
                      "per_second": int(committed / elapsed)}))
    consumer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
