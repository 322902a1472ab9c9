#!/usr/bin/env python3
"""Markdown reports of the RPC benchmarks (bench/rpc/run.sh and bench/rpc/chains.sh).

    report.py rpc RESULTS.jsonl OUT.md       raw gRPC vs micro (+ the HTTP/JSON part)
    report.py chains RESULTS.jsonl OUT.md    micro with each middleware configuration

RESULTS holds one JSON object per measured point (the load generators' output plus what
the script added: round, payload/config, client and server CPU seconds). Per point, the
round with the most calls per CPU-second is reported: the one least disturbed by other
load on the machine. The run's facts for the first line come from the environment:
CORES, LOAD_BEFORE, LOAD_AFTER, WARMUP, DURATION, REPEAT, ELAPSED (and PAYLOAD for chains,
MICRO_GRPC for rpc). The report is printed and written to OUT.
"""
import json
import math
import os
import sys


def efficiency(r):
    """Calls per CPU-second of client and server together, over the measured window."""
    cpu = r["client_cpu_s"] + r["server_cpu_s"]
    return r["qps"] * r["window_s"] / cpu if cpu > 0 else 0.0


def best_rounds(rows, key):
    best = {}
    for r in rows:
        k = key(r)
        if k not in best or efficiency(r) > efficiency(best[k]):
            best[k] = r
    return best


def run_line(extra=""):
    e = os.environ
    return ("machine: %s cores, load average before %s, after %s;%s %s s warmup + %s s "
            "measured per point; %s round(s), the round with the most QPS per CPU-second "
            "reported; run took %s s." % (e["CORES"], e["LOAD_BEFORE"], e["LOAD_AFTER"], extra,
                                          e["WARMUP"], e["DURATION"], e["REPEAT"],
                                          e["ELAPSED"]))


def ratio(a, b):
    return a / b if b else 0.0


def rpc_report(rows):
    grpc = [r for r in rows if r["impl"] != "http"]
    https = sorted((r for r in rows if r["impl"] == "http"),
                   key=lambda r: (r["payload"], r["concurrency"]))
    best = best_rounds(grpc, lambda r: (r["impl"], r["payload"], r["concurrency"]))
    points = sorted({(p, c) for (_, p, c) in best})
    out = [run_line(), "micro server gRPC listen URL: `%s`." % os.environ["MICRO_GRPC"], "",
           "### gRPC unary echo: raw gRPC C++ vs micro", "",
           "| payload | conc | impl | QPS | p50 µs | p99 µs | client CPU-s | server CPU-s "
           "| QPS per CPU-s | errors |",
           "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for p, c in points:
        for impl in ("raw", "micro"):
            r = best.get((impl, p, c))
            if r:
                out.append("| %d | %d | %s | %.0f | %.0f | %.0f | %.2f | %.2f | %.0f | %d |" % (
                    p, c, impl, r["qps"], r["p50_us"], r["p99_us"], r["client_cpu_s"],
                    r["server_cpu_s"], efficiency(r), r["errors"]))
    out += ["", "### micro / raw (target: QPS per CPU-s >= 0.95, p99 <= 1.10)", "",
            "| payload | conc | QPS | QPS per CPU-s | p50 | p99 | meets target |",
            "|---:|---:|---:|---:|---:|---:|---|"]
    effs = []
    for p, c in points:
        raw, mic = best.get(("raw", p, c)), best.get(("micro", p, c))
        if not raw or not mic:
            continue
        e = ratio(efficiency(mic), efficiency(raw))
        p99 = ratio(mic["p99_us"], raw["p99_us"])
        effs.append(e)
        out.append("| %d | %d | %.2f | %.2f | %.2f | %.2f | %s |" % (
            p, c, ratio(mic["qps"], raw["qps"]), e, ratio(mic["p50_us"], raw["p50_us"]), p99,
            "yes" if e >= 0.95 and p99 <= 1.10 else "no"))
    if effs:
        geo = math.exp(sum(math.log(x) for x in effs) / len(effs))
        out += ["", "Geometric mean of micro/raw QPS per CPU-second over all points: %.2f." % geo]
    if https:
        out += ["", "### HTTP/JSON transport under wrk (micro server, `wrk -t1`)", "",
                "| payload | conns | QPS | p50 µs | p90 µs | p99 µs | server CPU-s "
                "| QPS per server CPU-s | errors |",
                "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for r in https:
            e = ratio(r["qps"] * r["window_s"], r["server_cpu_s"])
            out.append("| %d | %d | %.0f | %.0f | %.0f | %.0f | %.2f | %.0f | %d |" % (
                r["payload"], r["concurrency"], r["qps"], r["p50_us"], r["p90_us"], r["p99_us"],
                r["server_cpu_s"], e, r["errors"]))
    return out


def chains_report(rows):
    best = best_rounds(rows, lambda r: (r["config"], r["concurrency"]))
    out = [run_line(" payload %s B;" % os.environ["PAYLOAD"]), "",
           "| conc | config | QPS | p50 µs | p99 µs | client CPU-s | server CPU-s "
           "| QPS per CPU-s | vs off | errors |",
           "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for c in sorted({k[1] for k in best}):
        base = best.get(("off", c))
        for cfg in ("off", "sample1", "sample100", "governance"):
            r = best.get((cfg, c))
            if r:
                out.append("| %d | %s | %.0f | %.0f | %.0f | %.2f | %.2f | %.0f | %.3f | %d |" % (
                    c, cfg, r["qps"], r["p50_us"], r["p99_us"], r["client_cpu_s"],
                    r["server_cpu_s"], efficiency(r),
                    ratio(efficiency(r), efficiency(base)) if base else 0, r["errors"]))
    return out


def main():
    kind, results, out_path = sys.argv[1:4]
    rows = [json.loads(line) for line in open(results) if line.strip()]
    lines = {"rpc": rpc_report, "chains": chains_report}[kind](rows)
    text = "\n".join(lines) + "\n"
    with open(out_path, "w") as f:
        f.write(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
