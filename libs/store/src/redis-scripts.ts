/**
 * Lua scripts of the Redis store. Each write runs as one script, so its compare-and-set, index
 * maintenance and change-stream XADD are applied together or not at all. Writes are idempotent
 * per operation id: the reply of an applied write is kept under its op key for a while, and a
 * resend of the same operation (ioredis resends commands in flight when a connection drops)
 * returns that reply instead of applying the write twice.
 *
 * Key layout (P = key prefix; a member is `<mesh>\0<name>`, mesh empty for global resources):
 *   P:r:<type>:<member>  hash  json, version, hash (content hash of labels+spec), labels (JSON), ctime
 *   P:idx:<type>         zset  every member of the type, score 0, so ZRANGEBYLEX orders by (mesh, name)
 *   P:types              zset  types that have at least one resource, score 0 (lexicographic)
 *   P:changes            stream of changes: fields op (created|updated|deleted) and res (resource JSON),
 *                        trimmed to exactly retainChanges entries on every append
 *   P:changes:trimmed    string: id of the newest entry trimmed from the stream (resync threshold)
 *   P:op:<uuid>          string reply of an applied write, expires after a few minutes
 *
 * Scripts never compare strings with Lua's `<` (it uses the server's locale collation): ordering
 * comes from sorted sets, and stream ids are compared as numbers.
 */

/** Appends a change to the stream, trimming it to exactly maxlen entries and recording the newest trimmed id. */
const APPEND = String.raw`
local function append(stream, trimmed, maxlen, op, json)
  local excess = redis.call('XLEN', stream) + 1 - tonumber(maxlen)
  if excess > 0 then
    local old = redis.call('XRANGE', stream, '-', '+', 'COUNT', excess)
    redis.call('SET', trimmed, old[#old][1])
  end
  return redis.call('XADD', stream, 'MAXLEN', maxlen, '*', 'op', op, 'res', json)
end
`;

/** Creates a resource. KEYS: stream, trimmed, types, resource, index, op, mesh resource. ARGV: type, member, json, hash, labels, now, needsMesh, maxlen, opTtl. */
const CREATE = `${APPEND}
local done = redis.call('GET', KEYS[6])
if done then return cjson.decode(done) end
if redis.call('EXISTS', KEYS[4]) == 1 then return {'exists'} end
if ARGV[7] == '1' and redis.call('EXISTS', KEYS[7]) == 0 then return {'nomesh'} end
redis.call('HSET', KEYS[4], 'json', ARGV[3], 'version', '1', 'hash', ARGV[4], 'labels', ARGV[5], 'ctime', ARGV[6])
redis.call('ZADD', KEYS[5], 0, ARGV[2])
redis.call('ZADD', KEYS[3], 0, ARGV[1])
local id = append(KEYS[1], KEYS[2], ARGV[8], 'created', ARGV[3])
local reply = {'ok', id}
redis.call('SET', KEYS[6], cjson.encode(reply), 'EX', ARGV[9])
return reply
`;

/**
 * Replaces labels and spec. KEYS: stream, trimmed, resource, op. ARGV: head (the JSON of type..spec
 * without its closing brace), hash, labels, now, expectedVersion or '', maxlen, opTtl.
 */
const UPDATE = `${APPEND}
local done = redis.call('GET', KEYS[4])
if done then return cjson.decode(done) end
local cur = redis.call('HMGET', KEYS[3], 'version', 'hash', 'ctime')
if not cur[1] then return {'notfound'} end
if ARGV[5] ~= '' and cur[1] ~= ARGV[5] then return {'conflict', cur[1]} end
if cur[2] == ARGV[2] then return {'noop', redis.call('HGET', KEYS[3], 'json')} end
local version = tostring(tonumber(cur[1]) + 1)
local json = ARGV[1] .. ',"creationTime":"' .. cur[3] .. '","modificationTime":"' .. ARGV[4] .. '","version":"' .. version .. '"}'
redis.call('HSET', KEYS[3], 'json', json, 'version', version, 'hash', ARGV[2], 'labels', ARGV[3])
local id = append(KEYS[1], KEYS[2], ARGV[6], 'updated', json)
local reply = {'ok', id, version, cur[3]}
redis.call('SET', KEYS[4], cjson.encode(reply), 'EX', ARGV[7])
return reply
`;

/**
 * Deletes a resource; for a Mesh first every resource of the mesh, type by type in lexicographic
 * order, each type in (mesh, name) order, the Mesh's own event last. KEYS: stream, trimmed, types,
 * resource, index, op. ARGV: prefix, type, member, expectedVersion or '', cascade ('1' for a Mesh),
 * mesh range min and max (ZRANGEBYLEX syntax), maxlen, opTtl.
 */
const DELETE = `${APPEND}
local done = redis.call('GET', KEYS[6])
if done then return cjson.decode(done) end
local cur = redis.call('HMGET', KEYS[4], 'version', 'json')
if not cur[1] then return {'notfound'} end
if ARGV[4] ~= '' and cur[1] ~= ARGV[4] then return {'conflict', cur[1]} end
local count = 0
if ARGV[5] == '1' then
  for _, t in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
    local idx = ARGV[1] .. ':idx:' .. t
    local members = redis.call('ZRANGEBYLEX', idx, ARGV[6], ARGV[7])
    for _, m in ipairs(members) do
      local k = ARGV[1] .. ':r:' .. t .. ':' .. m
      local json = redis.call('HGET', k, 'json')
      redis.call('DEL', k)
      append(KEYS[1], KEYS[2], ARGV[8], 'deleted', json)
      count = count + 1
    end
    if #members > 0 then
      redis.call('ZREMRANGEBYLEX', idx, ARGV[6], ARGV[7])
      if redis.call('ZCARD', idx) == 0 then redis.call('ZREM', KEYS[3], t) end
    end
  end
end
redis.call('DEL', KEYS[4])
redis.call('ZREM', KEYS[5], ARGV[3])
if redis.call('ZCARD', KEYS[5]) == 0 then redis.call('ZREM', KEYS[3], ARGV[2]) end
local id = append(KEYS[1], KEYS[2], ARGV[8], 'deleted', cur[2])
local reply = {'ok', id, tostring(count)}
redis.call('SET', KEYS[6], cjson.encode(reply), 'EX', ARGV[9])
return reply
`;

