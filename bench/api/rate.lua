-- Paces each wrk connection to a fixed request rate, so latency can be read
-- at a chosen load (wrk alone always runs flat out). Set the total rate and
-- the connection count through the environment: RATE (req/s), CONNS.
local rate = tonumber(os.getenv("RATE") or "1000")
local conns = tonumber(os.getenv("CONNS") or "16")
-- wrk truncates the delay to whole milliseconds: keep it >= a few ms.
local gap_ms = math.floor(1000.0 * conns / rate + 0.5)

function delay()
  return gap_ms
end
