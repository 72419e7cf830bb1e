/// The Lua scripts that make every state change of the Redis driver atomic.
///
/// Keys, under the prefix `P`:
/// - `P:job:<id>` hash: the job; `P:p:<provider>:jobs` zset: a provider's jobs by enqueue order;
/// - `P:q:<queue>:lanes` zset: providers with ready jobs, scored by when they were last served;
/// - `P:q:<queue>:ready:<provider>` zset: ready jobs by priority then enqueue order;
/// - `P:q:<queue>:delayed` zset by run-at, `P:q:<queue>:running` zset by lease end;
/// - `P:q:<queue>:counts` hash: `<provider>:ready|running|dead` counters;
/// - `P:dedup:<provider>:<queue>:<key>`, `P:order:<provider>:<key>` list, `P:limits:<provider>` hash,
///   `P:running:<provider>` counter, `P:queues` set, `P:seq` and `P:served` counters.
///
/// A job hash holds only the fields that have a value: `dedup`, `okey`, `history` and `last_error`
/// are absent until they have one (an absent field reads as `false` in Lua and as nil in Swift, the
/// same as the empty text that jobs stored by earlier versions carry), and the lease end lives only in
/// the running set. Every script reads both forms, so jobs stored before and after an upgrade mix.
enum RedisJobScripts {
    static let common = """
        local P = ARGV[1]
        local function qkey(q, part) return P .. ':q:' .. q .. ':' .. part end
        local function score(priority, seq) return string.format('%.0f', (1000 - tonumber(priority)) * 1e12 + tonumber(seq)) end
        local function count(q, prov, state, delta) redis.call('HINCRBY', qkey(q, 'counts'), prov .. ':' .. state, delta) end
        local function schedule(id, now)
          local jk = P .. ':job:' .. id
          local h = redis.call('HMGET', jk, 'queue', 'provider', 'priority', 'seq', 'run_at')
          if tonumber(h[5]) > now then
            redis.call('ZADD', qkey(h[1], 'delayed'), h[5], id)
          else
            redis.call('ZADD', qkey(h[1], 'ready:' .. h[2]), score(h[3], h[4]), id)
            redis.call('ZADD', qkey(h[1], 'lanes'), 'NX', redis.call('GET', P .. ':served') or '0', h[2])
          end
        end
        local function present(value) return value and value ~= '' end
        local function advance(prov, okey, id, now)
          if not present(okey) then return end
          local ol = P .. ':order:' .. prov .. ':' .. okey
          redis.call('LREM', ol, 1, id)
          local nextId = redis.call('LINDEX', ol, 0)
          if nextId then schedule(nextId, now) end
        end
        local function leave(jk, id, h)
          redis.call('ZREM', qkey(h.queue, 'running'), id)
          redis.call('DECR', P .. ':running:' .. h.provider)
          count(h.queue, h.provider, 'running', -1)
        end
        -- ZADD or ZREM of many members, in chunks that stay well below Lua's stack limit.
        local function chunked(command, key, items)
          for i = 1, #items, 512 do
            redis.call(command, key, unpack(items, i, math.min(i + 511, #items)))
          end
        end
        local function appendHistory(jk, entry)
          local history = cjson.decode(redis.call('HGET', jk, 'history') or '[]')
          table.insert(history, cjson.decode(entry))
          redis.call('HSET', jk, 'history', cjson.encode(history))
        end

        """

