--[[
  The store clock in milliseconds: the value the store passed (its `clock` option, so a
  fake clock drives every time-based decision in tests), or else Redis's own TIME, so
  every replica agrees on one clock.
]]
local function resolveNow(arg)
  if arg ~= nil and arg ~= '' then
    return tonumber(arg)
  end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
