#!/usr/bin/env bash
# Where the CPU goes, in instructions per call — deterministic, unlike timings on a busy
# machine. Runs each process of interest under `valgrind --tool=callgrind` while its peer
# runs natively, zeroes the counters after a warmup, dumps them after a few seconds of
# load, and divides the instructions by the calls counted in the profile (one
# EchoRequest/EchoReply parse per call).
#
#   bench/rpc/callgrind.sh BUILD_DIR [OUT_DIR]      (PAYLOAD=16 CONC=16 by default)
#
# Profiles: the raw server and the micro server, both driven by the raw client (the same
# request bytes), and the clients: raw as bench-raw-client runs it (minimal_stack, no
# deadline), raw configured like micro's channel (full filter stack, 10 s deadline), that
# with gRPC's retry filter off (as micro's channels have it), and micro's typed client with
# its default 10 s timeout and without any deadline. callgrind files stay in OUT_DIR for
# callgrind_annotate. PROFILES="micro-server micro-client" runs only the profiles named.
set -euo pipefail

BUILD=${1:?usage: bench/rpc/callgrind.sh BUILD_DIR [OUT_DIR]}
BIN=$(cd "$BUILD/bin" && pwd)
OUT=${2:-$(mktemp -d)}
mkdir -p "$OUT"
PAYLOAD=${PAYLOAD:-16}
# As in run.sh: the micro server without metrics, tracing and access log by default.
MICRO_FLAGS=${MICRO_FLAGS:-"--metrics.enabled=false --log.access=false --trace.sampler=always_off"}
# Extra flags of the micro client's profile (e.g. "--config bench/rpc/governance.yaml").
CLIENT_FLAGS=${CLIENT_FLAGS:-}
CONC=${CONC:-16}
command -v valgrind >/dev/null || { echo "valgrind is needed" >&2; exit 2; }

# Processes running now (the platform, and the pair being profiled); stopped on exit.
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_until() {
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then echo "timed out waiting for: $*" >&2; return 1; fi
    sleep 0.2
  done
}
PLATFORM_PID=
stop() {
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  PIDS=($PLATFORM_PID)  # only the platform outlives a profile
}

