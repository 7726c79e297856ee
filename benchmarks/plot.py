"""Draws every benchmark figure of the last runs (the JSON lines benchmarks/run.sh keeps in
.build/bench/) into one PNG. A panel whose benchmark has not been run says so.
Usage: plot.py <folder of *.jsonl> <output.png> "<machine>"."""
import json
import os
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def rows(folder, name):
    path = os.path.join(folder, f"{name}.jsonl")
    if not os.path.exists(path):
        return []
    return [json.loads(line) for line in open(path) if line.strip()]


def median(data, impl, key="per_second"):
    values = [r[key] for r in data if r.get("impl") == impl]
    return statistics.median(values) if values else 0


def not_run(axis, title):
    axis.set_title(title)
    axis.text(0.5, 0.5, "not run yet", ha="center", va="center", transform=axis.transAxes)
    axis.set_xticks([])
    axis.set_yticks([])


def bars(axis, title, labels, values, unit):
    colors = ["#9e9e9e", "#5b8def", "#e4572e", "#76b041"][: len(values)]
    axis.bar(labels, values, color=colors)
    for x, value in enumerate(values):
        axis.text(x, value, f"{value:,.0f}", ha="center", va="bottom", fontsize=8)
    axis.set_title(title)
    axis.set_ylabel(unit)
    axis.tick_params(axis="x", labelsize=8)


def main():
    folder, output, machine = sys.argv[1], sys.argv[2], sys.argv[3]
    figure, axes = plt.subplots(2, 3, figsize=(16, 9))
    figure.suptitle(f"payments-bridge benchmarks on Tansu ({machine})")

    bridge = rows(folder, "bridge")
    if bridge:
        bars(axes[0][0], "Bridge throughput (exactly-once)", ["raw C\npass-through", "Python\nconfluent-kafka", "payments-bridge\n(Swift)"],
             [median(bridge, "passthrough-c"), median(bridge, "python-confluent-kafka-fastavro"), median(bridge, "bridge-swift")],
             "events/s")
    else:
        not_run(axes[0][0], "Bridge throughput")

    latency = rows(folder, "latency")
    if latency:
        axis = axes[0][1]
        groups = sorted({(r["rate"], r.get("tenants", 1)) for r in latency})
        labels = [f"{rate:,}/s\n{tenants} topic(s)" for rate, tenants in groups]
        series = [("floor-one-transactional-hop", "p50_ms", "floor p50"), ("floor-one-transactional-hop", "p99_ms", "floor p99"),
                  ("bridge-swift-latency", "p50_ms", "bridge p50"), ("bridge-swift-latency", "p99_ms", "bridge p99")]
        width = 0.2
        for offset, (impl, key, name) in enumerate(series):
            values = [next((float(r[key]) for r in latency if r.get("impl", "bridge-swift-latency") == impl
                            and (r["rate"], r.get("tenants", 1)) == group), 0) for group in groups]
            axis.bar([x + (offset - 1.5) * width for x in range(len(groups))], values, width, label=name)
        axis.set_xticks(range(len(groups)), labels, fontsize=7)
        axis.axhline(50, color="black", linestyle="--", linewidth=0.8, label="goal: p99 < 50 ms")
        axis.set_yscale("log")
        axis.set_ylabel("ms, event → partner topic")
        axis.set_title("Bridge latency")
        axis.legend(fontsize=8)
    else:
        not_run(axes[0][1], "Bridge latency")

    sink = rows(folder, "sink")
    if sink:
        bars(axes[0][2], "Webhook sink throughput (nginx, 64 connections)", ["Python aiohttp +\nstandardwebhooks", "Go net/http\n+ goavro", "payments-bridge\nsink (Swift)", "wrk\n(ceiling)"],
             [median(sink, "python-aiohttp-standardwebhooks"), median(sink, "go-net-http-goavro"), median(sink, "sink-swift"),
              median(sink, "wrk")], "deliveries/s")
        slow = sorted((r for r in sink if r.get("impl") == "sink-swift-slow"), key=lambda r: r["max_in_flight"])
        axis = axes[1][0]
        if slow:
            xs = [r["max_in_flight"] for r in slow]
            axis.plot(xs, [r["per_second"] for r in slow], marker="o", label="measured")
            axis.plot(xs, [x * 20 for x in xs], linestyle="--", color="gray", label="ideal (maxInFlight / 50 ms)")
            axis.set_xscale("log", base=2)
            axis.set_yscale("log")
            axis.set_xlabel("maxInFlight")
            axis.set_ylabel("deliveries/s")
            axis.set_title("Sink against a receiver answering after 50 ms")
            axis.legend(fontsize=8)
        else:
            not_run(axis, "Sink against a 50 ms receiver")
    else:
        not_run(axes[0][2], "Webhook sink throughput")
        not_run(axes[1][0], "Sink against a 50 ms receiver")

    scaling = rows(folder, "scaling")
    for axis, key, fixed, title, xlabel in [
        (axes[1][1], "tenants", ("input_partitions", 4), "Bridge cost by partner topics (topics exist)", "partner topics (tenants)"),
        (axes[1][2], "input_partitions", ("tenants", 10), "Bridge cost by input partitions (topics exist)", "input partitions"),
    ]:
        points = sorted((r for r in scaling if r.get(fixed[0]) == fixed[1] and r.get("topics", "warm") == "warm"), key=lambda r: r[key])
        if not points:
            not_run(axis, title)
            continue
        xs = [r[key] for r in points]
        axis.plot(xs, [r["per_second"] for r in points], marker="o", color="#e4572e", label="events/s")
        axis.set_xscale("log")
        axis.set_xticks(xs, [str(x) for x in xs])
        axis.set_xlabel(xlabel)
        axis.set_ylabel("events/s")
        axis.set_ylim(bottom=0)
        rss = axis.twinx()
        rss.plot(xs, [r["peak_rss_kb"] / 1024 for r in points], marker="s", color="#5b8def", label="peak RSS")
        rss.set_ylabel("peak RSS (MiB)")
        rss.set_ylim(bottom=0)
        axis.set_title(title)
        lines = axis.get_legend_handles_labels()[0] + rss.get_legend_handles_labels()[0]
        axis.legend(lines, [line.get_label() for line in lines], fontsize=8, loc="lower left")

    figure.tight_layout()
    figure.savefig(output, dpi=100)
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
