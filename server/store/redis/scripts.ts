import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * The Lua scripts of the Redis store. Each runs atomically on the Redis server, so a state
 * change and its stream entry are one step, and a read sees the board and its head id together.
 *
 * Every script is written so that "is this id still replayable?" has one answer: an id is
 * replayable when its own entry is still in the stream (writes trim the stream near, never
 * below, HISTORY_SIZE + 1 entries, so the entry just before the oldest replayable one is kept),
 * or when it is `0-0` and nothing was ever trimmed. Entries are only ever trimmed from the
 * front and never deleted, so every entry after a retained one is retained too: no gap.
 *
 * @see https://redis.io/docs/latest/develop/interact/programmability/eval-intro/
 */

/** One Lua script: its source and the SHA1 that EVALSHA names it by. */
export interface LuaScript {
  readonly name: string;
  readonly source: string;
  readonly sha: string;
  readonly keyCount: number;
}

function lua(name: string, keyCount: number, body: string): LuaScript {
  const source = `${PRELUDE}\n${body}`;
  return { name, source, sha: createHash('sha1').update(source).digest('hex'), keyCount };
}

const PRELUDE = `
local function info_field(info, name)
  for i = 1, #info, 2 do
    if info[i] == name then return info[i + 1] end
  end
  return nil
end

-- The id of the newest entry ever added ("0-0" when the stream does not exist yet).
local function head_id(events)
  if redis.call('EXISTS', events) == 0 then return '0-0' end
  return info_field(redis.call('XINFO', 'STREAM', events), 'last-generated-id')
end

-- True when every entry after id is still in the stream.
local function replayable(events, id)
  if redis.call('EXISTS', events) == 0 then return id == '0-0' end
  if id == '0-0' then
    -- entries-added (Redis 7.0+) equals the length only if nothing was ever trimmed;
    -- without it we cannot tell, and a snapshot is always correct.
    local info = redis.call('XINFO', 'STREAM', events)
    local added = info_field(info, 'entries-added')
    return added ~= nil and added == info_field(info, 'length')
  end
  return #redis.call('XRANGE', events, id, id) == 1
end
`;

/**
 * Applies one change to the board and appends its event, or changes nothing.
 * Each flight is a hash of its fields (values JSON-encoded), so an update is one HSET of the
 * fields it changes: no read-modify-write, nothing to retry when instances write at once.
 *
 * With an `Idempotency-Key`, the outcome (the change made, or why none was) is recorded in the
 * same step, for `ttl` seconds: a write carrying a key already recorded changes nothing, emits
 * nothing, and returns the recorded outcome instead. A write whose answer was lost (a timeout)
 * is then found out by retrying it, on any instance.
 *
 * KEYS: board index (sorted set: flight keys by insertion), insertion counter, the flight's
 * hash, events stream, the key's outcome (unused without a key). ARGV: op (add|update|remove),
 * flight key, stream cap, event name, event data, outcome ttl in seconds (0: no key), then
 * field, JSON value, field, JSON value, …
 * Returns `{'ok', id}` (an update: `{'ok', id, {field, json, …}}`, the whole flight after it,
 * so the caller need not read the board), `{'exists'}`, `{'not-found'}`, or
 * `{'replay', outcome}`: the recorded outcome, JSON `{op, flight, reply}` with the reply above.
 */
export const WRITE = lua(
  'write',
  5,
  `
local board, counter, flight, events, outcome = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local op, key, cap, name, data, ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6])
if ttl > 0 then
  local recorded = redis.call('GET', outcome)
  if recorded then return {'replay', recorded} end
end
local fields = {}
for i = 7, #ARGV do fields[#fields + 1] = ARGV[i] end
local reply
if op == 'add' then
  if redis.call('EXISTS', flight) == 1 then reply = {'exists'} else
    redis.call('HSET', flight, unpack(fields))
    redis.call('ZADD', board, redis.call('INCR', counter), key)
  end
elseif op == 'update' then
  if redis.call('EXISTS', flight) == 0 then reply = {'not-found'} elseif #fields > 0 then
    redis.call('HSET', flight, unpack(fields))
  end
elseif op == 'remove' then
  if redis.call('DEL', flight) == 0 then reply = {'not-found'} else redis.call('ZREM', board, key) end
else
  return redis.error_reply('unknown write op ' .. tostring(op))
end
if not reply then
  local id = redis.call('XADD', events, 'MAXLEN', '~', cap, '*', 'event', name, 'data', data)
  if op == 'update' then reply = {'ok', id, redis.call('HGETALL', flight)} else reply = {'ok', id} end
end
if ttl > 0 then
  redis.call('SET', outcome, cjson.encode({op = op, flight = key, data = data, reply = reply}), 'EX', ttl)
end
return reply
`,
);

