--[[
  enqueue: stores a batch of new tasks of one queue.

  KEYS[1] ready ZSET          KEYS[2] scheduled ZSET          KEYS[3] sequence counter
  ARGV[1] task hash prefix    ARGV[2] idempotency key prefix
  ARGV[3] wake channel        ARGV[4] store instance id       ARGV[5] queue name
  ARGV[6] now (ms) or '' for Redis TIME
  ARGV[7] idempotency window (ms)                 ARGV[8] idempotency key TTL (ms, >= window)
  ARGV[9] number of tasks N, then 8 values per task from ARGV[10]:
    id, payload, priority, delay (ms), max attempts ('' = 5), backoff spec ('' = default),
    idempotency key ('' = none), encoded headers ('' = none)

  Returns { readyCount, status1, id1, status2, id2, ... } in request order, status
  0 = stored PENDING, 1 = stored SCHEDULED, 2 = duplicate (id is the first task's id).
  Publishes a wake-up when a task became PENDING.
]]
--@include "snippets/now.lua"
--@include "snippets/layout.lua"
--@include "snippets/chunks.lua"
--@include "snippets/wake.lua"

local ready, sched, seqKey = KEYS[1], KEYS[2], KEYS[3]
local taskPrefix, idemPrefix = ARGV[1], ARGV[2]
local now = resolveNow(ARGV[6])
local window, idemTtl = tonumber(ARGV[7]), tonumber(ARGV[8])
local count = tonumber(ARGV[9])

local seq = redis.call('INCRBY', seqKey, count) - count
local out = { 0 }
local readyCount = 0
local nowText = string.format('%d', now)

for i = 0, count - 1 do
  local at = 10 + i * 8
  local id, payload, priority, delay = ARGV[at], ARGV[at + 1], tonumber(ARGV[at + 2]), tonumber(ARGV[at + 3])
  local maxAttempts, backoff, idemKey, headers = ARGV[at + 4], ARGV[at + 5], ARGV[at + 6], ARGV[at + 7]
  seq = seq + 1

  local duplicateOf = nil
  if idemKey ~= '' then
    local key = idemPrefix .. idemKey
    local first = redis.call('GET', key)
    if first then
      local sep = string.find(first, ':', 1, true)
      if now - tonumber(string.sub(first, 1, sep - 1)) < window then
        duplicateOf = string.sub(first, sep + 1)
      end
    end
    if not duplicateOf then
      redis.call('SET', key, nowText .. ':' .. id, 'PX', idemTtl)
    end
  end

  if duplicateOf then
    out[#out + 1] = 2
    out[#out + 1] = duplicateOf
  else
    local fields = {}
    appendChunked(fields, 'p', payload)
    fields[#fields + 1] = 'e'
    fields[#fields + 1] = now
    if priority ~= 0 then
      fields[#fields + 1] = 'y'
      fields[#fields + 1] = priority
    end
    if maxAttempts ~= '' then
      fields[#fields + 1] = 'm'
      fields[#fields + 1] = maxAttempts
    end
    if backoff ~= '' then
      fields[#fields + 1] = 'b'
      fields[#fields + 1] = backoff
    end
    if headers ~= '' then
      appendChunked(fields, 'h', headers)
    end
    fields[#fields + 1] = 's'
    if delay > 0 then
      fields[#fields + 1] = 'S'
      fields[#fields + 1] = 'o'
      fields[#fields + 1] = seq
      redis.call('ZADD', sched, now + delay, setMember(seq, id))
      out[#out + 1] = 1
    else
      fields[#fields + 1] = 'P'
      fields[#fields + 1] = 'n'
      fields[#fields + 1] = seq
      redis.call('ZADD', ready, readyScore(priority, seq), id)
      readyCount = readyCount + 1
      out[#out + 1] = 0
    end
    redis.call('HSET', taskPrefix .. id, unpack(fields))
    out[#out + 1] = id
  end
end

if readyCount > 0 then
  wake(ARGV[3], ARGV[4], ARGV[5])
end
out[1] = readyCount
return out