    /// ARGV: P, now, then 11 values per job: queue, provider, id, type, payload, priority, run_at,
    /// max_attempts, dedup, ordering key, once (seconds the id is remembered, or empty: a job whose id
    /// was enqueued within them is not stored again). Returns `{stored (1 or 0), id}` per job, in order.
    ///
    /// One call stores a whole batch: the job hashes one by one (dedup and ordering keys in order, so
    /// a batch behaves like the same jobs enqueued one after another), then the sorted sets, counters
    /// and lanes once per queue and provider.
    static let enqueueMany = RedisScript(common + """
        local now = tonumber(ARGV[2])
        local n = (#ARGV - 2) / 11
        local seq = redis.call('INCRBY', P .. ':seq', n) - n
        local served = redis.call('GET', P .. ':served') or '0'
        local out = {}
        local lanes = {}
        local lanesOrder = {}
        local byProvider = {}
        local delayed = {}
        for i = 3, #ARGV, 11 do
          local q, prov, id, prio, runAt, dedup, okey, once = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 5], ARGV[i + 6], ARGV[i + 8], ARGV[i + 9], ARGV[i + 10]
          seq = seq + 1
          local existing = nil
          if once ~= '' and not redis.call('SET', P .. ':once:' .. id, '1', 'NX', 'EX', once) then existing = id end
          if not existing and dedup ~= '' then
            local dk = P .. ':dedup:' .. prov .. ':' .. q .. ':' .. dedup
            existing = redis.call('GET', dk)
            if not existing then redis.call('SET', dk, id) end
          end
          if existing then
            out[#out + 1] = {0, existing}
          else
            local jk = P .. ':job:' .. id
            if dedup == '' and okey == '' then
              redis.call('HSET', jk, 'provider', prov, 'queue', q, 'type', ARGV[i + 3], 'payload', ARGV[i + 4], 'priority', prio,
                'run_at', runAt, 'attempts', 0, 'max_attempts', ARGV[i + 7], 'seq', seq, 'state', 'ready', 'created', ARGV[2])
            else
              redis.call('HSET', jk, 'provider', prov, 'queue', q, 'type', ARGV[i + 3], 'payload', ARGV[i + 4], 'priority', prio,
                'run_at', runAt, 'attempts', 0, 'max_attempts', ARGV[i + 7], 'seq', seq, 'state', 'ready', 'created', ARGV[2],
                'dedup', dedup, 'okey', okey)
            end
            local pj = byProvider[prov]
            if not pj then pj = {}; byProvider[prov] = pj end
            pj[#pj + 1] = seq
            pj[#pj + 1] = id
            local laneKey = q .. ' ' .. prov
            local lane = lanes[laneKey]
            if not lane then
              lane = {q = q, prov = prov, n = 0, ready = {}}
              lanes[laneKey] = lane
              lanesOrder[#lanesOrder + 1] = laneKey
            end
            lane.n = lane.n + 1
            local due = true
            if okey ~= '' then
              local ol = P .. ':order:' .. prov .. ':' .. okey
              redis.call('RPUSH', ol, id)
              due = redis.call('LINDEX', ol, 0) == id
            end
            if due then
              if tonumber(runAt) > now then
                local d = delayed[q]
                if not d then d = {}; delayed[q] = d end
                d[#d + 1] = runAt
                d[#d + 1] = id
              else
                lane.ready[#lane.ready + 1] = score(prio, seq)
                lane.ready[#lane.ready + 1] = id
              end
            end
            out[#out + 1] = {1, id}
          end
        end
        for prov, pj in pairs(byProvider) do chunked('ZADD', P .. ':p:' .. prov .. ':jobs', pj) end
        for q, d in pairs(delayed) do chunked('ZADD', qkey(q, 'delayed'), d) end
        local queues = {}
        for _, laneKey in ipairs(lanesOrder) do
          local lane = lanes[laneKey]
          if not queues[lane.q] then
            queues[lane.q] = true
            redis.call('SADD', P .. ':queues', lane.q)
          end
          count(lane.q, lane.prov, 'ready', lane.n)
          if #lane.ready > 0 then
            chunked('ZADD', qkey(lane.q, 'ready:' .. lane.prov), lane.ready)
            redis.call('ZADD', qkey(lane.q, 'lanes'), 'NX', served, lane.prov)
          end
        end
        return out
        """)

