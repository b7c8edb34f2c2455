--@include "snippets/layout.lua"
--[[
  Fair shares (docs/lease-store-semantics.md, "Fair shares"): within one priority, the
  ready tasks of a queue are claimed round-robin across fairness keys, FIFO within a key.
  Q.ready stays the index of every PENDING task (stats, listing, cancel); these keys say
  whose turn it is. They live under the queue's prefix + 'f:' (keys.ts: fairPrefix), so
  they share the queue's hash tag; fairBase derives the prefix from Q.taskPrefix, which
  every script already has, so no script needs another argument for it.

    ring         ZSET of lines that may be claimed now: member <priority><fkey>, score
                 (9 - priority) * RING_BAND + turn. ZPOPMIN gives the highest priority,
                 then the lowest turn, ties by key. Turns count in twos: a line served
                 in round r (turn 2r or 2r + 1) comes back at 2r + 2; a line that gets
                 ready while round r is served joins at 2r + 1, behind the lines still
                 waiting for their turn in round r and ahead of every second turn.
                 A line that drained in round r and gets ready again in it comes back
                 at 2r + 2, like a line that did not drain.
    turn         HASH priority -> 2r, the round its ring served last.
    drained:<p>  HASH fkey -> 2r, lines of priority p that drained in the round served
                 now; cleared when the next round starts (older entries change nothing).
    parked       ZSET of lines whose key holds max_leased_per_key leases, out of the
                 ring until one of the key's leases ends; scored like ring, by the turn
                 each line kept (it comes back no earlier).
    l:<member>   LIST of the line's PENDING task ids, oldest first (a list entry costs
                 a fraction of a ZSET member). New, due and retried tasks join the
                 back; a released task goes back to the front. A line is non-empty
                 exactly while its member is in ring or parked.
    ready        HASH fkey -> PENDING tasks of the key (no field at 0).
    leased       HASH fkey -> LEASED tasks of the key (no field at 0).
    config       HASH 'mlk' -> max_leased_per_key, 'cps' -> max_claims_per_second (0 = none).
    bucket       HASH 'tokens', 'at': the rate limit's token bucket (fairTokens).

  The task hash keeps its fairness key in field z (absent = '').
  Cost per lease taken or made ready: O(log K) in the keys with ready tasks.
]]

local RING_BAND = 17592186044416 -- 2^44 turns per priority band

local function fairBase(Q)
  if not Q.fairBase then
    -- The task prefix is '<queue prefix>t:'.
    Q.fairBase = string.sub(Q.taskPrefix, 1, -3) .. 'f:'
  end
  return Q.fairBase
end

-- The queue's config, read once per script call: max leased per key, max claims per second.
local function fairConfig(Q)
  if Q.maxLeasedPerKey == nil then
    local v = redis.call('HMGET', fairBase(Q) .. 'config', 'mlk', 'cps')
    Q.maxLeasedPerKey, Q.maxClaimsPerSecond = tonumber(v[1] or '0'), tonumber(v[2] or '0')
  end
  return Q.maxLeasedPerKey, Q.maxClaimsPerSecond
end

local function keyLeased(base, fkey)
  return tonumber(redis.call('HGET', base .. 'leased', fkey) or '0')
end

-- Adds `by` to a per-key count, dropping the field at 0 so HLEN counts the busy keys.
local function addKeyCount(hash, fkey, by)
  if redis.call('HINCRBY', hash, fkey, by) <= 0 then
    redis.call('HDEL', hash, fkey)
  end
end

-- Parks the lines of key fkey that are in the ring: the key is at its limit. A parked
-- line keeps its turn as its score, the earliest it may come back at.
local function parkKey(Q, fkey)
  local base = fairBase(Q)
  for priority = 0, 9 do
    local member = priority .. fkey
    local score = redis.call('ZSCORE', base .. 'ring', member)
    if score then
      redis.call('ZREM', base .. 'ring', member)
      redis.call('ZADD', base .. 'parked', score, member)
      Q.noneParked = nil
    end
  end
end

