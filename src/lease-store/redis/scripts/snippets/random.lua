--[[
  Backoff jitter. The store passes uniform numbers in [0, 1) from its `random` option;
  draws past those continue as a Weyl sequence over them, so results never depend on
  the seeding of Lua's math.random. Call setRandoms once before the first draw.
]]
local givenRandoms = {}
local randomDraws = 0

local function setRandoms(list)
  givenRandoms = list
end

local function nextRandom()
  randomDraws = randomDraws + 1
  local given = #givenRandoms
  if randomDraws <= given then
    return givenRandoms[randomDraws]
  end
  local base = 0.5
  if given > 0 then
    base = givenRandoms[((randomDraws - 1) % given) + 1]
  end
  local x = base + randomDraws * 0.6180339887498949
  return x - math.floor(x)
end
