#!/usr/bin/env bash
# The RPC benchmark in ONE run: unary echo through micro (typed client -> micro::Service,
# found by name through `micro platform`) against raw gRPC C++ 1.51 (async CQ API, one
# CQ thread each side, minimal_stack), then the HTTP/JSON transport under wrk.
#
#   bench/rpc/run.sh BUILD_DIR [OUT_FILE]        (make bench-rpc does build + run)
#
# Builds nothing: BUILD_DIR/bin must hold micro and the bench-* binaries (make bench).
# Prints a markdown report and writes it to OUT_FILE (default BUILD_DIR/bench-rpc.md);
# the raw JSON lines go next to it (OUT_FILE.jsonl).
#
# Environment (defaults in brackets):
#   PAYLOADS ["16 1024"]  CONCURRENCY ["1 16 64 256"]  WARMUP [1]  DURATION [3]
#   REPEAT [2]   gRPC rounds; every round runs each point raw then micro, alternating
#                which goes first; per side and point the round with the most QPS per
#                CPU-second is reported (the least disturbed by other load).
#   MICRO_GRPC ["grpc://127.0.0.1:0?minimal_stack=1"]  the micro server's gRPC listen URL
#   WRK [1]      0 skips the HTTP/JSON part
#   MICRO_FLAGS ["--metrics.enabled=false --log.access=false --trace.sampler=always_off"]
#                service flags of bench-micro-server: by default the core framework
#                alone, as raw gRPC has no metrics, tracing or access log either (their
#                cost is measured separately, docs/BENCHMARKS.md "Observability")
#
# Every process it starts is stopped by PID on exit.
set -euo pipefail

BUILD=${1:?usage: bench/rpc/run.sh BUILD_DIR [OUT_FILE]}
BIN=$(cd "$BUILD/bin" && pwd)
OUT=${2:-$BUILD/bench-rpc.md}
HERE=$(cd "$(dirname "$0")" && pwd)
PAYLOADS=${PAYLOADS:-"16 1024"}
CONCURRENCY=${CONCURRENCY:-"1 16 64 256"}
WARMUP=${WARMUP:-1}
DURATION=${DURATION:-3}
REPEAT=${REPEAT:-2}
MICRO_GRPC=${MICRO_GRPC:-"grpc://127.0.0.1:0?minimal_stack=1"}
WRK=${WRK:-1}
MICRO_FLAGS=${MICRO_FLAGS:-"--metrics.enabled=false --log.access=false --trace.sampler=always_off"}

for b in micro bench-raw-server bench-raw-client bench-micro-server bench-micro-client; do
  [ -x "$BIN/$b" ] || { echo "missing $BIN/$b: run 'make bench' first" >&2; exit 2; }
done
if [ "$WRK" = 1 ] && ! command -v wrk >/dev/null; then
  echo "wrk not found: install it or run with WRK=0" >&2
  exit 2
fi

. "$(dirname "$0")/../../scripts/lib/processes.sh"
# utime + stime of a process, in clock ticks.
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }

PLATFORM_PORT=$(free_port)
RAW_PORT=$(free_port)
HTTP_PORT=$(free_port)
REGISTRY="platform://127.0.0.1:$PLATFORM_PORT"
RESULTS="$WORK/results.jsonl"
: >"$RESULTS"

echo "== starting micro platform, bench-raw-server and bench-micro-server" >&2
"$BIN/micro" platform --port "$PLATFORM_PORT" >"$WORK/platform.log" 2>&1 </dev/null &
PIDS+=($!)
wait_until 10 "$BIN/micro" services --registry "$REGISTRY"
"$BIN/bench-raw-server" --port "$RAW_PORT" >"$WORK/raw-server.log" 2>&1 </dev/null &
RAW_PID=$!
PIDS+=($RAW_PID)
# shellcheck disable=SC2086 # MICRO_FLAGS is a list of flags
"$BIN/bench-micro-server" --registry "$REGISTRY" --grpc "$MICRO_GRPC" $MICRO_FLAGS \
  --http "http://127.0.0.1:$HTTP_PORT" >"$WORK/micro-server.log" 2>&1 </dev/null &
MICRO_PID=$!
PIDS+=($MICRO_PID)
echo_registered() { "$BIN/micro" services --registry "$REGISTRY" | grep -Eq '^echo +'; }
wait_until 15 echo_registered

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
STARTED=$SECONDS

run_raw() {
  "$BIN/bench-raw-client" --target "127.0.0.1:$RAW_PORT" --server-pid "$RAW_PID" \
    --payload "$1" -c "$2" --warmup "$WARMUP" --duration "$DURATION" | sed "s/^{/{\"round\":$3,/"
}
run_micro() {
  "$BIN/bench-micro-client" --registry "$REGISTRY" --server-pid "$MICRO_PID" \
    --payload "$1" -c "$2" --warmup "$WARMUP" --duration "$DURATION" | sed "s/^{/{\"round\":$3,/"
}

for round in $(seq 1 "$REPEAT"); do
  for payload in $PAYLOADS; do
    for c in $CONCURRENCY; do
      echo "== round $round: payload $payload B, concurrency $c" >&2
      if [ $((round % 2)) = 1 ]; then
        run_raw "$payload" "$c" "$round" >>"$RESULTS"
        run_micro "$payload" "$c" "$round" >>"$RESULTS"
      else
        run_micro "$payload" "$c" "$round" >>"$RESULTS"
        run_raw "$payload" "$c" "$round" >>"$RESULTS"
      fi
    done
  done
done

if [ "$WRK" = 1 ]; then
  URL="http://127.0.0.1:$HTTP_PORT/bench.Echo/Echo"
  HZ=$(getconf CLK_TCK)
  # wrk takes whole seconds.
  wrk_secs() { awk -v s="$1" 'BEGIN { n = int(s + 0.5); print (n < 1 ? 1 : n) }'; }
  for payload in $PAYLOADS; do
    for c in $CONCURRENCY; do
      echo "== wrk: payload $payload B, connections $c" >&2
      wrk -t1 -c"$c" -d"$(wrk_secs "$WARMUP")s" -s "$HERE/wrk_echo.lua" "$URL" -- "$payload" >/dev/null
      before=$(cpu_ticks "$MICRO_PID")
      line=$(wrk -t1 -c"$c" -d"$(wrk_secs "$DURATION")s" -s "$HERE/wrk_echo.lua" "$URL" -- "$payload" |
        grep '^{"impl"')
      after=$(cpu_ticks "$MICRO_PID")
      cpu=$(awk -v a="$after" -v b="$before" -v hz="$HZ" 'BEGIN { printf "%.3f", (a - b) / hz }')
      echo "$line" | sed "s/^{/{\"round\":1,\"payload\":$payload,\"concurrency\":$c,\"server_cpu_s\":$cpu,/" \
        >>"$RESULTS"
    done
  done
fi

LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
ELAPSED=$((SECONDS - STARTED))
cp "$RESULTS" "$OUT.jsonl"

CORES=$(nproc) LOAD_BEFORE="$LOAD_BEFORE" LOAD_AFTER="$LOAD_AFTER" WARMUP="$WARMUP" \
  DURATION="$DURATION" REPEAT="$REPEAT" ELAPSED="$ELAPSED" MICRO_GRPC="$MICRO_GRPC" \
  python3 "$HERE/report.py" rpc "$RESULTS" "$OUT"
echo "(written to $OUT and $OUT.jsonl)" >&2
