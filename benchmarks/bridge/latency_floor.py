"""Latency floor for the bridge's latency benchmark: one transactional hop and nothing else.

A confluent-kafka producer writes records at a fixed rate inside transactions committed every
INTERVAL_MS (the bridge's default commit interval), and a read_committed consumer receives them.
No consumer on the input side, no mapping, no offsets in the transaction: the bridge's path has
this hop plus a consume, so its latency cannot be lower than this on the same broker.
Records are spread over TOPICS topics named PREFIX-0 … PREFIX-<TOPICS-1>, as the bridge spreads
responses over partner topics. Prints one JSON line.
Usage: latency_floor.py BOOTSTRAP PREFIX TOPICS RATE SECONDS INTERVAL_MS FETCH_WAIT_MS
"""
import json
import sys
import threading
import time
import uuid

from confluent_kafka import Consumer, Producer

bootstrap, prefix, topic_count = sys.argv[1], sys.argv[2], int(sys.argv[3])
rate, seconds, interval_ms, fetch_wait = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), sys.argv[7]
topics = [f"{prefix}-{n}" for n in range(topic_count)]
count = rate * seconds
run = uuid.uuid4().hex[:8]

consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"latency-floor-{run}", "auto.offset.reset": "latest",
                     "isolation.level": "read_committed", "fetch.wait.max.ms": fetch_wait, "log_level": 3})
consumer.subscribe(topics)
while len(consumer.assignment()) < topic_count:
    consumer.poll(0.05)
time.sleep(1)

samples = []
def receive():
    deadline = time.monotonic() + seconds + 30
    while len(samples) < count and time.monotonic() < deadline:
        for message in consumer.consume(1000, 0.02):
            if message.error() or not message.value().startswith(run.encode()):
                continue
            samples.append(time.monotonic_ns() - int(message.value()[len(run) + 1:]))
receiver = threading.Thread(target=receive)
receiver.start()

producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": f"latency-floor-{run}", "linger.ms": 1,
                     "compression.type": "lz4", "log_level": 3})
producer.init_transactions()
producer.begin_transaction()
opened = time.monotonic()
start = time.monotonic_ns()
step = 1_000_000_000 / rate
for index in range(count):
    due = start + index * step
    now = time.monotonic_ns()
    if due > now:
        time.sleep((due - now) / 1e9)
    # Stamped with the time it was due: records held up while the producer commits count that wait.
    producer.produce(topics[index % topic_count], f"{run}:{int(due)}".encode(), key=f"PAY-{index % 10_000}".encode())
    producer.poll(0)
    if time.monotonic() - opened >= interval_ms / 1000:
        producer.commit_transaction()
        producer.begin_transaction()
        opened = time.monotonic()
producer.commit_transaction()
receiver.join()
consumer.close()

samples.sort()
def percentile(p):
    return round(samples[min(len(samples) - 1, int(len(samples) * p))] / 1e6, 1) if samples else None
print(json.dumps({"impl": "floor-one-transactional-hop", "rate": rate, "events": count, "received": len(samples),
                  "p50_ms": percentile(0.5), "p99_ms": percentile(0.99), "p999_ms": percentile(0.999)}))
