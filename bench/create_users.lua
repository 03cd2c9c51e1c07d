-- wrk script for the closed-loop phases of scripts/bench: POST /users with a
-- name no other request of any run uses ("<prefix>-<thread>-<counter>"), so
-- every answer should be a 201, and a summary line with answers by status.
--
--   BENCH_PREFIX=bench-<run>-c64 wrk -t2 -c64 -d60s -s bench/create_users.lua \
--     http://127.0.0.1:18180/users
--
-- The last line of output is "BENCHJSON {...}" for scripts/bench to parse.
-- With BENCH_PATH=/healthz it sends GETs instead (the HTTP floor).

local prefix = os.getenv("BENCH_PREFIX") or ("wrk-" .. os.time())
local path = os.getenv("BENCH_PATH") or "/users"
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  -- Per thread (each has its own Lua state): names stay unique across
  -- threads through the thread id, across connections through the counter.
  counter = 0
  statuses = {}
  if path == "/healthz" then
    get_request = wrk.format("GET", path)
  end
end

function request()
  if get_request then
    return get_request
  end
  counter = counter + 1
  local body = string.format('{"name":"%s-%d-%d"}', prefix, id, counter)
  return wrk.format("POST", path, { ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
end

function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses")
    for code, n in pairs(counts) do
      merged[code] = (merged[code] or 0) + n
    end
  end
  local parts = {}
  for code, n in pairs(merged) do
    table.insert(parts, string.format('"%s":%d', code, n))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"tool":"wrk","path":"%s","duration_s":%.3f,"requests":%d,' ..
    '"statuses":{%s},"errors":{"connect":%d,"read":%d,"write":%d,' ..
    '"status":%d,"timeout":%d},"latency_ms":{"p50":%.3f,"p90":%.3f,' ..
    '"p99":%.3f,"p999":%.3f,"max":%.3f,"mean":%.3f}}\n',
    path, summary.duration / 1e6, summary.requests, table.concat(parts, ","),
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency:percentile(99.9) / 1000,
    latency.max / 1000, latency.mean / 1000))
end
