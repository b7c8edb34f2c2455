--[[
  enqueueTasks: stores `count` new tasks of one queue whose values start at ARGV[at],
  9 per task: id, payload, priority, delay (ms), max attempts ('' = 5), backoff spec
  ('' = default), idempotency key ('' = none), encoded headers ('' = none), fairness
  key ('' = the default key).

  E holds the keys and settings: E.ready, E.sched, E.seq, E.taskPrefix, E.idemPrefix,
  E.window (idempotency window, ms), E.idemTtl (its key TTL, ms, >= window),
  E.finishedRetentionMs and E.deadRetentionMs (how long finished tasks stay readable).

  An idempotency key answers with the first task's id only while that task exists (not
  purged, not past its retention): else the key names the new task, which is stored.

  Returns { readyCount, status1, id1, status2, id2, ..., unregistered } in request order,
  status 0 = stored PENDING, 1 = stored SCHEDULED, 2 = duplicate (id is the first task's
  id); unregistered = 1 when the queue had no sequence counter, so it may be missing from
  the registry of queues (new, or pruned since its last task: forget-6.lua deletes the
  counter) and the caller adds it there. Publishes nothing: the caller decides whether other replicas must hear of it.

  E.handOff (set by enqueue-and-claim): when the call's ready tasks all share one line (one
  priority, one fairness key) on a queue without per-key or rate limits, they stay out of
  Q.ready and the line for now; E.deferred describes them instead ({ priority, fkey,
  tasks = { { id, seq }, ... } in order, fields = id -> the hash's fields as claim-tasks.lua
  reads them }). The claim that follows in the same script either leases them all at once,
  when nothing else may be claimed, or makes them ready first (claimTasks): either way the
  queue ends as if they had been ready in between.
]]
--@include "snippets/layout.lua"
--@include "snippets/chunks.lua"
--@include "snippets/finish.lua"

-- Whether the task an idempotency key named can still be read: a hit must never name nothing.
local function stillThere(E, id, now)
  local v = redis.call('HMGET', E.taskPrefix .. id, 's', 'f')
  return v[1] and not isGone(v[1], v[2], now, E.finishedRetentionMs, E.deadRetentionMs)
end
--@include "snippets/fair.lua"

-- Whether the ready tasks of the call (ARGV from `at`, `count` of them) may be handed to
-- the claim after it (E.handOff): one line among them, no per-key or rate limit.
local function mayHandOff(E, at, count)
  local priority, fkey = nil, nil
  for i = 0, count - 1 do
    local base = at + i * 9
    if tonumber(ARGV[base + 3]) == 0 then
      if priority == nil then
        priority, fkey = tonumber(ARGV[base + 2]), ARGV[base + 8]
      elseif tonumber(ARGV[base + 2]) ~= priority or ARGV[base + 8] ~= fkey then
        return false
      end
    end
  end
  local mlk, cps = fairConfig(E)
  return mlk == 0 and cps == 0
end

local function enqueueTasks(E, now, at, count)
  local seq = redis.call('INCRBY', E.seq, count) - count
  -- No counter: the queue is new to the store, or the registry pruned it since its last task.
  local unregistered = seq == 0
  local out = { 0 }
  local readyCount = 0
  local nowText = string.format('%d', now)
  local handOff = E.handOff and mayHandOff(E, at, count)
  -- Numbers go into the hash as text made here, so a hand-off's copy of the fields (below)
  -- is the very text the hash holds.
  local nowField = string.format('%.17g', now)

  for i = 0, count - 1 do
    local base = at + i * 9
    local id, payload = ARGV[base], ARGV[base + 1]
    local priority, delay = tonumber(ARGV[base + 2]), tonumber(ARGV[base + 3])
    local maxAttempts, backoff, idemKey, headers = ARGV[base + 4], ARGV[base + 5], ARGV[base + 6], ARGV[base + 7]
    local fairnessKey = ARGV[base + 8]
    seq = seq + 1

    local duplicateOf = nil
    if idemKey ~= '' then
      local key = E.idemPrefix .. idemKey
      local first = redis.call('GET', key)
      if first then
        local sep = string.find(first, ':', 1, true)
        local firstId = string.sub(first, sep + 1)
        if now - tonumber(string.sub(first, 1, sep - 1)) < E.window and stillThere(E, firstId, now) then
          duplicateOf = firstId
        end
      end
      if not duplicateOf then
        redis.call('SET', key, nowText .. ':' .. id, 'PX', E.idemTtl)
      end
    end

    if duplicateOf then
      out[#out + 1] = 2
      out[#out + 1] = duplicateOf
    else
      local fields = {}
      appendChunked(fields, 'p', payload)
      fields[#fields + 1] = 'e'
      fields[#fields + 1] = nowField
      local priorityField = nil
      if priority ~= 0 then
        priorityField = string.format('%.17g', priority)
        fields[#fields + 1] = 'y'
        fields[#fields + 1] = priorityField
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
      if fairnessKey ~= '' then
        fields[#fields + 1] = 'z'
        fields[#fields + 1] = fairnessKey
      end
      fields[#fields + 1] = 's'
      if delay > 0 then
        fields[#fields + 1] = 'S'
        fields[#fields + 1] = 'o'
        fields[#fields + 1] = seq
        redis.call('ZADD', E.sched, now + delay, setMember(seq, id))
        out[#out + 1] = 1
      else
        fields[#fields + 1] = 'P'
        fields[#fields + 1] = 'n'
        fields[#fields + 1] = seq
        if handOff then
          local d = E.deferred
          if not d then
            d = { priority = priority, fkey = fairnessKey, tasks = {}, fields = {} }
            E.deferred = d
          end
          d.tasks[#d.tasks + 1] = { id = id, seq = seq }
          -- What hashFields would read back from the hash written below.
          d.fields[id] = {
            p = payload, e = nowField, s = 'P', y = priorityField,
            m = maxAttempts ~= '' and maxAttempts or nil, b = backoff ~= '' and backoff or nil,
            h = headers ~= '' and headers or nil, z = fairnessKey ~= '' and fairnessKey or nil,
          }
        else
          fairReady(E, id, priority, seq, fairnessKey)
        end
        readyCount = readyCount + 1
        out[#out + 1] = 0
      end
      redis.call('HSET', E.taskPrefix .. id, unpack(fields))
      out[#out + 1] = id
    end
  end

  out[1] = readyCount
  out[#out + 1] = unregistered and 1 or 0
  return out
end
