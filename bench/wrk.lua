-- wrk script of bench/measure.ts: replays the requests of a file (one a line:
-- method TAB path TAB header:value ... TAB body), cycling when exhausted, and prints one JSON line.
local reqs, n, i = {}, 0, 0

local function split(s)
  local t, start = {}, 1
  while true do
    local j = string.find(s, "\t", start, true)
    if not j then t[#t + 1] = string.sub(s, start); return t end
    t[#t + 1] = string.sub(s, start, j - 1)
    start = j + 1
  end
end

function init(args)
  for line in io.lines(args[1]) do
    local p = split(line)
    local headers = {}
    for k = 3, #p - 1 do
      local c = string.find(p[k], ":", 1, true)
      headers[string.sub(p[k], 1, c - 1)] = string.sub(p[k], c + 1)
    end
    local body = p[#p]
    if body == "" then body = nil end
    n = n + 1
    reqs[n] = wrk.format(p[1], p[2], headers, body)
  end
end

function request()
  i = i + 1
  if i > n then i = 1 end
  return reqs[i]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests":%d,"durationUs":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50Us":%.1f,"p99Us":%.1f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout, latency:percentile(50), latency:percentile(99)))
end
