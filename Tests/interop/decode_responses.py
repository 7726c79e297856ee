"""Reads PaymentResponse records with third-party code (confluent-kafka's consumer, fastavro's
decoder) and prints them as JSON lines, so the Swift tests can check what a partner sees."""
import argparse
import io
import json
import struct
import sys

import fastavro
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--schema", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--expect-schema-id", type=int, required=True)
    args = parser.parse_args()

    with open(args.schema, encoding="utf-8") as f:
        schema = fastavro.parse_schema(json.load(f))
    consumer = Consumer({"bootstrap.servers": args.bootstrap, "group.id": "interop-decoder",
                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    # Read the partition directly (no group join needed to check the records).
    consumer.assign([TopicPartition(args.topic, 0, OFFSET_BEGINNING)])
    seen = 0
    try:
        while seen < args.count:
            message = consumer.poll(30)
            if message is None:
                print(f"timed out after {seen} records", file=sys.stderr)
                return 1
            if message.error():
                print(f"consumer error: {message.error()}", file=sys.stderr)
                continue
            value = message.value()
            magic, schema_id = struct.unpack(">bI", value[:5])
            if magic != 0 or schema_id != args.expect_schema_id:
                print(f"bad framing: magic={magic} id={schema_id}", file=sys.stderr)
                return 1
            record = fastavro.schemaless_reader(io.BytesIO(value[5:]), schema)
            record["timestamp"] = record["timestamp"].isoformat(timespec="milliseconds")
            headers = {k: v.decode() for k, v in (message.headers() or [])}
            print(json.dumps({"key": message.key().decode(), "value": record, "headers": headers}), flush=True)
            seen += 1
    finally:
        consumer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
