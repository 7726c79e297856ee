#!/usr/bin/env python3
"""Writes docs/benchmarks.md: benchmarks/benchmarks.md.in with each {{name.md}} replaced by
benchmarks/results/name.md. With --check, writes nothing and exits 1 (saying which) when
docs/benchmarks.md is not what it would write, so that results are never copied by hand."""
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parent.parent
template = (root / "benchmarks" / "benchmarks.md.in").read_text()


def result(match):
    path = root / "benchmarks" / "results" / match.group(1)
    if not path.exists():
        return f"(no results yet: run the benchmark to write `benchmarks/results/{match.group(1)}`)"
    return path.read_text().strip()


generated = re.sub(r"\{\{([\w.-]+\.md)\}\}", result, template)
target = root / "docs" / "benchmarks.md"
if "--check" in sys.argv[1:]:
    if not target.exists() or target.read_text() != generated:
        print("docs/benchmarks.md differs from benchmarks/results/ and its template; run benchmarks/report.py")
        sys.exit(1)
    print("docs/benchmarks.md matches benchmarks/results/")
else:
    target.write_text(generated)
