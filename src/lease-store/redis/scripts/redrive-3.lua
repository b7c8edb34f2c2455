--[[
  redrive: DEAD tasks of one queue become PENDING again (a fresh sequence number, at the
  back of their priority) with their attempts reset, a note added to their history, and
  their hash kept for good again (no TTL). Named tasks that are not DEAD, or past their
  retention, are skipped. Without ids it takes the first `limit` members of the dead set
  (oldest deaths first); every member it examines leaves the set, so call again until it
  examines fewer than `limit`.

  KEYS[1] ready ZSET     KEYS[2] dead ZSET     KEYS[3] sequence counter
  ARGV[1] task hash prefix
  ARGV[2] wake channel   ARGV[3] store instance id   ARGV[4] queue name
  ARGV[5] now (ms) or '' for Redis TIME
  ARGV[6] retention of DEAD tasks (ms)
  ARGV[7] note: the first words of the history line (' after N attempts' is appended)
  ARGV[8] limit when no ids are given
  ARGV[9..] task ids; none means every DEAD task, `limit` per call

  Returns { redriven, examined }. Publishes a wake-up when a task became PENDING.
]]
--@include "snippets/now.lua"
--@include "snippets/layout.lua"
--@include "snippets/chunks.lua"
--@include "snippets/finish.lua"
--@include "snippets/wake.lua"

local ready, dead, seqKey, taskPrefix = KEYS[1], KEYS[2], KEYS[3], ARGV[1]
local now = resolveNow(ARGV[5])
local deadRetentionMs = tonumber(ARGV[6])
local note = ARGV[7]

local ids = {}
for i = 9, #ARGV do
  ids[#ids + 1] = ARGV[i]
end
if #ids == 0 then
  ids = redis.call('ZRANGE', dead, 0, tonumber(ARGV[8]) - 1)
end

-- Reads a chunked field whole (chunks.lua splits values over 64 bytes).
local function readChunked(key, name)
  local names = { name }
  for i = 1, MAX_CHUNKS - 1 do
    names[#names + 1] = name .. i
  end
  local parts = redis.call('HMGET', key, unpack(names))
  local text = ''
  for i = 1, #parts do
    if parts[i] then
      text = text .. parts[i]
    end
  end
  return text
end

local redriven = 0
for _, id in ipairs(ids) do
  local taskKey = taskPrefix .. id
  local v = redis.call('HMGET', taskKey, 's', 'f', 'a', 'y')
  if v[1] == 'D' and not isGone('D', v[2], now, deadRetentionMs, deadRetentionMs) then
    local line = note .. ' after ' .. (v[3] or '0') .. ' attempts'
    local history = readChunked(taskKey, 'v')
    if history ~= '' then
      line = history .. '\n' .. line
    end
    replaceChunked(taskKey, 'v', line)
    local seq = redis.call('INCR', seqKey)
    redis.call('HDEL', taskKey, 'f', 'a')
    redis.call('HSET', taskKey, 's', 'P', 'n', seq)
    redis.call('PERSIST', taskKey)
    redis.call('ZADD', ready, readyScore(tonumber(v[4] or '0'), seq), id)
    redriven = redriven + 1
  end
  -- Either way no DEAD task within its retention is behind the member any more.
  redis.call('ZREM', dead, id)
end
if redriven > 0 then
  wake(ARGV[2], ARGV[3], ARGV[4])
end
return { redriven, #ids }
