--[[
  redrive: DEAD tasks of one queue become PENDING again (a fresh sequence number, at the
  back of their priority) with their attempts reset, a note added to their history (which
  keeps its last MAX_HISTORY_ENTRIES notes), and their hash kept for good again (no TTL).
  Named tasks that are not DEAD, or past their retention, are skipped. Without ids it takes the first `limit` members of the dead set
  (oldest deaths first); every member it examines leaves the set, so call again until it
  examines fewer than `limit`.

  K.ready K.dead                 ready and dead ZSETs
  K.seq                          sequence counter
  A.taskPrefix                   task hash prefix
  A.channel A.instanceId A.queue wake channel, store instance id, queue name
  A.now                          now (ms) or '' for Redis TIME
  A.deadRetentionMs              retention of DEAD tasks (ms)
  A.note                         the first words of the history line (' after N attempts' or ' after 1 attempt'
                                 is appended)
  A.limit                        limit when no ids are given
  tail: task ids; none means every DEAD task, `limit` per call

  Returns { redriven, examined }. Publishes a wake-up when a task became PENDING.
]]
--@include "snippets/args.lua"
--@include "snippets/now.lua"
--@include "snippets/layout.lua"
--@include "snippets/chunks.lua"
--@include "snippets/finish.lua"
--@include "snippets/wake.lua"
--@include "snippets/shared-defaults.lua"
--@include "snippets/fair.lua"

local ready, dead, seqKey, taskPrefix = K.ready, K.dead, K.seq, A.taskPrefix
local now = resolveNow(A.now)
local deadRetentionMs = tonumber(A.deadRetentionMs)
local note = A.note
local Q = { ready = ready, taskPrefix = taskPrefix }

local ids = {}
for i = TAIL, #ARGV do
  ids[#ids + 1] = ARGV[i]
end
if #ids == 0 then
  ids = redis.call('ZRANGE', dead, 0, tonumber(A.limit) - 1)
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
  local v = redis.call('HMGET', taskKey, 's', 'f', 'a', 'y', 'z')
  if v[1] == 'D' and not isGone('D', v[2], now, deadRetentionMs, deadRetentionMs) then
    local attempts = v[3] or '0'
    local line = note .. ' after ' .. attempts .. (attempts == '1' and ' attempt' or ' attempts')
    local history = readChunked(taskKey, 'v')
    if history ~= '' then
      local notes = {}
      for kept in string.gmatch(history, '[^\n]+') do
        notes[#notes + 1] = kept
      end
      notes[#notes + 1] = line
      line = table.concat(notes, '\n', math.max(1, #notes - MAX_HISTORY_ENTRIES + 1))
    end
    replaceChunked(taskKey, 'v', line)
    local seq = redis.call('INCR', seqKey)
    redis.call('HDEL', taskKey, 'f', 'a')
    redis.call('HSET', taskKey, 's', 'P', 'n', seq, 'd', now)
    redis.call('PERSIST', taskKey)
    fairReady(Q, id, tonumber(v[4] or '0'), seq, v[5] or '')
    redriven = redriven + 1
  end
  -- Either way no DEAD task within its retention is behind the member any more.
  redis.call('ZREM', dead, id)
end
if redriven > 0 then
  wake(A.channel, A.instanceId, A.queue)
end
return { redriven, #ids }
