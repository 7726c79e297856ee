"""Reads topics the way a partner would — confluent-kafka's consumer and, for Avro values, its
AvroDeserializer fetching the writer's schema from a Schema Registry URL — and prints each record
as a JSON line (topic, partition, offset, key, headers, value) for the Swift tests to check."""
import argparse
import base64
import datetime
import json
import sys
import time

from confluent_kafka import Consumer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext


def plain(value):
    if isinstance(value, datetime.datetime):
        return value.isoformat(timespec="milliseconds")
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topics", required=True, help="comma-separated")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--registry", help="decode values with AvroDeserializer against this registry")
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()

    deserializer = None
    if args.registry:
        deserializer = AvroDeserializer(SchemaRegistryClient({"url": args.registry}))
    seen = 0
    for message in messages(args.bootstrap, args.topics.split(","), args.count, args.timeout):
        if deserializer:
            value = plain(deserializer(message.value(), SerializationContext(message.topic(), MessageField.VALUE)))
        else:
            value = base64.b64encode(message.value() or b"").decode()
        print(json.dumps({
            "topic": message.topic(), "partition": message.partition(), "offset": message.offset(),
            "key": (message.key() or b"").decode(),
            "headers": [[k, (v or b"").decode(errors="replace")] for k, v in (message.headers() or [])],
            "value": value,
        }), flush=True)
        seen += 1
    return 0 if seen >= args.count else 1


def messages(bootstrap, topics, count, timeout):
    """Up to `count` messages of `topics` from the beginning, read_committed, as a fresh group
    would read them; stops after `timeout` seconds."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"partner-reader-{time.time_ns()}",
                         "auto.offset.reset": "earliest", "enable.auto.commit": False,
                         "isolation.level": "read_committed",
                         "session.timeout.ms": 6000, "max.poll.interval.ms": 10000})
    consumer.subscribe(topics)
    seen = 0
    deadline = time.time() + timeout
    try:
        while seen < count and time.time() < deadline:
            message = consumer.poll(1)
            if message is None:
                continue
            if message.error():
                print(f"consumer error: {message.error()}", file=sys.stderr)
                continue
            yield message
            seen += 1
    finally:
        consumer.close()


if __name__ == "__main__":
    sys.exit(main())
