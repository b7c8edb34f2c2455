--[[
  cancel: a PENDING or SCHEDULED task becomes CANCELLED at once; a LEASED one gets a
  cancel request (extends are refused, and it becomes CANCELLED when the lease ends
  without completion).

  KEYS[1] ready ZSET     KEYS[2] scheduled ZSET     KEYS[3] the task hash
  ARGV[1] task id
  ARGV[2] now (ms) or '' for Redis TIME
  ARGV[3] TTL of CANCELLED hashes (ms)
  ARGV[4] retention of COMPLETED / CANCELLED tasks (ms)   ARGV[5] retention of DEAD tasks (ms)

  Returns 1 when the task will not run again, 0 when it had already COMPLETED or
  become DEAD, -1 when unknown (or past its retention).
]]
--@include "snippets/now.lua"
--@include "snippets/layout.lua"
--@include "snippets/finish.lua"
--@include "snippets/script-codes.lua"

local ready, sched, taskKey, id = KEYS[1], KEYS[2], KEYS[3], ARGV[1]
local now = resolveNow(ARGV[2])
local v = redis.call('HMGET', taskKey, 's', 'o', 'f')
local state = v[1]
if not state or isGone(state, v[3], now, tonumber(ARGV[4]), tonumber(ARGV[5])) then
  return CODE.NOT_FOUND
end
if state == 'P' then
  redis.call('ZREM', ready, id)
  finishTask(taskKey, 'X', now, tonumber(ARGV[3]))
  return 1
elseif state == 'S' then
  redis.call('ZREM', sched, setMember(tonumber(v[2]), id))
  finishTask(taskKey, 'X', now, tonumber(ARGV[3]))
  return 1
elseif state == 'L' then
  redis.call('HSET', taskKey, 'c', '1')
  return 1
elseif state == 'X' then
  return 1
end
return 0
