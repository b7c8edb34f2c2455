--[[
  Backoff jitter. The store passes one seed in [0, 1) drawn from its `random` option;
  the script draws as many numbers as its backoffs need from a generator seeded with it,
  so no call ever runs out and none needs a second round trip. The first draw is the
  seed itself, later ones come from a Lehmer generator (Park and Miller's minimal
  standard, multiplier 48271 modulo 2^31 - 1) whose every step is exact in a double.
  jitter-generator.ts mirrors it, so tests with a fixed `random` still predict every
  backoff.
]]
local RANDOM_MODULUS = 2147483647
local randomSeed = 0
local randomState = 1
local randomDraws = 0

local function seedRandom(seed)
  randomSeed = seed
  randomState = 1 + math.floor(seed * (RANDOM_MODULUS - 1))
  randomDraws = 0
end

local function nextRandom()
  randomDraws = randomDraws + 1
  if randomDraws == 1 then
    return randomSeed
  end
  randomState = math.fmod(randomState * 48271, RANDOM_MODULUS)
  return (randomState - 1) / (RANDOM_MODULUS - 1)
end

-- Takes ARGV[at] as the seed of this call's random numbers; returns the index of the
-- first argument after it.
local function takeRandomSeed(at)
  seedRandom(tonumber(ARGV[at]))
  return at + 1
end
