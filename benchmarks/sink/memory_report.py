#!/usr/bin/env python3
"""Writes benchmarks/results/sink-memory.md from one run of benchmarks/sink/memory.sh: its JSON
line (result.json) and the receiver's check (check.txt) in OUT, with the run's settings."""
import json
import pathlib
import sys

out, payments, build, machine = pathlib.Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
run = json.loads((out / "result.json").read_text().strip().splitlines()[-1])
check = (out / "check.txt").read_text().strip()
rate, seconds, factor, records = run["rate"], run["seconds"], run["clock_factor"], run["records"]


def number(value):
    return f"{value:,}".replace(",", " ")


samples = run["samples"]
load = [s for s in samples if s[0] <= seconds]
start_rss = samples[0][1] if samples else 0
parked_start = next((s[2] for s in load if s[0] >= 30), 0)
parked_end = load[-1][2] if load else 0
every30 = ", ".join(f"{s[0]} {s[1]} {s[2]}" for s in samples if s[0] % 30 == 0)
command = f"RATE={rate} SECONDS={seconds} FACTOR={factor:g} PAYMENTS={payments} benchmarks/sink/memory.sh"
lines = [
    f"Webhook sink memory under a partner failing a random third of its requests (`{command}`, {build} build, "
    f"Tansu, loopback nginx answering 503 to a random third until the load ends, then 200; the service's retry "
    f"schedule on a clock {factor:g}× faster: {run['simulated_hours']:g} simulated hour(s); {machine}).",
    "",
    "| what | figure |",
    "|---|---|",
    f"| events | {number(records)} at {number(rate)}/s for {seconds} s ({number(payments)} payments) |",
    f"| requests | {number(run['attempts'])} ({number(run['retries'])} retries scheduled) |",
    f"| resident memory | {start_rss} MiB at start; {run['rss_settled_min_mib']}–{run['rss_settled_max_mib']} MiB "
    f"after the first minute of the load (peak {run['rss_peak_mib']} MiB) |",
    f"| records parked in memory | {number(parked_start)} at 30 s → {number(parked_end)} at the end of the load, "
    f"peak {number(run['parked_peak'])} |",
    f"| after the load | the receiver healed; the last parked records delivered {run['drain_seconds']} s later |",
    f"| delivered | {number(run['delivered'])}, dead-lettered {number(run['dead_lettered'])} |",
    f"| receiver's check | {check.removeprefix('receiver: ')} |",
    "",
    f"Resident memory every 30 s (s, MiB, parked): {every30}",
]
(pathlib.Path(__file__).resolve().parents[1] / "results" / "sink-memory.md").write_text("\n".join(lines) + "\n")
