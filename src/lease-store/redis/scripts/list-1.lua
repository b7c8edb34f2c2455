--[[
  list: one page of a queue's tasks of one state, in the order of that state's index
  (ready: claim order; scheduled: due time; leased: deadline; dead: when they died).
  Members whose task is no longer in that state (or past its retention) are skipped.
  Its cost is bounded by the page size and by a byte budget, never by the queue's depth
  or its tasks' sizes: the page ends early (after at least one task) once the task data
  it read (full payload and result, every other field) would pass A.pageBytes. Payloads
  and results stored whole (longer than the chunks of chunks.lua) are sent as a preview
  of A.previewBytes bytes, with field `~p` / `~r` holding the full length.

  K.index              the state's index ZSET (ready, scheduled, leased or dead)
  A.taskPrefix         task hash prefix
  A.stateCode          state code the tasks must have: P, S, L or D
  A.ordinal            '1' when members are setMember(ordinal, id) (scheduled, leased),
                       else '0'
  A.offset             offset of the page in the index
  A.limit              page size
  A.now                now (ms) or '' for Redis TIME
  A.deadRetentionMs    retention of DEAD tasks (ms)
  A.previewBytes       preview bytes of a long payload or result
  A.pageBytes          byte budget of the page

  Returns { nextOffset (-1 = last page), task1, task2, ... } where each task is
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
local offset, size = tonumber(A.offset), tonumber(A.limit)
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

-- The index scores of scheduled and leased tasks are their due times and lease deadlines.
local withDue = state == 'S' or state == 'L'
local range = withDue and redis.call('ZRANGE', index, offset, offset + size - 1, 'WITHSCORES')
  or redis.call('ZRANGE', index, offset, offset + size - 1)
local members, dues = {}, {}
local step = withDue and 2 or 1
for i = 1, #range, step do
  members[#members + 1] = range[i]
  dues[#dues + 1] = withDue and range[i + 1] or false
end
local out = { -1 }
if #members == size and redis.call('ZCARD', index) > offset + size then
  out[1] = offset + size
end
local read = 0
for i, member in ipairs(members) do
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
    out[1] = offset + i - 1
    break
  end
  read = read + bytes
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
    if dues[i] then
      fields[#fields + 1] = 'due'
      fields[#fields + 1] = dues[i]
    end
    table.insert(fields, 1, id)
    out[#out + 1] = fields
  end
end
return out
