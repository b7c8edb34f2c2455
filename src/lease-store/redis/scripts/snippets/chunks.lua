--[[
  Long values (payload, headers, result, last error) are stored as 64-byte chunks in
  fields name, name1, name2, ... so a task hash keeps Redis's compact listpack encoding
  (hash-max-listpack-value defaults to 64 bytes; one longer value turns the whole hash
  into a hashtable, nearly doubling its memory). Readers concatenate the chunks in index
  order. Values over 16 chunks are stored whole: the value dominates the memory then.
]]
local CHUNK_BYTES = 64
local MAX_CHUNKS = 16

-- Appends HSET field/value pairs for `value` under `name` to `fields`.
local function appendChunked(fields, name, value)
  local size = #value
  if size <= CHUNK_BYTES or size > CHUNK_BYTES * MAX_CHUNKS then
    fields[#fields + 1] = name
    fields[#fields + 1] = value
    return
  end
  local index = 0
  for pos = 1, size, CHUNK_BYTES do
    fields[#fields + 1] = index == 0 and name or (name .. index)
    fields[#fields + 1] = string.sub(value, pos, pos + CHUNK_BYTES - 1)
    index = index + 1
  end
end

-- Replaces field `name` (and any chunks of an older value) of `key`; '' deletes it.
local function replaceChunked(key, name, value)
  local stale = { name }
  for i = 1, MAX_CHUNKS - 1 do
    stale[#stale + 1] = name .. i
  end
  redis.call('HDEL', key, unpack(stale))
  if value ~= '' then
    local fields = {}
    appendChunked(fields, name, value)
    redis.call('HSET', key, unpack(fields))
  end
end