    /// ARGV: P, queue, now, lease_until, limit, worker, token.
    static let claim = RedisScript(common + """
        local q, now, leaseUntil, limit, worker, token = ARGV[2], tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5]), ARGV[6], ARGV[7]
        local due = redis.call('ZRANGEBYSCORE', qkey(q, 'delayed'), '-inf', now, 'LIMIT', 0, 1000)
        for _, id in ipairs(due) do
          redis.call('ZREM', qkey(q, 'delayed'), id)
          schedule(id, now)
        end
        local lanesKey = qkey(q, 'lanes')
        local out = {}
        for _, prov in ipairs(redis.call('ZRANGE', lanesKey, 0, 63)) do
          if #out >= limit then break end
          local allowed = limit - #out
          local lk = P .. ':limits:' .. prov
          local lim = redis.call('HMGET', lk, 'max', 'rate', 'burst', 'tokens', 'refilled')
          local tokens = nil
          if lim[1] then
            allowed = math.min(allowed, tonumber(lim[1]) - tonumber(redis.call('GET', P .. ':running:' .. prov) or '0'))
          end
          if lim[2] then
            tokens = math.min(tonumber(lim[3]), tonumber(lim[4]) + math.max(0, now - tonumber(lim[5])) / 1000 * tonumber(lim[2]))
            allowed = math.min(allowed, math.floor(tokens))
          end
          if allowed > 0 then
            local rk = qkey(q, 'ready:' .. prov)
            local ids = redis.call('ZRANGE', rk, 0, allowed - 1)
            if #ids == 0 then
              redis.call('ZREM', lanesKey, prov)
            else
              -- One command per lane where one per job is not needed: the ids are the first of rk.
              redis.call('ZREMRANGEBYRANK', rk, 0, #ids - 1)
              local leases = {}
              for _, id in ipairs(ids) do
                local jk = P .. ':job:' .. id
                local h = redis.call('HMGET', jk, 'type', 'payload', 'max_attempts', 'okey', 'history', 'dedup', 'attempts')
                local attempts = tonumber(h[7]) + 1
                redis.call('HSET', jk, 'attempts', attempts, 'state', 'running', 'token', token, 'worker', worker)
                if present(h[6]) then
                  local dk = P .. ':dedup:' .. prov .. ':' .. q .. ':' .. h[6]
                  if redis.call('GET', dk) == id then redis.call('DEL', dk) end
                end
                leases[#leases + 1] = leaseUntil
                leases[#leases + 1] = id
                if #leases >= 256 then
                  redis.call('ZADD', qkey(q, 'running'), unpack(leases))
                  leases = {}
                end
                out[#out + 1] = {id, prov, h[1], h[2], attempts, tonumber(h[3]), h[4], h[5]}
              end
              if #leases > 0 then redis.call('ZADD', qkey(q, 'running'), unpack(leases)) end
              redis.call('INCRBY', P .. ':running:' .. prov, #ids)
              count(q, prov, 'ready', -#ids)
              count(q, prov, 'running', #ids)
              if tokens then redis.call('HSET', lk, 'tokens', tostring(tokens - #ids), 'refilled', now) end
              redis.call('ZADD', lanesKey, redis.call('INCR', P .. ':served'), prov)
            end
          end
        end
        return out
        """)

    /// ARGV: P, id, token, lease_until. Returns 1 when the claim still holds.
    static let heartbeat = RedisScript(common + """
        local jk = P .. ':job:' .. ARGV[2]
        local h = redis.call('HMGET', jk, 'state', 'token', 'queue')
        if h[1] ~= 'running' or h[2] ~= ARGV[3] then return 0 end
        redis.call('ZADD', qkey(h[3], 'running'), 'XX', ARGV[4], ARGV[2])
        return 1
        """)

    /// ARGV: P, id, token, now. Removes an acknowledged job.
    static let complete = RedisScript(common + """
        local id = ARGV[2]
        local jk = P .. ':job:' .. id
        local v = redis.call('HMGET', jk, 'state', 'token', 'provider', 'queue', 'okey')
        if v[1] ~= 'running' or v[2] ~= ARGV[3] then return 0 end
        leave(jk, id, {provider = v[3], queue = v[4]})
        redis.call('DEL', jk)
        redis.call('ZREM', P .. ':p:' .. v[3] .. ':jobs', id)
        advance(v[3], v[5], id, tonumber(ARGV[4]))
        return 1
        """)

    /// ARGV: P, now, then id and token of each job. Removes the acknowledged jobs; one 1 or 0 per job.
    /// The running sets, provider indexes and counters change once per queue and provider.
    static let completeMany = RedisScript(common + """
        local now = tonumber(ARGV[2])
        local out = {}
        local lanes = {}
        local running = {}
        local byProvider = {}
        for i = 3, #ARGV, 2 do
          local id, token = ARGV[i], ARGV[i + 1]
          local jk = P .. ':job:' .. id
          local v = redis.call('HMGET', jk, 'state', 'token', 'provider', 'queue', 'okey')
          if v[1] ~= 'running' or v[2] ~= token then
            out[#out + 1] = 0
          else
            local q, prov = v[4], v[3]
            local r = running[q]
            if not r then r = {}; running[q] = r end
            r[#r + 1] = id
            local pj = byProvider[prov]
            if not pj then pj = {}; byProvider[prov] = pj end
            pj[#pj + 1] = id
            local laneKey = q .. ' ' .. prov
            local lane = lanes[laneKey]
            if not lane then lane = {q = q, prov = prov, n = 0}; lanes[laneKey] = lane end
            lane.n = lane.n + 1
            redis.call('DEL', jk)
            advance(prov, v[5], id, now)
            out[#out + 1] = 1
          end
        end
        for q, r in pairs(running) do chunked('ZREM', qkey(q, 'running'), r) end
        for prov, pj in pairs(byProvider) do chunked('ZREM', P .. ':p:' .. prov .. ':jobs', pj) end
        -- The running counters, once per queue and provider.
        for _, lane in pairs(lanes) do
          redis.call('DECRBY', P .. ':running:' .. lane.prov, lane.n)
          count(lane.q, lane.prov, 'running', -lane.n)
        end
        return out
        """)