-- A line with tasks joins the round its priority is serving now, behind the lines still
-- waiting in it (turn 2r + 1), so it gets its turn before any line gets a second; a line
-- that drained in this round comes back at 2r + 2, and a parked one no earlier than the
-- turn it kept (`atLeast`, a score). While its key is at its limit, the key is parked.
local function joinRing(Q, member, priority, fkey, atLeast)
  local base = fairBase(Q)
  local limit = fairConfig(Q)
  local band = (9 - priority) * RING_BAND
  local served = tonumber(redis.call('HGET', base .. 'turn', priority) or '0')
  local score = band + served + 1
  if redis.call('HEXISTS', base .. 'drained:' .. priority, fkey) == 1 then
    score = band + served + 2
  end
  if atLeast and atLeast > score then
    score = atLeast
  end
  if limit > 0 and keyLeased(base, fkey) >= limit then
    redis.call('ZADD', base .. 'parked', score, member)
    Q.noneParked = nil
    return false
  end
  redis.call('ZADD', base .. 'ring', score, member)
  return true
end

-- Lets the parked line `member` (kept turn `score`) rejoin the ring; true when it did.
local function unpark(Q, member, score)
  redis.call('ZREM', fairBase(Q) .. 'parked', member)
  return joinRing(Q, member, tonumber(string.sub(member, 1, 1)), string.sub(member, 2), tonumber(score))
end

-- Task `id` (priority, sequence number seq, fairness key fkey) became PENDING: it joins
-- Q.ready and its key's line, at the back, or at the front when `front` (a release).
local function fairReady(Q, id, priority, seq, fkey, front)
  local base = fairBase(Q)
  redis.call('ZADD', Q.ready, readyScore(priority, seq), id)
  local member = priority .. fkey
  local length
  if front then
    length = redis.call('LPUSH', base .. 'l:' .. member, id)
  else
    length = redis.call('RPUSH', base .. 'l:' .. member, id)
  end
  addKeyCount(base .. 'ready', fkey, 1)
  if length == 1 then
    joinRing(Q, member, priority, fkey)
  end
end

