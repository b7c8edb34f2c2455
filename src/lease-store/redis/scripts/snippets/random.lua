--[[
  Backoff jitter. The store passes uniform numbers in [0, 1) drawn from its `random`
  option, one per backoff the script may compute, so results never depend on the seeding
  of Lua's math.random and a test's fixed `random` fully decides them. Running out is a
  bug of the caller: the script fails rather than invent numbers.
]]
local givenRandoms = {}
local randomDraws = 0

local function setRandoms(list)
  givenRandoms = list
end

local function randomsLeft()
  return #givenRandoms - randomDraws
end

local function nextRandom()
  randomDraws = randomDraws + 1
  local r = givenRandoms[randomDraws]
  if r == nil then
    error('codeq: script ran out of random numbers for backoff jitter')
  end
  return r
end

-- Takes ARGV[at] = R and the R numbers after it as the random numbers to draw from;
-- returns the index of the first argument after them.
local function takeRandoms(at)
  local count = tonumber(ARGV[at])
  local list = {}
  for i = 1, count do
    list[i] = tonumber(ARGV[at + i])
  end
  setRandoms(list)
  return at + count + 1
end