# Instructions per call in a callgrind dump: total Ir / calls to a function matching $2.
per_call() {
  python3 - "$1" "$2" <<'EOF'
import re, sys
names, total, calls, cfn = {}, 0, 0, ""
for line in open(sys.argv[1], errors="replace"):
    m = re.match(r"^(c?fn)=\((\d+)\)(?: (.*))?$", line.rstrip("\n"))
    if m:
        if m.group(3): names[m.group(2)] = m.group(3)
        if m.group(1) == "cfn": cfn = names.get(m.group(2), "")
    elif line.startswith("calls=") and sys.argv[2] in cfn:
        calls += int(line[6:].split()[0])
    elif line.startswith(("summary:", "totals:")):
        total = int(line.split()[1])
print("%d %d" % (total // calls if calls else 0, calls))
EOF
}

PLATFORM_PORT=$(free_port)
REGISTRY="platform://127.0.0.1:$PLATFORM_PORT"
"$BIN/micro" platform --port "$PLATFORM_PORT" >"$OUT/platform.log" 2>&1 </dev/null &
PLATFORM_PID=$!
PIDS=($PLATFORM_PID)
wait_until 10 "$BIN/micro" services --registry "$REGISTRY"

RESULTS=()
# profile NAME PARSE_FUNCTION VALGRIND_CMD... -- LOAD_CMD...
# Starts the profiled process, then the load (which must run >= 10 s), profiles seconds 6-11.
profile() {
  local name=$1 fn=$2; shift 2
  local target=() load=()
  while [ "$1" != "--" ]; do target+=("$1"); shift; done
  shift
  load=("$@")
  if [ -n "${PROFILES:-}" ] && [[ " $PROFILES " != *" $name "* ]]; then return 0; fi
  echo "== callgrind: $name" >&2
  rm -f "$OUT/$name".*
  local vpid lpid
  if [ "${PROFILE_LOAD:-0}" = 1 ]; then  # profile the load generator, the target runs natively
    "${target[@]}" >"$OUT/$name.peer.log" 2>&1 </dev/null &
    vpid=$!
    PIDS+=($vpid)
    sleep 1.5
    valgrind --tool=callgrind --callgrind-out-file="$OUT/$name.%p" "${load[@]}" \
      >"$OUT/$name.load.json" 2>"$OUT/$name.valgrind.log" &
    lpid=$!
    PIDS+=($lpid)
    local prof=$lpid
  else
    valgrind --tool=callgrind --callgrind-out-file="$OUT/$name.%p" "${target[@]}" \
      >"$OUT/$name.peer.log" 2>"$OUT/$name.valgrind.log" </dev/null &
    vpid=$!
    PIDS+=($vpid)
    sleep 6
    "${load[@]}" >"$OUT/$name.load.json" 2>/dev/null &
    lpid=$!
    PIDS+=($lpid)
    local prof=$vpid
  fi
  sleep 6
  callgrind_control -z "$prof" >/dev/null
  sleep 5
  callgrind_control -d "$prof" >/dev/null
  wait "$lpid" || true
  stop "$vpid"
  local dump
  dump=$(ls "$OUT/$name".*.1 2>/dev/null | head -1)
  [ -n "$dump" ] || { echo "no dump for $name (see $OUT/$name.valgrind.log)" >&2; return 1; }
  RESULTS+=("$name $(per_call "$dump" "$fn")")
}

RAW_PORT=$(free_port)
MICRO_PORT=$(free_port)
LOAD=(--payload "$PAYLOAD" -c "$CONC" --warmup 4 --duration 8)

profile raw-server "EchoRequest::_InternalParse" \
  "$BIN/bench-raw-server" --port "$RAW_PORT" -- \
  "$BIN/bench-raw-client" --target "127.0.0.1:$RAW_PORT" "${LOAD[@]}"
profile micro-server "EchoRequest::_InternalParse" \
  "$BIN/bench-micro-server" --registry "$REGISTRY" --http "" $MICRO_FLAGS \
  --grpc "grpc://127.0.0.1:$MICRO_PORT?minimal_stack=1" -- \
  "$BIN/bench-raw-client" --target "127.0.0.1:$MICRO_PORT" "${LOAD[@]}"

export PROFILE_LOAD=1
profile raw-client "EchoReply::_InternalParse" \
  "$BIN/bench-raw-server" --port "$RAW_PORT" -- \
  "$BIN/bench-raw-client" --target "127.0.0.1:$RAW_PORT" "${LOAD[@]}"
profile raw-client-fullstack-deadline "EchoReply::_InternalParse" \
  "$BIN/bench-raw-server" --port "$RAW_PORT" -- \
  "$BIN/bench-raw-client" --target "127.0.0.1:$RAW_PORT" "${LOAD[@]}" \
  --channel-arg grpc.minimal_stack=0 --timeout-ms 10000
profile raw-client-fullstack-deadline-noretry "EchoReply::_InternalParse" \
  "$BIN/bench-raw-server" --port "$RAW_PORT" -- \
  "$BIN/bench-raw-client" --target "127.0.0.1:$RAW_PORT" "${LOAD[@]}" \
  --channel-arg grpc.minimal_stack=0 --channel-arg grpc.enable_retries=0 --timeout-ms 10000
profile micro-client "EchoReply::_InternalParse" \
  "$BIN/bench-micro-server" --registry "$REGISTRY" --http "" $MICRO_FLAGS \
  --grpc "grpc://127.0.0.1:$MICRO_PORT?minimal_stack=1" -- \
  "$BIN/bench-micro-client" --registry "$REGISTRY" "${LOAD[@]}" $CLIENT_FLAGS
profile micro-client-no-deadline "EchoReply::_InternalParse" \
  "$BIN/bench-micro-server" --registry "$REGISTRY" --http "" $MICRO_FLAGS \
  --grpc "grpc://127.0.0.1:$MICRO_PORT?minimal_stack=1" -- \
  "$BIN/bench-micro-client" --registry "$REGISTRY" "${LOAD[@]}" --default-timeout-ms 0

{
  echo "payload $PAYLOAD B, concurrency $CONC; instructions (Ir) per call, callgrind"
  echo ""
  echo "| process | Ir per call | calls profiled |"
  echo "|---|---:|---:|"
  for r in "${RESULTS[@]}"; do
    set -- $r
    echo "| $1 | $2 | $3 |"
  done
} | tee "$OUT/summary.md"
echo "(callgrind files in $OUT)" >&2
