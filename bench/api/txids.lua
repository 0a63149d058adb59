-- Requests GET PREFIX<txid>SUFFIX for each line of the file TXIDS in turn,
-- so every request reads a different stored transaction. With RATE and
-- CONNS set, each connection is paced as in rate.lua.
local file = os.getenv("TXIDS")
local prefix = os.getenv("PREFIX") or "/"
local suffix = os.getenv("SUFFIX") or ""
local rate = tonumber(os.getenv("RATE") or "0")
local conns = tonumber(os.getenv("CONNS") or "1")
local txids = {}
for line in io.lines(file) do
  txids[#txids + 1] = line
end
local i = 0

function setup(thread)
  -- Threads start at different places in the list.
  thread:set("i", math.random(#txids))
end

function request()
  i = i % #txids + 1
  return wrk.format(nil, prefix .. txids[i] .. suffix)
end

if rate > 0 then
  local gap_ms = math.floor(1000.0 * conns / rate + 0.5)
  function delay()
    return gap_ms
  end
end
