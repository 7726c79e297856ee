"""The payment history and the partner status API under the bridge's load, on one broker.

Runs the service binary (Kafka-delivery tenants with status keys, the history on, the status
API on a loopback port) and measures, in one run:
  1. catch-up: EVENTS events sent as fast as possible; how long after the bridge committed its
     last response the history holds them all (its own records counter), and its rate;
  2. the status API's latency under wrk at WRK_RATE requests/s (random known payments): alone
     for 10 s (nothing else running; the service's CPU per request), then under a paced load of
     RATE events/s for SECONDS, with how long after a read_committed consumer receives a
     response record its event is visible in the API (sampled);
  3. the database's size per payment.
Prints one JSON line. Usage: history_bench.py BIN BOOTSTRAP EVENTS RATE SECONDS WRK_RATE
"""
import hashlib
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid

from confluent_kafka import OFFSET_END, Consumer, Producer, TopicPartition

binary, bootstrap = sys.argv[1], sys.argv[2]
events, rate, seconds, wrk_rate = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
TENANTS = [f"HIST-{n}" for n in range(4)]
LIFECYCLE = ["PaymentInitiatedEvent", "PaymentValidatedEvent", "FundsDebitedEvent", "ClearingSubmittedEvent",
             "PaymentCompletedEvent"]
RUN = uuid.uuid4().hex
KEYS = [f"history-bench-key-{n}-{RUN}" for n in range(len(TENANTS))]


def tenant_of(payment):
    """The tenant index of `P-<n>` / `Q-<n>`: n modulo the tenants (the wrk script does the same)."""
    return int(payment.split("-")[1]) % len(TENANTS)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def event(payment, index):
    return json.dumps({
        "eventId": str(uuid.uuid4()), "eventType": LIFECYCLE[index], "paymentId": payment,
        "tenantId": TENANTS[tenant_of(payment)], "channelType": "PARTNER", "customerId": "CUST-1",
        "debtorAccount": "DE89370400440532013000", "creditorAccount": "FR1420041010050500013M02606",
        "currency": "EUR", "amount": 10.5, "timestamp": int(time.time() * 1000), "correlationId": "c-" + payment,
        "idempotencyKey": "i-" + payment}).encode()


def metric(admin, name):
    text = urllib.request.urlopen(f"http://127.0.0.1:{admin}/metrics", timeout=5).read().decode()
    return sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith(name + " ") or line.startswith(name + "{"))


def status(partner, payment):
    request = urllib.request.Request(f"http://127.0.0.1:{partner}/v1/payments/{payment}",
                                     headers={"Authorization": f"Bearer {KEYS[tenant_of(payment)]}"})
    try:
        return json.loads(urllib.request.urlopen(request, timeout=5).read())
    except urllib.error.HTTPError:
        return None


work = tempfile.mkdtemp(prefix="history-bench-")
admin_port, partner_port = free_port(), free_port()
tenants = "\n".join(
    f"  - {{id: {t}, channel: partner, statusApi: {{keys: [\"sha256:{hashlib.sha256(k.encode()).hexdigest()}\"]}}}}"
    for t, k in zip(TENANTS, KEYS))
config = os.path.join(work, "config.yaml")
with open(config, "w") as f:
    f.write(f"""kafka: {{bootstrapServers: "{bootstrap}", properties: {{fetch.wait.max.ms: "10", log_level: "3"}}}}
admin: {{listen: "127.0.0.1:{admin_port}"}}
state: {{directory: "{work}/state"}}
partnerApi: {{listen: "127.0.0.1:{partner_port}", ratePerSecond: 1000000, burst: 1000000}}
bridge: {{topics: {{replicationFactor: 1, partitions: {{partner: 4}}}}}}
sink: {{enabled: false}}
tenants:
{tenants}
""")
service = subprocess.Popen([binary, "run", "--config", config, "--schemas", "schemas"], cwd=os.getcwd(),
                           stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "service.log"), "w"))
try:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{admin_port}/health/ready", timeout=2).status == 200:
                break
        except Exception:
            pass
        time.sleep(0.2)
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, "compression.type": "lz4", "log_level": 3})

    # 1. Catch-up at full speed.
    payments = [f"P-{n}" for n in range(events // len(LIFECYCLE))]
    sent = 0
    for index in range(len(LIFECYCLE)):
        for payment in payments:
            producer.produce("payments.events", key=payment.encode(), value=event(payment, index))
            sent += 1
            if sent % 10000 == 0:
                producer.poll(0)
    producer.flush()
    bridge_done = history_done = None
    started = time.monotonic()
    while time.monotonic() - started < 600 and history_done is None:
        now = time.monotonic()
        if bridge_done is None and metric(admin_port, "payments_bridge_responses_produced_total") >= sent:
            bridge_done = now
        if metric(admin_port, "payments_bridge_history_records_total") >= sent:
            history_done = now
            bridge_done = bridge_done or now
        time.sleep(0.05)
    catch_up = (history_done - bridge_done) if history_done else None
    history_rate = sent / (history_done - started) if history_done else None

    # 2. The status API under wrk at WRK_RATE requests/s: first alone (the bridge idle; the
    # service's CPU per request), then under the paced load, with the visibility probe.
    lua = os.path.join(work, "status.lua")
    connections = 40
    with open(lua, "w") as f:
        keys = ", ".join(f'"{k}"' for k in KEYS)
        f.write(f"""math.randomseed(42)
local payments = {len(payments)}
local keys = {{{keys}}}
request = function()
  local n = math.random(0, payments - 1)
  return wrk.format("GET", "/v1/payments/P-" .. n, {{["Authorization"] = "Bearer " .. keys[n % {len(KEYS)} + 1]}})
end
delay = function() return {max(0.0, 1000 * connections / wrk_rate - 2):.3f} end
""")

    def start_wrk(duration):
        return subprocess.Popen(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-s", lua,
                                 f"http://127.0.0.1:{partner_port}"], stdout=subprocess.PIPE, text=True)

    def wrk_figures(output):
        def ms(label):
            match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
            if not match:
                return None
            value, unit = float(match.group(1)), match.group(2)
            return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
        requests = re.search(r"Requests/sec:\s+([\d.]+)", output)
        refused = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
        return {"requests_per_s": float(requests.group(1)) if requests else None, "p50_ms": ms(50), "p99_ms": ms(99),
                "not_2xx": int(refused.group(1)) if refused else 0}

    def cpu_seconds(pid):
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    # The service's own CPU while idle (its consumers' fetches, the history's polls) is measured
    # first and taken out of the CPU per request.
    idle_seconds = 10
    cpu_before = cpu_seconds(service.pid)
    time.sleep(idle_seconds)
    cpu_idle = cpu_seconds(service.pid) - cpu_before
    cpu_before = cpu_seconds(service.pid)
    alone = wrk_figures(start_wrk(idle_seconds).communicate()[0])
    cpu_alone = cpu_seconds(service.pid) - cpu_before - cpu_idle
    alone["cpu_us_per_request"] = (round(cpu_alone / (alone["requests_per_s"] * idle_seconds) * 1e6)
                                   if alone["requests_per_s"] else None)
    alone["idle_cpu_percent"] = round(cpu_idle / idle_seconds * 100, 1)

    # Under load, each process's share of the two cores (CPU seconds over the wall time).
    tansu = int(subprocess.run(["pgrep", "-f", f"tansu broker --listener-url tcp://{bootstrap}"],
                               capture_output=True, text=True).stdout.split()[0])
    load_started = time.monotonic()
    cpu_at_start = {"service": cpu_seconds(service.pid), "broker": cpu_seconds(tansu),
                    "loader": sum(os.times()[:2])}
    wrk = start_wrk(seconds)
    visible = []
    stop = threading.Event()

    def probe():
        consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "history-probe-" + uuid.uuid4().hex,
                             "isolation.level": "read_committed", "fetch.wait.max.ms": 10, "log_level": 3})
        # Assigned (no group to join): from each partition's end, so only the paced load's records.
        consumer.assign([TopicPartition(f"payments.responses.partner.{t}", p, OFFSET_END)
                         for t in TENANTS for p in range(4)])
        seen = 0
        while not stop.is_set():
            for message in consumer.consume(500, 0.05):
                if message.error() or not message.key():
                    continue
                seen += 1
                if seen % 500:
                    continue
                received = time.monotonic()
                payment = message.key().decode()
                headers = dict(message.headers() or [])
                wanted = (headers.get("eventType") or b"").decode()
                while time.monotonic() - received < 10:
                    answer = status(partner_port, payment)
                    if answer and any(e["eventType"] == wanted for e in answer["history"]) or (answer and not wanted):
                        visible.append(time.monotonic() - received)
                        break
                    time.sleep(0.005)
        consumer.close()

    prober = threading.Thread(target=probe)
    prober.start()
    time.sleep(2)
    paced_payments = [f"Q-{n}" for n in range(rate * seconds // len(LIFECYCLE))]
    # Paced in ticks of 5 ms (what is due by now is sent at once): a sleep per event would
    # cost the loader more CPU than the service it loads, on two cores.
    load = [(payment, index) for index in range(len(LIFECYCLE)) for payment in paced_payments]
    begin = time.monotonic()
    count = 0
    while count < len(load):
        due = min(len(load), int((time.monotonic() - begin) * rate) + 1)
        for payment, index in load[count:due]:
            producer.produce("payments.events", key=payment.encode(), value=event(payment, index))
        count = max(count, due)
        producer.poll(0)
        time.sleep(0.005)
    producer.flush()
    paced_seconds = time.monotonic() - begin
    output = wrk.communicate()[0]
    load_wall = time.monotonic() - load_started
    shares = {"service": cpu_seconds(service.pid) - cpu_at_start["service"],
              "broker": cpu_seconds(tansu) - cpu_at_start["broker"],
              "loader": sum(os.times()[:2]) - cpu_at_start["loader"]}
    shares = {name: round(value / load_wall * 100) for name, value in shares.items()}
    time.sleep(3)
    stop.set()
    prober.join()

    loaded = wrk_figures(output)
    visible.sort()

    def pct(p):
        return round(visible[min(len(visible) - 1, int(len(visible) * p))] * 1000, 1) if visible else None

    # 3. Size per payment (file and write-ahead log as they are).
    state = os.path.join(work, "state")
    size = sum(os.path.getsize(os.path.join(state, n)) for n in os.listdir(state) if n.startswith("history.sqlite"))
    all_payments = len(payments) + len(paced_payments)
    print(json.dumps({
        "events": sent, "history_catch_up_s": round(catch_up, 2) if catch_up is not None else None,
        "history_events_per_s": round(history_rate) if history_rate else None,
        "paced_rate": round(count / paced_seconds), "paced_seconds": round(paced_seconds, 1),
        "status_requests_per_s": loaded["requests_per_s"], "status_p50_ms": loaded["p50_ms"],
        "status_p99_ms": loaded["p99_ms"], "status_not_2xx": loaded["not_2xx"],
        "alone_requests_per_s": alone["requests_per_s"], "alone_p50_ms": alone["p50_ms"],
        "alone_p99_ms": alone["p99_ms"], "alone_not_2xx": alone["not_2xx"],
        "alone_cpu_us_per_request": alone["cpu_us_per_request"], "idle_cpu_percent": alone["idle_cpu_percent"],
        "cpu_percent_under_load": shares,
        "visible_samples": len(visible), "visible_p50_ms": pct(0.5), "visible_p99_ms": pct(0.99),
        "bytes_per_payment": round(size / all_payments), "payments": all_payments}))
finally:
    service.terminate()
    try:
        service.wait(timeout=30)
    except subprocess.TimeoutExpired:
        service.kill()
    shutil.rmtree(work, ignore_errors=True)
