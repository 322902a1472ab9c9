-- wrk script for the HTTP/JSON side of the RPC benchmark: POSTs an EchoRequest as JSON
-- (protobuf JSON mapping: `bytes` travel as base64) and prints one JSON line when done.
--
--   wrk -t1 -c64 -d3s -s bench/rpc/wrk_echo.lua http://127.0.0.1:8080/bench.Echo/Echo -- 16

-- Base64 of `n` zero bytes: "AAAA" per 3 bytes, then "AA==" or "AAA=" for a 1- or 2-byte tail.
local function zero_base64(n)
  local tail = ({[0] = "", [1] = "AA==", [2] = "AAA="})[n % 3]
  return string.rep("AAAA", math.floor(n / 3)) .. tail
end

local payload = 16

function init(args)
  if args[1] then payload = tonumber(args[1]) end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.body = '{"payload":"' .. zero_base64(payload) .. '"}'
end

-- done() runs in wrk's main Lua state, not in the threads' states that init() set up, so
-- the payload size is added by the caller.
function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write +
                 summary.errors.status + summary.errors.timeout
  io.write(string.format(
    '{"impl":"http","window_s":%.3f,"calls":%d,"errors":%d,"qps":%.1f,' ..
    '"p50_us":%.1f,"p90_us":%.1f,"p99_us":%.1f}\n',
    summary.duration / 1e6, summary.requests, errors,
    summary.requests / (summary.duration / 1e6), latency:percentile(50),
    latency:percentile(90), latency:percentile(99)))
end
