"""Reads a partner topic as a partner whose code still holds an older schema would: fastavro
resolves each record from its writer's schema (fetched by id from the Schema Registry URL, as a
deserializer does) to the reader schema given in a file. Prints one JSON line per record: key,
schema id and the value read, or the error fastavro raised for it."""
import argparse
import io
import json
import struct
import sys
import urllib.request

import fastavro

from read_topics import messages


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--registry", required=True)
    parser.add_argument("--reader-schema", required=True, help="file of the schema the partner reads with")
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()

    with open(args.reader_schema, encoding="utf-8") as f:
        reader = fastavro.parse_schema(json.load(f))
    writers = {}
    seen = 0
    for message in messages(args.bootstrap, [args.topic], args.count, args.timeout):
        value = message.value()
        magic, schema_id = struct.unpack(">bI", value[:5])
        if schema_id not in writers:
            with urllib.request.urlopen(f"{args.registry}/schemas/ids/{schema_id}") as response:
                writers[schema_id] = fastavro.parse_schema(json.loads(json.load(response)["schema"]))
        line = {"key": (message.key() or b"").decode(), "magic": magic, "schemaId": schema_id}
        try:
            record = fastavro.schemaless_reader(io.BytesIO(value[5:]), writers[schema_id], reader)
            line["value"] = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in record.items()}
        except Exception as error:  # fastavro's SchemaResolutionError for symbols the reader lacks
            line["error"] = f"{type(error).__name__}: {error}"
        print(json.dumps(line), flush=True)
        seen += 1
    return 0 if seen >= args.count else 1


if __name__ == "__main__":
    sys.exit(main())