-- A PENDING task stops being ready other than by a claim (a cancel, a purge): O(length
-- of its key's line), the price of lines as lists.
local function fairUnready(Q, id, priority, fkey)
  local base = fairBase(Q)
  redis.call('ZREM', Q.ready, id)
  local member = priority .. fkey
  local line = base .. 'l:' .. member
  if redis.call('LREM', line, 1, id) == 1 then
    addKeyCount(base .. 'ready', fkey, -1)
    if redis.call('LLEN', line) == 0 then
      redis.call('ZREM', base .. 'ring', member)
      redis.call('ZREM', base .. 'parked', member)
    end
  end
end

-- A purge deletes the PENDING tasks of a line: the line goes whole (its other tasks are
-- in Q.ready, so the purge deletes them too), in O(1) per line instead of per task.
local function fairForgetLine(Q, priority, fkey)
  local base = fairBase(Q)
  local member = priority .. fkey
  redis.call('DEL', base .. 'l:' .. member)
  redis.call('ZREM', base .. 'ring', member)
  redis.call('ZREM', base .. 'parked', member)
  redis.call('HDEL', base .. 'ready', fkey)
end

-- A lease of key fkey ended (complete, fail, release, expiry). When the key drops below
-- its limit, its parked lines rejoin the ring; returns how many did, so the caller wakes
-- the dispatchers (the next task of the key is pushed at once).
-- Writes the leased counts fairLeaseEnded gathered in Q.leasedDelta (set by a caller
-- that ends many leases, settle-ops.lua), one HINCRBY per key, and stops gathering.
local function fairFlushLeased(Q)
  local delta = Q.leasedDelta
  Q.leasedDelta = nil
  if not delta then
    return
  end
  local base = fairBase(Q)
  for fkey, by in pairs(delta) do
    addKeyCount(base .. 'leased', fkey, by)
  end
end

local function fairLeaseEnded(Q, fkey)
  local base = fairBase(Q)
  local limit = fairConfig(Q)
  if limit == 0 and Q.leasedDelta then
    -- Without a per-key limit nothing reads the count before fairFlushLeased.
    Q.leasedDelta[fkey] = (Q.leasedDelta[fkey] or 0) - 1
  else
    addKeyCount(base .. 'leased', fkey, -1)
  end
  if limit > 0 and keyLeased(base, fkey) >= limit then
    return 0
  end
  -- Most queues park nothing: one EXISTS instead of a ZSCORE per priority, and one per
  -- script call (Q.noneParked, cleared wherever this call parks a line), not per lease.
  if Q.noneParked then
    return 0
  end
  if redis.call('EXISTS', base .. 'parked') == 0 then
    Q.noneParked = true
    return 0
  end
  local joined = 0
  for priority = 0, 9 do
    local member = priority .. fkey
    local score = redis.call('ZSCORE', base .. 'parked', member)
    if score and unpark(Q, member, score) then
      joined = joined + 1
    end
  end
  return joined
end

-- A ring entry as ZPOPMIN returns it ({ member, score }): its line's member, priority,
-- key, priority band, and the round being served (its turn rounded down to even).
local function ringEntry(top)
  local member = top[1]
  local priority = tonumber(string.sub(member, 1, 1))
  local band = (9 - priority) * RING_BAND
  local turn = tonumber(top[2]) - band
  return member, priority, string.sub(member, 2), band, turn - turn % 2
end

-- The line `top` (just popped) is the only one in the ring and no key has a limit: the
-- loop in fairTake would pop it, serve one task, put it back a round later and pop it
-- again, three calls and more per task. fairTakeAlone takes up to `want` of its tasks in
-- one go and leaves the line, the ring, the turn and the drained set as those rounds
-- would have. A purged task it finds in the line is skipped as the loop skips it (the
-- rounds it cost are counted), and the caller's loop goes on from the ring.
local function fairTakeAlone(Q, base, ring, top, want, ids)
  local member, priority, fkey, band, served = ringEntry(top)
  local line = base .. 'l:' .. member
  local popped = redis.call('LRANGE', line, 0, want - 1)
  redis.call('LTRIM', line, #popped, -1)
  -- One round per task taken: the last one's number is what the turn and the line keep.
  local last = served + 2 * math.max(#popped - 1, 0)
  local drained = base .. 'drained:' .. priority
  if #popped > 1 or tonumber(redis.call('HGET', base .. 'turn', priority) or '0') ~= served then
    redis.call('HSET', base .. 'turn', priority, last)
    redis.call('DEL', drained)
  end
  local taken = 0
  for _, id in ipairs(popped) do
    if redis.call('ZREM', Q.ready, id) == 1 then
      ids[#ids + 1] = id
      taken = taken + 1
    end
  end
  if taken > 0 then
    redis.call('HINCRBY', base .. 'leased', fkey, taken)
    addKeyCount(base .. 'ready', fkey, -taken)
  end
  if #popped == want and redis.call('LLEN', line) > 0 then
    redis.call('ZADD', ring, band + last + 2, member)
  else
    redis.call('HSET', drained, fkey, last)
  end
end

-- The `n` tasks enqueued in this script (enqueue-tasks.lua: E.deferred), all of one line,
-- are the only ones that may be claimed, and the claim takes them all: their line would
-- join the ring, be popped, give them up and drain. fairHandOff leaves the turn, the
-- drained set and the counts as that would (fairTake, fairTakeAlone), without the line,
-- Q.ready or the ring ever holding them. The caller checked that no line is in the ring,
-- that this line is empty, and that the queue has no per-key or rate limit.
local function fairHandOff(Q, priority, fkey, n)
  local base = fairBase(Q)
  local served = tonumber(redis.call('HGET', base .. 'turn', priority) or '0')
  local drained = base .. 'drained:' .. priority
  -- joinRing's turn (served + 1, or + 2 for a line that drained this round), rounded
  -- down to its round as ringEntry does; then one round per task taken.
  local round = served
  if redis.call('HEXISTS', drained, fkey) == 1 then
    round = served + 2
  end
  local last = round + 2 * (n - 1)
  if last ~= served then
    redis.call('HSET', base .. 'turn', priority, last)
    redis.call('DEL', drained)
  end
  redis.call('HINCRBY', base .. 'leased', fkey, n)
  redis.call('HSET', drained, fkey, last)
end

-- Takes up to `max` task ids off the ring in fair order, counting them leased for their
-- key; a key that reaches its limit is parked. Returns the ids (the caller leases them).
local function fairTake(Q, max)
  local base = fairBase(Q)
  local ring = base .. 'ring'
  local limit = fairConfig(Q)
  local ids = {}
  -- Whether the first line popped was alone (checked once: a ring of many lines stays so).
  local checkedAlone = false
  while #ids < max do
    local top = redis.call('ZPOPMIN', ring)
    if not top[1] then
      break
    end
    local alone = false
    if not checkedAlone and limit == 0 and max - #ids > 1 then
      checkedAlone = true
      alone = redis.call('ZCARD', ring) == 0
    end
    if alone then
      fairTakeAlone(Q, base, ring, top, max - #ids, ids)
    else
      local member, priority, fkey, band, served = ringEntry(top)
      local drained = base .. 'drained:' .. priority
      if tonumber(redis.call('HGET', base .. 'turn', priority) or '0') ~= served then
        redis.call('HSET', base .. 'turn', priority, served)
        redis.call('DEL', drained)
      end
      -- Without a limit the key's leased count decides nothing here.
      local leased = limit > 0 and keyLeased(base, fkey) or 0
      if limit > 0 and leased >= limit then
        -- Only a lowered limit leaves a full key in the ring (configure-1.lua parks them).
        redis.call('ZADD', base .. 'parked', top[2], member)
        Q.noneParked = nil
        parkKey(Q, fkey)
      else
        local line = base .. 'l:' .. member
        local id = redis.call('LPOP', line)
        -- A purge deletes Q.ready's members batch by batch: a line may name a task that is gone.
        if id and redis.call('ZREM', Q.ready, id) == 1 then
          ids[#ids + 1] = id
          leased = leased + 1
          redis.call('HINCRBY', base .. 'leased', fkey, 1)
          addKeyCount(base .. 'ready', fkey, -1)
        end
        if redis.call('LLEN', line) > 0 then
          redis.call('ZADD', ring, band + served + 2, member)
        else
          redis.call('HSET', drained, fkey, served)
        end
        if limit > 0 and leased >= limit then
          parkKey(Q, fkey)
        end
      end
    end
  end
  return ids
end

-- The rate limit (max_claims_per_second, cps): a token bucket of one second's worth,
-- refilled continuously on the store clock (Redis TIME unless a test's clock is passed).
-- It counts thousandths of a lease, so every step is an exact integer: a millisecond
-- adds cps of them. Returns how many of `max` leases the queue may take at `now`.
local function fairBudget(Q, now, max)
  local _, cps = fairConfig(Q)
  if cps <= 0 or max == 0 then
    return max
  end
  local v = redis.call('HMGET', fairBase(Q) .. 'bucket', 'tokens', 'at')
  local tokens, at = tonumber(v[1] or cps * 1000), tonumber(v[2] or now)
  if now > at then
    tokens = math.min(cps * 1000, tokens + (now - at) * cps)
  end
  Q.bucketTokens = tokens
  return math.min(max, math.floor(tokens / 1000))
end

-- Spends `n` leases of the budget fairBudget computed at `now`; returns the ms until the
-- next lease may be taken (0: now).
local function fairSpend(Q, now, n)
  local _, cps = fairConfig(Q)
  local tokens = Q.bucketTokens - n * 1000
  redis.call('HSET', fairBase(Q) .. 'bucket', 'tokens', tokens, 'at', now)
  if tokens >= 1000 then
    return 0
  end
  return math.ceil((1000 - tokens) / cps)
end

-- Whether some line may be claimed now (parked lines wait for a lease of their key to end).
local function fairHasReady(Q)
  return redis.call('ZCARD', fairBase(Q) .. 'ring') > 0
end
