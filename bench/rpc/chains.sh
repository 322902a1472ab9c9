#!/usr/bin/env bash
# What the middleware chains cost, in ONE run: the same micro echo server four times,
# each driven by bench-micro-client in turn —
#   off        no metrics, no tracing, no governance (the core framework)
#   sample1    metrics + tracing at 1% sampling, spans exported as OTLP/HTTP JSON to the
#              platform's trace store
#   sample100  metrics + tracing at 100% sampling
#   governance the full default governance chain on client and server (bench/rpc/
#              governance.yaml: method breaker, retry with budget, endpoint breaker,
#              outlier ejection, p2c_ewma; shedder, bulkhead, rate limit), no metrics/tracing
#
#   bench/rpc/chains.sh BUILD_DIR [OUT_FILE]      (make bench-chains)
#
# Reports per configuration QPS, p50/p99 and CPU-seconds of client and server, and the
# QPS-per-CPU-second ratio against "off" (targets: >= 0.97 at 100% sampling, >= 0.99 at
# 1%, >= 0.95 with governance).
# Environment: PAYLOAD [16]  CONCURRENCY ["16 64"]  WARMUP [1]  DURATION [3]  REPEAT [2]
# Every process it starts is stopped by PID on exit.
set -euo pipefail

BUILD=${1:?usage: bench/rpc/observability.sh BUILD_DIR [OUT_FILE]}
BIN=$(cd "$BUILD/bin" && pwd)
OUT=${2:-$BUILD/bench-chains.md}
HERE=$(cd "$(dirname "$0")" && pwd)
PAYLOAD=${PAYLOAD:-16}
CONCURRENCY=${CONCURRENCY:-"16 64"}
WARMUP=${WARMUP:-1}
DURATION=${DURATION:-3}
REPEAT=${REPEAT:-2}

for b in micro bench-micro-server bench-micro-client; do
  [ -x "$BIN/$b" ] || { echo "missing $BIN/$b: run 'make bench' first" >&2; exit 2; }
done
. "$(dirname "$0")/../../scripts/lib/processes.sh"

PLATFORM_PORT=$(free_port)
REGISTRY="platform://127.0.0.1:$PLATFORM_PORT"
RESULTS="$WORK/results.jsonl"
: >"$RESULTS"
"$BIN/micro" platform --port "$PLATFORM_PORT" >"$WORK/platform.log" 2>&1 </dev/null &
PIDS+=($!)
wait_until 10 "$BIN/micro" services --registry "$REGISTRY"

# name -> service flags. The access log stays off everywhere: it is logging, not metrics,
# tracing or governance, and would dominate (one formatted line per call).
declare -A FLAGS=(
  [off]="--metrics.enabled=false --trace.sampler=always_off"
  [sample1]="--metrics.enabled=true --trace.sampler=parentbased_traceidratio --trace.ratio=0.01 --trace.endpoint=http://127.0.0.1:$PLATFORM_PORT"
  [sample100]="--metrics.enabled=true --trace.sampler=always_on --trace.endpoint=http://127.0.0.1:$PLATFORM_PORT"
  [governance]="--metrics.enabled=false --trace.sampler=always_off --config $HERE/governance.yaml"
)
declare -A CLIENT_FLAGS=([governance]="--config $HERE/governance.yaml")
CONFIGS=(off sample1 sample100 governance)
declare -A SERVER_PID
for cfg in "${CONFIGS[@]}"; do
  # shellcheck disable=SC2086 # FLAGS holds a list of flags
  "$BIN/bench-micro-server" --registry "$REGISTRY" --name "echo-$cfg" --http "" \
    --grpc "grpc://127.0.0.1:0?minimal_stack=1" --log.access=false ${FLAGS[$cfg]} \
    >"$WORK/server-$cfg.log" 2>&1 </dev/null &
  SERVER_PID[$cfg]=$!
  PIDS+=($!)
done
registered() { "$BIN/micro" services --registry "$REGISTRY" | grep -Eq "^echo-$1 +"; }
for cfg in "${CONFIGS[@]}"; do wait_until 15 registered "$cfg"; done

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
STARTED=$SECONDS
for round in $(seq 1 "$REPEAT"); do
  for c in $CONCURRENCY; do
    order=("${CONFIGS[@]}")
    [ $((round % 2)) = 0 ] && order=(governance sample100 sample1 off)  # alternate who goes first
    for cfg in "${order[@]}"; do
      echo "== round $round: concurrency $c, $cfg" >&2
      # shellcheck disable=SC2086 # CLIENT_FLAGS holds a list of flags
      "$BIN/bench-micro-client" --registry "$REGISTRY" --service "echo-$cfg" ${CLIENT_FLAGS[$cfg]:-} \
        --server-pid "${SERVER_PID[$cfg]}" --payload "$PAYLOAD" -c "$c" \
        --warmup "$WARMUP" --duration "$DURATION" |
        sed "s/^{/{\"round\":$round,\"config\":\"$cfg\",/" >>"$RESULTS"
    done
  done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
ELAPSED=$((SECONDS - STARTED))
cp "$RESULTS" "$OUT.jsonl"

CORES=$(nproc) LOAD_BEFORE="$LOAD_BEFORE" LOAD_AFTER="$LOAD_AFTER" WARMUP="$WARMUP" \
  DURATION="$DURATION" REPEAT="$REPEAT" ELAPSED="$ELAPSED" PAYLOAD="$PAYLOAD" \
  python3 "$HERE/report.py" chains "$RESULTS" "$OUT"
