--[[
  claimTasks: maintenance of one queue (expired leases ended, due tasks made ready),
  then leases up to `max` ready tasks for `leaseMs`, round-robin across fairness keys
  within the highest priority (fair.lua). With max = 0 it is the reaper.
  Cost is bounded by `limit` and `max`, never by the queue's depth. The generator of
  the backoff of expired leases must be seeded (random.lua: seedRandom) before.

  Q holds the keys and settings: Q.ready, Q.sched, Q.leased, Q.seq, Q.dead, Q.taskPrefix,
  Q.finishedTtlMs, Q.deadTtlMs, for wake-ups Q.channel, Q.instanceId, Q.queue, and for
  leases (snippets/owners.lua) Q.secret (the call's random secret, from which each
  lease's nonce is derived), Q.owners, Q.ownedPrefix, Q.ownerTtlMs, Q.ownerGraceMs, and
  Q.notAfter (nil: none), the time on Redis's clock after which the caller no longer waits
  for the reply: a claim run later leases nothing.
  Each lease records its nonce (v), when it was taken (g) and its owner, this replica (w).
  `newlyReady` counts tasks the caller made ready just before (an enqueue in the same
  script): with the ones maintenance made ready, they are announced to other replicas
  only when some are left after this claim's leases.

  The queue's rate limit (fair.lua: fairBudget) may lease fewer than `max`: then more
  is -1 when ready tasks are left, and nextDueInMs counts the time until the budget has a
  lease again, so the dispatcher comes back by its timer instead of spinning.

  Returns { woke, nextDueInMs (-1 = none), deadline, expired, dead, more, lease1, ... }
  where each lease is leaseReply's array (below), woke is 1 when tasks became ready and
  some are left after the leases (then a wake-up was published), expired counts the
  leases maintenance ended and dead how many of those made their task DEAD, and more
  counts the PENDING tasks left after the leases when some may be claimed now (ZCARD of
  Q.ready, so keys at their lease limit count too), else 0.
]]
--@include "snippets/layout.lua"
--@include "snippets/random.lua"
--@include "snippets/maintenance.lua"
--@include "snippets/owners.lua"
--@include "snippets/wake.lua"
--@include "snippets/fair.lua"
--@include "snippets/script-codes.lua"

-- The first member of each timed set says whether maintenance has anything to do, so a
-- claim with nothing due costs two reads instead of a range scan per kind.
local function firstScore(key)
  local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return first[2] and tonumber(first[2]) or nil
end

-- The lease's nonce: a keyed hash of the lease under the call's 128-bit random secret,
-- cut to 96 bits (24 hex digits). The secret never reaches a worker, so the nonces of
-- other leases tell nothing of this one; cutting the digest also rules out extending it.
local function leaseNonce(secret, id, token)
  return string.sub(redis.sha1hex(secret .. '/' .. id .. '/' .. token), 1, 24)
end

-- A task hash as read by HGETALL, by field name, each long value joined from its chunks
-- (chunks.lua: `p`, `p1`, ... become one `p`).
local function hashFields(hash)
  local v, parts = {}, nil
  for j = 1, #hash, 2 do
    local name = hash[j]
    if #name == 1 then
      v[name] = hash[j + 1]
    else
      local base, index = string.match(name, '^(%a)(%d+)$')
      if base then
        parts = parts or {}
        local list = parts[base]
        if not list then
          list = {}
          parts[base] = list
        end
        list[tonumber(index)] = hash[j + 1]
      end
    end
  end
  if parts then
    for base, list in pairs(parts) do
      list[0] = v[base] or ''
      v[base] = table.concat(list, '', 0, #list)
    end
  end
  return v
end

-- A lease as the caller reads it, by position (task-codec.ts: decodeLeases), one string
-- per field instead of the hash's names and chunks:
-- { taskId, payload, priority, attempt, maxAttempts, headers, enqueueTime, lastError,
--   result, history, fairnessKey, token, nonce }; '' where the hash has no such field.
-- A task with none of the optional fields (most tasks: no priority, headers, error,
-- history or fairness key, the default max attempts) gets the short form
-- { taskId, payload, attempt, enqueueTime, token, nonce }: the caller decodes each
-- element on its own, so seven empty ones cost it more than the test here.
local function leaseReply(id, v, attempt, token, nonce)
  if not (v.y or v.m or v.h or v.l or v.r or v.v or v.z) then
    return { id, v.p or '', attempt, v.e or '', token, nonce }
  end
  return { id, v.p or '', v.y or '', attempt, v.m or '', v.h or '', v.e or '', v.l or '', v.r or '', v.v or '',
    v.z or '', token, nonce }
end

-- Makes the tasks an enqueue of this script held back (Q.deferred) ready, in order.
local function readyDeferred(Q, deferred)
  for _, t in ipairs(deferred.tasks) do
    fairReady(Q, t.id, deferred.priority, t.seq, deferred.fkey)
  end
  deferred.ready = true
end

local function claimTasks(Q, now, max, leaseMs, limit, newlyReady)
  -- A call that runs after its caller gave up on it (Redis stalled past the command
  -- timeout: the reply would be dropped) leases nothing: its leases would reach no worker,
  -- and each task would wait out a lease and lose an attempt. Maintenance still runs.
  if Q.notAfter and now > Q.notAfter then
    max = 0
  end
  -- One read of a hash with an entry per replica holding leases here: cheap enough for
  -- every claim, and the sweep of an idle queue with waiting workers claims with max > 0.
  reapDeadOwners(Q, now, limit)
  local firstLease, firstDue = firstScore(Q.leased), firstScore(Q.sched)

  -- Tasks the same script enqueued and left out of the ready structures (enqueue-tasks.lua:
  -- Q.deferred) become ready here, at the latest, unless they are leased at once below.
  -- When maintenance will make tasks ready, they go first: they were ready before them.
  local deferred = Q.deferred
  Q.deferred = nil
  if deferred and ((firstLease ~= nil and firstLease <= now) or (firstDue ~= nil and firstDue <= now)) then
    readyDeferred(Q, deferred)
  end

  -- Lines of fairness keys that expired leases let back into the ring count as promoted.
  local expired, dead, promoted = 0, 0, 0
  if firstLease ~= nil and firstLease <= now then
    expired, dead, promoted = expireLeases(Q, now, limit)
    -- Expired leases moved tasks into the scheduled set and out of the leased one.
    firstLease, firstDue = firstScore(Q.leased), firstScore(Q.sched)
  end
  if firstDue ~= nil and firstDue <= now then
    promoted = promoted + promoteDue(Q, now, limit)
    firstDue = firstScore(Q.sched)
  end
  if max == 0 then
    -- Only the reaper trims the dead set: it is for counting, and claims stay lean.
    forgetDead(Q, now)
  end

  local deadline = now + leaseMs
  local nowArg, deadlineArg = numText(now), numText(deadline)
  local out = { 0, -1, deadline, expired, dead, 0 }
  -- Q.paused, the queue's pause flag: while it exists, maintenance runs but nothing is
  -- leased and nothing is reported left, so no dispatcher comes straight back.
  local paused = Q.paused and redis.call('EXISTS', Q.paused) == 1
  local owned = {}
  -- Set when the rate limit held leases back: ms until it allows the next one.
  local refillIn = nil
  if deferred and not deferred.ready then
    -- Handed straight to this claim when it takes them all and no other line may be
    -- claimed; their own line may hold tasks out of the ring (parked under a limit since
    -- lifted).
    if max < #deferred.tasks or paused or redis.call('ZCARD', fairBase(Q) .. 'ring') > 0
      or redis.call('LLEN', fairBase(Q) .. 'l:' .. deferred.priority .. deferred.fkey) > 0 then
      readyDeferred(Q, deferred)
    end
  end
  if max > 0 and not paused then
    -- Round-robin across fairness keys within the highest priority (fair.lua).
    local budget = fairBudget(Q, now, max)
    local popped
    if deferred and not deferred.ready then
      fairHandOff(Q, deferred.priority, deferred.fkey, #deferred.tasks)
      popped = {}
      for i, t in ipairs(deferred.tasks) do
        popped[i] = t.id
      end
    else
      popped = fairTake(Q, budget)
    end
    if budget < max then
      refillIn = fairSpend(Q, now, #popped)
    elseif #popped > 0 and Q.bucketTokens then
      fairSpend(Q, now, #popped)
    end
    local count = #popped
    if count > 0 then
      local ordinal = redis.call('INCRBY', Q.seq, count) - count
      for i = 1, count do
        local id = popped[i]
        local taskKey = Q.taskPrefix .. id
        -- One read and one write per task: the reply is built from the hash as read and
        -- the fields this lease changed.
        local fields = deferred and deferred.fields[id] or hashFields(redis.call('HGETALL', taskKey))
        local token, attempt = tonumber(fields.t or 0), tonumber(fields.a or 0)
        if fields.s == 'P' then
          ordinal = ordinal + 1
          token, attempt = token + 1, attempt + 1
          -- The token's text, once, for the nonce and the hash (the same digits as Lua's own
          -- '%.14g' for any token below 10^14).
          local tokenArg = numText(token)
          local nonce = leaseNonce(Q.secret, id, tokenArg)
          local member = setMember(ordinal, id)
          redis.call('HSET', taskKey, 's', 'L', 't', tokenArg, 'a', attempt, 'o', ordinal, 'i', nonce, 'g', nowArg,
            'u', Q.instanceId)
          owned[#owned + 1] = deadlineArg
          owned[#owned + 1] = member
          out[#out + 1] = leaseReply(id, fields, attempt, token, nonce)
        end
      end
    end
    if #owned > 0 then
      -- The leases join Q.leased and this replica's set, each with one ZADD.
      redis.call('ZADD', Q.leased, unpack(owned))
      ownLeases(Q, now, owned)
    end
  end

  local hasReady = not paused and fairHasReady(Q)
  if hasReady and refillIn ~= nil then
    out[6] = -1
  elseif hasReady then
    -- How many are left, so the dispatcher asks for that many next rather than a batch.
    out[6] = math.max(1, redis.call('ZCARD', Q.ready))
    if promoted + newlyReady > 0 then
      out[1] = 1
      wake(Q.channel, Q.instanceId, Q.queue)
    end
  end

  -- Leases taken now end at `deadline`, after any lease already held (all deadlines
  -- before now were expired above, or remain beyond the maintenance limit).
  if #out > 6 and (firstLease == nil or deadline < firstLease) then
    firstLease = deadline
  end
  local nextDue = firstDue
  if firstLease ~= nil and (nextDue == nil or firstLease < nextDue) then
    nextDue = firstLease
  end
  if out[6] == -1 and (nextDue == nil or now + refillIn < nextDue) then
    nextDue = now + refillIn
  end
  if nextDue ~= nil then
    out[2] = math.max(0, nextDue - now)
  end
  return out
end