    /// ARGV: P, id, token, now, error, retry_at ('' for dead), history entry JSON.
    static let fail = RedisScript(common + """
        local id, now = ARGV[2], tonumber(ARGV[4])
        local jk = P .. ':job:' .. id
        local v = redis.call('HMGET', jk, 'state', 'token', 'provider', 'queue', 'okey')
        if v[1] ~= 'running' or v[2] ~= ARGV[3] then return 0 end
        leave(jk, id, {provider = v[3], queue = v[4]})
        appendHistory(jk, ARGV[7])
        redis.call('HSET', jk, 'last_error', ARGV[5], 'token', '', 'worker', '')
        if ARGV[6] == '' then
          redis.call('HSET', jk, 'state', 'dead', 'dead_at', ARGV[4], 'run_at', ARGV[4])
          count(v[4], v[3], 'dead', 1)
          advance(v[3], v[5], id, now)
        else
          redis.call('HSET', jk, 'state', 'ready', 'run_at', ARGV[6])
          count(v[4], v[3], 'ready', 1)
          schedule(id, now)
        end
        return 1
        """)

    /// ARGV: P, now, ISO now. Recovers expired leases of every queue.
    static let recover = RedisScript(common + """
        local now = tonumber(ARGV[2])
        local recovered = 0
        for _, q in ipairs(redis.call('SMEMBERS', P .. ':queues')) do
          for _, id in ipairs(redis.call('ZRANGEBYSCORE', qkey(q, 'running'), '-inf', '(' .. ARGV[2], 'LIMIT', 0, 1000)) do
            local jk = P .. ':job:' .. id
            local v = redis.call('HMGET', jk, 'provider', 'okey', 'attempts', 'max_attempts', 'worker')
            leave(jk, id, {provider = v[1], queue = q})
            local message = 'lease expired: worker ' .. (v[5] or '?') .. ' stopped heartbeating'
            appendHistory(jk, cjson.encode({attempt = tonumber(v[3]), at = ARGV[3], error = message}))
            redis.call('HSET', jk, 'last_error', message, 'token', '', 'worker', '')
            if tonumber(v[3]) >= tonumber(v[4]) then
              redis.call('HSET', jk, 'state', 'dead', 'dead_at', ARGV[2], 'run_at', ARGV[2])
              count(q, v[1], 'dead', 1)
              advance(v[1], v[2], id, now)
            else
              redis.call('HSET', jk, 'state', 'ready', 'run_at', ARGV[2])
              count(q, v[1], 'ready', 1)
              schedule(id, now)
            end
            recovered = recovered + 1
          end
        end
        return recovered
        """)

    /// ARGV: P, provider, id, now, action ('retry' or 'discard'). Returns 1 when the dead letter existed.
    static let dead = RedisScript(common + """
        local prov, id, now = ARGV[2], ARGV[3], tonumber(ARGV[4])
        local jk = P .. ':job:' .. id
        local v = redis.call('HMGET', jk, 'state', 'provider', 'queue', 'okey')
        if v[1] ~= 'dead' or v[2] ~= prov then return 0 end
        count(v[3], prov, 'dead', -1)
        if ARGV[5] == 'discard' then
          redis.call('DEL', jk)
          redis.call('ZREM', P .. ':p:' .. prov .. ':jobs', id)
          return 1
        end
        redis.call('HSET', jk, 'state', 'ready', 'attempts', 0, 'run_at', ARGV[4], 'dead_at', '')
        count(v[3], prov, 'ready', 1)
        if present(v[4]) then
          local ol = P .. ':order:' .. prov .. ':' .. v[4]
          redis.call('RPUSH', ol, id)
          if redis.call('LINDEX', ol, 0) ~= id then return 1 end
        end
        schedule(id, now)
        return 1
        """)
}