/**
 * The board and the id of the newest event applied to it, read together.
 * KEYS: board index, events stream. ARGV: the prefix of the flight hashes (keys derived
 * from the index; they share the index's hash tag, so they live in its cluster slot).
 * Returns `{headId, {{field, json, …}, …}}` in insertion order.
 */
export const STATE = lua(
  'state',
  2,
  `
local flights = {}
for i, key in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  flights[i] = redis.call('HGETALL', ARGV[1] .. key)
end
return {head_id(KEYS[2]), flights}
`,
);

/**
 * One page of the entries after an id: at most `count` of them, or `{'unknown'}` when that id
 * is not replayable (trimmed, never issued, or from before a Redis restart that lost the
 * stream). A replay reads page after page, each from the last entry of the one before: that
 * entry still being there means nothing after it was trimmed (trimming only takes the front),
 * so the pages join with no gap, and no single call holds Redis for a whole history.
 * KEYS: events stream. ARGV: id, count. Returns `{'ok', {{id, {field, value, …}}, …}}` or `{'unknown'}`.
 */
export const EVENTS_PAGE = lua(
  'events-page',
  1,
  `
local events, id, count = KEYS[1], ARGV[1], ARGV[2]
if not replayable(events, id) then return {'unknown'} end
if redis.call('EXISTS', events) == 0 then return {'ok', {}} end
local start = '(' .. id
if id == '0-0' then start = '-' end
return {'ok', redis.call('XRANGE', events, start, '+', 'COUNT', count)}
`,
);

/**
 * Records the board's closed state (`POST /close` / `POST /open`) and notifies every instance,
 * in one step: the flag key says what the state is (for instances that start or reconnect),
 * and an entry on the control stream (read by each instance's reader in the same XREAD as the
 * events) says that it changed, with the events head at that moment so each reader applies
 * the change right after delivering the events written before it. The control stream is not
 * the events stream: a close is never replayed. A request for the state already in force
 * changes nothing and adds no entry.
 * KEYS: closed flag, control stream, events stream. ARGV: '1' (closed) or '0', control stream cap.
 * Returns `{'ok', controlId}` or `{'unchanged', newest control id}` (`0-0` when none).
 */
export const SET_CLOSED = lua(
  'set-closed',
  3,
  `
local flag, control, events = KEYS[1], KEYS[2], KEYS[3]
local closed, cap = ARGV[1], ARGV[2]
local current = '0'
if redis.call('EXISTS', flag) == 1 then current = '1' end
if current == closed then return {'unchanged', head_id(control)} end
if closed == '1' then redis.call('SET', flag, '1') else redis.call('DEL', flag) end
local id = redis.call('XADD', control, 'MAXLEN', '~', cap, '*', 'closed', closed, 'head', head_id(events))
return {'ok', id}
`,
);

/**
 * Where a reader starts or resumes, read together: whether it can go on from its positions
 * in the events and control streams without missing anything, both heads, and the closed
 * flag (the truth when the control stream no longer continues, e.g. after Redis lost it).
 * KEYS: events stream, control stream, closed flag. ARGV: events id, control id.
 * Returns `{eventsContinue 1|0, eventsHead, controlContinue 1|0, controlHead, closed 1|0}`.
 */
export const POSITION = lua(
  'position',
  3,
  `
local events, control, flag = KEYS[1], KEYS[2], KEYS[3]
return {
  replayable(events, ARGV[1]) and 1 or 0, head_id(events),
  replayable(control, ARGV[2]) and 1 or 0, head_id(control),
  redis.call('EXISTS', flag)
}
`,
);

/** Runs a script by SHA, loading it with EVAL when the server does not know it (e.g. after a restart). */
export async function runScript(
  redis: Redis,
  script: LuaScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, script.keyCount, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return await redis.eval(script.source, script.keyCount, ...keys, ...args);
  }
}
