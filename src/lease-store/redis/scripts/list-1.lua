--[[
  list: one page of a queue's tasks of one state, in the order of that state's index
  (ready: claim order; scheduled: due time; leased: deadline; dead: when they died).
  The page starts strictly after the place where the previous one stopped, a score and a
  member in the index's order (score, then member bytewise): members removed or added
  before that place between two pages shift no member after it, so a task that keeps its
  state and its place is listed once however the rest of the index changes.
  Members whose task is no longer in that state (or past its retention) are skipped.
  Its cost is bounded by the page size and by a byte budget, never by the queue's depth
  or its tasks' sizes (finding the start costs O(log n)): the page ends early (after at
  least one task) once the task data it read (full payload and result, every other
  field) would pass A.pageBytes. Payloads and results stored whole (longer than the
  chunks of chunks.lua) are sent as a preview of A.previewBytes bytes, with field `~p` /
  `~r` holding the full length.

  K.index              the state's index ZSET (ready, scheduled, leased or dead)
  A.taskPrefix         task hash prefix
  A.stateCode          state code the tasks must have: P, S, L or D
  A.ordinal            '1' when members are setMember(ordinal, id) (scheduled, leased),
                       else '0'
  A.afterScore         score of the last member the previous page examined, as this
                       script returned it; '' for the first page
  A.afterMember        that member ('' for the first page)
  A.limit              page size (at least 1 is read)
  A.now                now (ms) or '' for Redis TIME
  A.deadRetentionMs    retention of DEAD tasks (ms)
  A.previewBytes       preview bytes of a long payload or result
  A.pageBytes          byte budget of the page

  Returns { more, lastScore, lastMember, task1, task2, ... }: more is 1 when members
  follow the page, else 0; lastScore and lastMember name the last member the page
  examined, listed or skipped as gone (the next page's A.afterScore and A.afterMember;
  when the byte budget ends the page, the last one it listed). Each task is
  { taskId, field1, value1, ... }; a SCHEDULED or LEASED task has one more pair, 'due'
  and its score in the index (when it falls due, or when its lease runs out, ms).
]]
--@include "snippets/args.lua"
--@include "snippets/now.lua"
--@include "snippets/layout.lua"
--@include "snippets/chunks.lua"
--@include "snippets/finish.lua"

local index, taskPrefix, state = K.index, A.taskPrefix, A.stateCode
local ordinalMembers = A.ordinal == '1'
local size = math.max(1, tonumber(A.limit))
local now = resolveNow(A.now)
local deadRetentionMs = tonumber(A.deadRetentionMs)
local previewBytes, pageBytes = tonumber(A.previewBytes), tonumber(A.pageBytes)
local LONG = { 'p', 'r' }

-- The hash's fields, with long values left out; `long` maps each left-out name to its length.
local function readFields(key)
  local long = {}
  for _, name in ipairs(LONG) do
    local len = redis.call('HSTRLEN', key, name)
    if len > CHUNK_BYTES then
      long[name] = len
    end
  end
  if next(long) == nil then
    return redis.call('HGETALL', key), long
  end
  local names = {}
  for _, name in ipairs(redis.call('HKEYS', key)) do
    if not long[name] then
      names[#names + 1] = name
    end
  end
  local fields = {}
  if #names > 0 then
    local values = redis.call('HMGET', key, unpack(names))
    for i, name in ipairs(names) do
      fields[#fields + 1] = name
      fields[#fields + 1] = values[i]
    end
  end
  return fields, long
end

-- Whether member a sorts at or before member b among members of equal score: bytewise,
-- as Redis orders them (memcmp). Lua's `<` on strings follows the server's locale.
local function atOrBefore(a, b)
  for i = 1, math.min(#a, #b) do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then
      return x < y
    end
  end
  return #a <= #b
end

-- The rank of the first member after the place (A.afterScore, A.afterMember), in
-- O(log n) whether that member is still there, moved or gone.
local function startRank()
  if A.afterScore == '' then
    return 0
  end
  local score = redis.call('ZSCORE', index, A.afterMember)
  if score and tonumber(score) == tonumber(A.afterScore) then
    return redis.call('ZRANK', index, A.afterMember) + 1
  end
  -- Count what sorts at or before the place: every lower score, then, among the members
  -- of exactly that score (ranks lo .. hi - 1, in member order), those at or before the
  -- member, found by binary search.
  local lo = redis.call('ZCOUNT', index, '-inf', '(' .. A.afterScore)
  local hi = lo + redis.call('ZCOUNT', index, A.afterScore, A.afterScore)
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if atOrBefore(redis.call('ZRANGE', index, mid, mid)[1], A.afterMember) then
      lo = mid + 1
    else
      hi = mid
    end
  end
  return lo
end

-- Scores name the place where the page stops; those of scheduled and leased tasks are
-- also their due times and lease deadlines.
local withDue = state == 'S' or state == 'L'
local start = startRank()
local range = redis.call('ZRANGE', index, start, start + size - 1, 'WITHSCORES')
local out = { 0, '', '' }
if #range == 2 * size and redis.call('ZCARD', index) > start + size then
  out[1] = 1
end
local read = 0
for i = 1, #range, 2 do
  local member, score = range[i], range[i + 1]
  local id = member
  if ordinalMembers then
    id = memberId(member)
  end
  local key = taskPrefix .. id
  local fields, long = readFields(key)
  local bytes = 0
  for j = 2, #fields, 2 do
    bytes = bytes + #fields[j]
  end
  for _, len in pairs(long) do
    bytes = bytes + len
  end
  if i > 1 and read + bytes > pageBytes then
    out[1] = 1
    break
  end
  read = read + bytes
  out[2], out[3] = score, member
  local s, finishedAt = nil, nil
  for j = 1, #fields, 2 do
    if fields[j] == 's' then
      s = fields[j + 1]
    elseif fields[j] == 'f' then
      finishedAt = fields[j + 1]
    end
  end
  if s == state and not isGone(s, finishedAt, now, deadRetentionMs, deadRetentionMs) then
    for name, len in pairs(long) do
      fields[#fields + 1] = name
      fields[#fields + 1] = string.sub(redis.call('HGET', key, name), 1, previewBytes)
      fields[#fields + 1] = '~' .. name
      fields[#fields + 1] = len
    end
    if withDue then
      fields[#fields + 1] = 'due'
      fields[#fields + 1] = score
    end
    table.insert(fields, 1, id)
    out[#out + 1] = fields
  end
end
return out
