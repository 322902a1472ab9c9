#!/usr/bin/env bash
# The helloworld demo on embedded defaults: starts `micro platform`, two greeter
# instances, calls them by name (typed client, then `micro call` over HTTP/JSON), prints
# the answers, and stops everything it started (by PID).
#
#   examples/helloworld/demo.sh [BUILD_DIR]
set -euo pipefail
BUILD=${1:-build}
BIN=$(cd "$BUILD/bin" && pwd)
. "$(dirname "$0")/../../scripts/lib/processes.sh"

PORT=$(free_port)
REGISTRY="platform://127.0.0.1:$PORT"
echo "== starting micro platform on 127.0.0.1:$PORT"
"$BIN/micro" platform --port "$PORT" >"$WORK/platform.log" 2>&1 </dev/null &
PIDS+=($!)
wait_until 10 "$BIN/micro" services --registry "$REGISTRY"

for i in 1 2; do
  echo "== starting greeter instance $i"
  "$BIN/helloworld-server" --registry "$REGISTRY" --id "greeter-$i" >"$WORK/greeter-$i.log" 2>&1 </dev/null &
  PIDS+=($!)
done
two_greeters() { "$BIN/micro" services --registry "$REGISTRY" | grep -Eq '^greeter +[^ ]+ +2 '; }
wait_until 15 two_greeters
"$BIN/micro" services --registry "$REGISTRY"

echo "== typed client, calling \"greeter\" by name"
"$BIN/helloworld-client" --registry "$REGISTRY" --name Alice --count 4

echo "== micro call (HTTP/JSON, no stubs)"
"$BIN/micro" call --registry "$REGISTRY" greeter helloworld.Greeter/SayHello '{"name":"Bob"}'

echo "== micro health greeter"
"$BIN/micro" health --registry "$REGISTRY" greeter

echo "== stopping (SIGTERM: deregister, drain, exit 0)"
for pid in "${PIDS[@]:1}"; do kill -TERM "$pid"; done
for pid in "${PIDS[@]:1}"; do wait "$pid"; echo "greeter pid $pid exited with $?"; done
PIDS=("${PIDS[0]}")
echo "demo finished"