/**
 * One page of a type's index in [min, max] (ZRANGEBYLEX syntax), with total count of matches.
 * KEYS: index. ARGV: resource key prefix of the type, min, max, page start (min or '(' + cursor),
 * before-page max ('[' + cursor, or '' without cursor), size, name substring or '', label pair count,
 * then label key/value pairs. Returns {total, last member of the page when more follow or '', json…}.
 */
const LIST = String.raw`
local size = tonumber(ARGV[6])
local sub = ARGV[7]
local nlabels = tonumber(ARGV[8])
if sub == '' and nlabels == 0 then
  local total = redis.call('ZLEXCOUNT', KEYS[1], ARGV[2], ARGV[3])
  local page = redis.call('ZRANGEBYLEX', KEYS[1], ARGV[4], ARGV[3], 'LIMIT', 0, size + 1)
  local out = {total, ''}
  for i = 1, math.min(#page, size) do out[#out + 1] = redis.call('HGET', ARGV[1] .. page[i], 'json') end
  if #page > size then out[2] = page[size] end
  return out
end
local function matches(m)
  if sub ~= '' then
    local sep = string.find(m, '\0', 1, true)
    if not string.find(string.sub(m, sep + 1), sub, 1, true) then return false end
  end
  if nlabels > 0 then
    local labels = cjson.decode(redis.call('HGET', ARGV[1] .. m, 'labels'))
    for i = 0, nlabels - 1 do
      if labels[ARGV[9 + 2 * i]] ~= ARGV[10 + 2 * i] then return false end
    end
  end
  return true
end
local total = 0
if ARGV[5] ~= '' then
  for _, m in ipairs(redis.call('ZRANGEBYLEX', KEYS[1], ARGV[2], ARGV[5])) do
    if matches(m) then total = total + 1 end
  end
end
local out = {0, ''}
local last = ''
for _, m in ipairs(redis.call('ZRANGEBYLEX', KEYS[1], ARGV[4], ARGV[3])) do
  if matches(m) then
    total = total + 1
    if #out - 2 < size then
      out[#out + 1] = redis.call('HGET', ARGV[1] .. m, 'json')
      last = m
    else
      out[2] = last
    end
  end
end
out[1] = total
return out
`;

/** Stream-id comparison and the last-generated id of the change stream. */
const STREAM_INFO = String.raw`
local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function before(a, b)
  local am, as = parse(a)
  local bm, bs = parse(b)
  if am ~= bm then return am < bm end
  return as < bs
end
local function lastId(stream)
  if redis.call('EXISTS', stream) == 0 then return '0-0' end
  local info = redis.call('XINFO', 'STREAM', stream)
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then return info[i + 1] end
  end
  return redis.error_reply('XINFO STREAM reported no last-generated-id')
end
`;

/** The revision of the latest change, '0-0' when there was none. KEYS: stream. */
const HEAD = `${STREAM_INFO}
return lastId(KEYS[1])
`;

/**
 * The next changes after a cursor, or a resync when
 * - some were trimmed: the cursor is older than the newest trimmed entry (MAXLEN trimming does not
 *   move XINFO's max-deleted-entry-id, hence our own record);
 * - the cursor is unknown: ahead of the head, or newer than the trimmed mark yet absent from the
 *   stream while newer ids exist. Entries leave only by trimming, so an absent one was lost (e.g.
 *   Redis restarted from an AOF missing its last writes) and the newer ids belong to new writes.
 *   (A cursor equal to the head is kept even if absent: nothing followed it, and resync targets the head.)
 * KEYS: stream, trimmed. ARGV: cursor, count. Returns {'ok', entries} or {'resync', head}.
 */
const READ = `${STREAM_INFO}
local last = lastId(KEYS[1])
local trimmed = redis.call('GET', KEYS[2]) or '0-0'
if before(ARGV[1], trimmed) or before(last, ARGV[1]) then return {'resync', last} end
if ARGV[1] ~= last and before(trimmed, ARGV[1]) and #redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1]) == 0 then
  return {'resync', last}
end
if last == '0-0' then return {'ok', {}} end
return {'ok', redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], '+', 'COUNT', ARGV[2])}
`;

/** Script definitions in the form of ioredis' `scripts` option; each becomes a command of the connection. */
export const STORE_SCRIPTS = {
  mycelCreate: { lua: CREATE, numberOfKeys: 7 },
  mycelUpdate: { lua: UPDATE, numberOfKeys: 4 },
  mycelDelete: { lua: DELETE, numberOfKeys: 6 },
  mycelList: { lua: LIST, numberOfKeys: 1, readOnly: true },
  mycelHead: { lua: HEAD, numberOfKeys: 1, readOnly: true },
  mycelRead: { lua: READ, numberOfKeys: 2, readOnly: true },
} as const;

/** Name of one of {@link STORE_SCRIPTS}. */
export type StoreScriptName = keyof typeof STORE_SCRIPTS;
