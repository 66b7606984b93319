"""The admission rules of ``strategies.py`` in Lua, for Redis: one script per admission, one per settle.

Each script runs atomically inside Redis, on Redis's own clock (``TIME``), so every replica judges
against the same time and the same counters in one round trip. Section names match the Python
functions they mirror. Keys of one tenant share a hash tag (``{org_id}``), so both scripts work on
Redis Cluster; the quota key's day suffix is appended here, from ``TIME``, within that same slot.
"""

from __future__ import annotations

ADMIT = """
-- KEYS: window logs (nw), lease sets (nc), quota key prefixes (nq)
-- ARGV: request_id, nw, nc, nq, tokens, lease_ms, (limit, window_ms) per window, limit per cap, limit per quota
local rid = ARGV[1]
local nw, nc, nq = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local tokens, lease_ms = tonumber(ARGV[5]), tonumber(ARGV[6])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local today = math.floor(tonumber(clock[1]) / 86400)
local admitted = true
local arg = 7

local wlimit, wsize, wat, wstate = {}, {}, {}, {}
for i = 1, nw do
  local key = KEYS[i]
  local limit, window = tonumber(ARGV[arg]), tonumber(ARGV[arg + 1])
  arg = arg + 2
  -- window_now
  local at = now
  local newest = tonumber(redis.call('LINDEX', key, 0))
  if newest and newest > now then
    if newest - now <= window then at = newest else redis.call('DEL', key) end
  end
  -- window_expire
  while true do
    local oldest = tonumber(redis.call('LINDEX', key, -1))
    if oldest and oldest <= at - window then redis.call('RPOP', key) else break end
  end
  -- window_state
  local count = redis.call('LLEN', key)
  local retry, reset = 0, 0
  if count >= limit then
    retry = tonumber(redis.call('LINDEX', key, limit - 1)) + window - at
    admitted = false
  end
  if count > 0 then reset = tonumber(redis.call('LINDEX', key, 0)) + window - at end
  wlimit[i], wsize[i], wat[i], wstate[i] = limit, window, at, {count, retry, reset}
end

local held = {}
for i = 1, nc do
  local key = KEYS[nw + i]
  local limit = tonumber(ARGV[arg])
  arg = arg + 1
  -- lease_expire
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  held[i] = redis.call('ZCARD', key)
  if held[i] >= limit then admitted = false end
end

local qkey, qused, qreserved = {}, {}, {}
for i = 1, nq do
  qkey[i] = KEYS[nw + nc + i] .. ':' .. today
  local limit = tonumber(ARGV[arg])
  arg = arg + 1
  -- quota_fits
  local v = redis.call('HMGET', qkey[i], 'used', 'reserved')
  qused[i], qreserved[i] = tonumber(v[1]) or 0, tonumber(v[2]) or 0
  if qused[i] + qreserved[i] + tokens > limit then admitted = false end
end

if admitted then
  for i = 1, nw do
    -- window_record
    redis.call('LPUSH', KEYS[i], wat[i])
    redis.call('LTRIM', KEYS[i], 0, wlimit[i] - 1)
    redis.call('PEXPIRE', KEYS[i], wsize[i] + wat[i] - now)
    wstate[i] = {wstate[i][1] + 1, 0, wsize[i]}
  end
  for i = 1, nc do
    redis.call('ZADD', KEYS[nw + i], now + lease_ms, rid)
    redis.call('PEXPIRE', KEYS[nw + i], lease_ms)
    held[i] = held[i] + 1
  end
  for i = 1, nq do
    -- quota_reserve
    redis.call('HINCRBY', qkey[i], 'reserved', tokens)
    redis.call('HSET', qkey[i], 'r:' .. rid, tokens)
    redis.call('EXPIREAT', qkey[i], (today + 2) * 86400)
    qreserved[i] = qreserved[i] + tokens
  end
end

local out = {admitted and 1 or 0, now, today}
for i = 1, nw do
  out[#out + 1] = wstate[i][1]
  out[#out + 1] = wstate[i][2]
  out[#out + 1] = wstate[i][3]
end
for i = 1, nc do out[#out + 1] = held[i] end
for i = 1, nq do
  out[#out + 1] = qused[i]
  out[#out + 1] = qreserved[i]
end
return out
"""

SETTLE = """
-- KEYS: lease sets (nc), then quota keys of the admission's day
-- ARGV: request_id, nc, tokens, charge_unreserved (1/0), expire_at (unix seconds, for a charged-only key)
local rid = ARGV[1]
local nc = tonumber(ARGV[2])
local tokens = tonumber(ARGV[3])
local out = {}
for i = 1, nc do redis.call('ZREM', KEYS[i], rid) end
for i = nc + 1, #KEYS do
  local key = KEYS[i]
  -- quota_settle
  local reserved = tonumber(redis.call('HGET', key, 'r:' .. rid))
  if reserved then
    redis.call('HDEL', key, 'r:' .. rid)
    if redis.call('HINCRBY', key, 'reserved', -reserved) < 0 then redis.call('HSET', key, 'reserved', 0) end
    redis.call('HINCRBY', key, 'used', tokens)
    if ARGV[4] == '1' then redis.call('HSET', key, 'c:' .. rid, 1) end
  elseif ARGV[4] == '1' and redis.call('HSETNX', key, 'c:' .. rid, 1) == 1 then
    redis.call('HINCRBY', key, 'used', tokens)
    redis.call('EXPIREAT', key, ARGV[5])
  end
  local v = redis.call('HMGET', key, 'used', 'reserved')
  out[#out + 1] = tonumber(v[1]) or 0
  out[#out + 1] = tonumber(v[2]) or 0
end
return out
"""
