--[[
  backoffMs: full jitter over min(max, initial * multiplier^(attempt - 1)), the formula
  of backoffMs in src/domain/backoff.ts (a test holds the two to the same results).
  `spec` is the task's field b, or nil for the default policy (DEFAULT_RETRY of
  src/domain/task.ts, included below).
]]
--@include "snippets/shared-defaults.lua"

local function backoffMs(spec, attempt, r)
  local initial, max, multiplier = DEFAULT_RETRY.initial, DEFAULT_RETRY.max, DEFAULT_RETRY.multiplier
  if spec then
    local i, m, x = string.match(spec, '^([^,]+),([^,]+),([^,]+)$')
    initial, max, multiplier = tonumber(i), tonumber(m), tonumber(x)
  end
  local cap = math.min(max, initial * multiplier ^ math.min(attempt - 1, 1000))
  return math.floor(r * cap)
end
