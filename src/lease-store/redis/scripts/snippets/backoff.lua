--[[
  backoffMs: full jitter over min(max, initial * multiplier^(attempt - 1)), the formula
  of backoffMs in store-options.ts. `spec` is the task's field b, or nil for the default
  policy (DEFAULT_RETRY in src/domain/task.ts: 1 s initial, 5 min max, multiplier 2).
]]
local function backoffMs(spec, attempt, r)
  local initial, max, multiplier = 1000, 300000, 2
  if spec then
    local i, m, x = string.match(spec, '^([^,]+),([^,]+),([^,]+)$')
    initial, max, multiplier = tonumber(i), tonumber(m), tonumber(x)
  end
  local cap = math.min(max, initial * multiplier ^ (attempt - 1))
  return math.floor(r * cap)
end
