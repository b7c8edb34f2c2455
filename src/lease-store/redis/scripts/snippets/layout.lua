--[[
  Data layout shared by every script (mirrored by task-codec.ts and keys.ts).

  Queue keys (Q table built by each script): Q.ready, Q.sched, Q.leased, Q.seq, Q.dead,
  Q.paused, Q.taskPrefix (task hash = Q.taskPrefix .. taskId).

  Task hash fields; optional ones are absent when they hold the default:
    p  payload (chunked, see chunks.lua)     h  headers, compact encoding (chunked)
    s  state: P S L C D X                     e  enqueue time (ms)
    y  priority (absent = 0)                  m  max attempts (absent = 5)
    b  backoff 'initial,max,multiplier' (absent = the default in backoff.lua)
    a  attempt (absent = 0)                   t  token of the last lease (absent = 0)
    n  ready sequence number (kept while leased, so a release goes back to its place)
    d  when it last became ready other than by its enqueue (the end of a delay or backoff,
       a redrive); absent = e. A release keeps it, as it keeps n
    o  ordinal of the task's member in Q.sched or Q.leased
    l  last error (chunked)                   r  result (chunked)
    c  '1' when a cancel was requested while leased
    k  last successful settle: '<token><kind>:<digest>' with kind c, f or r
       (settle-ops.lua)
    f  when the task reached COMPLETED, DEAD or CANCELLED (ms)
    v  history: notes of operators' actions (a redrive), newline-separated (chunked)
    w  the finish channel, set while somebody waits for the task to finish
    i  nonce of the latest lease (24 hex digits): settles must present it
    g  when the latest lease was taken (ms): extends stop at g + max lease age
    u  instance id of the replica holding the latest lease (owners.lua)
    z  fairness key (absent = the default key ''; fair.lua)

  Q.ready members are task ids scored by readyScore (priority 9 first, then sequence);
  Q.sched and Q.leased members are setMember(ordinal, id), so equal scores keep the
  order in which tasks entered the set.
]]
local PRIORITY_BAND = 562949953421312 -- 2^49 sequence numbers per priority band
local ORDINAL_WIDTH = 13

local function readyScore(priority, seq)
  return (9 - priority) * PRIORITY_BAND + seq
end

local function setMember(ordinal, id)
  return string.format('%013x', ordinal) .. id
end

-- redis.call turns each number it is given into text (Redis 7.0: snprintf '%.17g', about
-- 0.4 µs a number). A number that every task of a call writes (the clock, a deadline, a
-- TTL) is turned once, by the same format, and passed as that text.
local function numText(n)
  return string.format('%.17g', n)
end

local function memberId(member)
  return string.sub(member, ORDINAL_WIDTH + 1)
end

-- ZREM of `members` from the set at `key`, a few hundred per call (unpack's stack).
local function removeMembers(key, members)
  for from = 1, #members, 500 do
    redis.call('ZREM', key, unpack(members, from, math.min(from + 499, #members)))
  end
end
