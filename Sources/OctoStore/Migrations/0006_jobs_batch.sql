-- 0006: one round trip per enqueue and per claim of the PostgreSQL job queue.
--
-- job_enqueue     stores a job in the caller's tenant transaction (row-level security applies: the
--                 function runs with the caller's rights), collapsing it onto a waiting duplicate.
-- job_enqueue_as  the same as a statement of its own: binds the transaction to the provider first.
-- job_claim       the claim of PostgresJobQueue in one statement: lanes least recently served first,
--                 rows other claimers hold skipped, ordering keys honoured, and each limited provider's
--                 concurrency and token bucket checked under a lock on its job_limits row.
--
-- Both keep the rules of 0002; only the number of round trips changes.

CREATE FUNCTION job_enqueue(p_provider uuid, p_id uuid, p_queue text, p_type text, p_payload bytea, p_priority integer,
                            p_run_at timestamptz, p_max_attempts integer, p_dedup text, p_ordering text, p_now timestamptz)
RETURNS TABLE (job_id uuid, enqueued boolean)
LANGUAGE plpgsql SECURITY INVOKER AS $$
#variable_conflict use_column
DECLARE
    target text;
    stored uuid;
BEGIN
    SELECT CASE WHEN coalesce((SELECT p.large FROM providers p WHERE p.id = p_provider), false)
                THEN p_queue || '@' || p_provider::text ELSE p_queue END INTO target;
    INSERT INTO job_lanes (queue, provider_id) VALUES (target, p_provider) ON CONFLICT DO NOTHING;
    LOOP
        INSERT INTO jobs (id, provider_id, queue, type, payload, priority, state, run_at, max_attempts,
                          dedup_key, ordering_key, created_at)
        VALUES (p_id, p_provider, target, p_type, p_payload, p_priority, 'ready', p_run_at, p_max_attempts,
                p_dedup, p_ordering, p_now)
        ON CONFLICT (provider_id, queue, dedup_key) WHERE state = 'ready' AND dedup_key IS NOT NULL DO NOTHING
        RETURNING id INTO stored;
        IF stored IS NOT NULL THEN
            RETURN QUERY SELECT stored, true;
            RETURN;
        END IF;
        SELECT j.id INTO stored FROM jobs j
        WHERE j.provider_id = p_provider AND j.queue = target AND j.dedup_key = p_dedup AND j.state = 'ready';
        IF stored IS NOT NULL THEN
            RETURN QUERY SELECT stored, false;
            RETURN;
        END IF;
        -- The waiting duplicate started between the two statements: store this one after all.
    END LOOP;
END;
$$;

CREATE FUNCTION job_enqueue_as(p_provider uuid, p_id uuid, p_queue text, p_type text, p_payload bytea, p_priority integer,
                               p_run_at timestamptz, p_max_attempts integer, p_dedup text, p_ordering text, p_now timestamptz)
RETURNS TABLE (job_id uuid, enqueued boolean)
LANGUAGE plpgsql SECURITY INVOKER AS $$
BEGIN
    PERFORM set_config('app.provider_id', p_provider::text, true);
    RETURN QUERY SELECT * FROM job_enqueue(p_provider, p_id, p_queue, p_type, p_payload, p_priority, p_run_at,
                                           p_max_attempts, p_dedup, p_ordering, p_now);
END;
$$;

CREATE FUNCTION job_claim(p_queue text, p_now timestamptz, p_lease_until timestamptz, p_token uuid, p_worker text,
                          p_limit integer)
RETURNS TABLE (id uuid, provider_id uuid, queue text, type text, payload bytea, attempts integer, max_attempts integer,
               ordering_key text, history text, claim_order bigint)
LANGUAGE plpgsql SECURITY INVOKER AS $$
#variable_conflict use_column
DECLARE
    lane record;
    lim record;
    job record;
    wanted integer;
    taken integer;
    running bigint;
    available double precision;
    picked uuid[] := '{}';
    served_lanes uuid[] := '{}';
BEGIN
    FOR lane IN
        SELECT l.provider_id, m.provider_id IS NOT NULL AS limited FROM job_lanes l
        LEFT JOIN job_limits m ON m.provider_id = l.provider_id
        WHERE l.queue = p_queue
          AND EXISTS (SELECT 1 FROM jobs r WHERE r.queue = l.queue AND r.provider_id = l.provider_id
                      AND r.state = 'ready' AND r.run_at <= p_now)
          AND (m.max_concurrency IS NULL OR m.max_concurrency >
               (SELECT count(*) FROM jobs c WHERE c.provider_id = l.provider_id AND c.state = 'running'))
          AND (m.rate_per_second IS NULL OR least(m.burst, m.tokens
               + extract(epoch FROM (p_now - m.refilled_at)) * m.rate_per_second) >= 1)
        ORDER BY l.served
        LIMIT 32
    LOOP
        wanted := p_limit - cardinality(picked);
        EXIT WHEN wanted <= 0;
        available := NULL;
        IF lane.limited THEN
            -- Serialised per provider: every claimer of this provider waits here, then counts afresh.
            SELECT m.max_concurrency, m.rate_per_second, m.burst, m.tokens, m.refilled_at INTO lim
            FROM job_limits m WHERE m.provider_id = lane.provider_id FOR UPDATE;
            IF FOUND THEN
                IF lim.max_concurrency IS NOT NULL THEN
                    SELECT count(*) INTO running FROM jobs c WHERE c.provider_id = lane.provider_id AND c.state = 'running';
                    wanted := least(wanted, greatest(0, lim.max_concurrency - running)::integer);
                END IF;
                IF lim.rate_per_second IS NOT NULL THEN
                    available := least(lim.burst, lim.tokens
                                 + greatest(0, extract(epoch FROM (p_now - lim.refilled_at))) * lim.rate_per_second);
                    wanted := least(wanted, floor(available)::integer);
                END IF;
            END IF;
            served_lanes := served_lanes || lane.provider_id;
        END IF;
        CONTINUE WHEN wanted <= 0;
        taken := 0;
        FOR job IN
            SELECT c.id FROM jobs c
            WHERE c.queue = p_queue AND c.provider_id = lane.provider_id AND c.state = 'ready' AND c.run_at <= p_now
              AND (c.ordering_key IS NULL OR NOT EXISTS (
                   SELECT 1 FROM jobs o WHERE o.provider_id = c.provider_id AND o.ordering_key = c.ordering_key
                     AND o.state IN ('ready', 'running') AND o.seq < c.seq))
            ORDER BY c.priority DESC, c.run_at, c.seq
            LIMIT wanted
            FOR UPDATE OF c SKIP LOCKED
        LOOP
            picked := picked || job.id;
            taken := taken + 1;
        END LOOP;
        IF available IS NOT NULL AND taken > 0 THEN
            UPDATE job_limits m SET tokens = available - taken, refilled_at = p_now WHERE m.provider_id = lane.provider_id;
        END IF;
        IF taken > 0 AND NOT lane.limited THEN
            served_lanes := served_lanes || lane.provider_id;
        END IF;
    END LOOP;
    IF cardinality(picked) = 0 THEN
        RETURN;
    END IF;
    -- Move the lanes served to the back of the rotation (a lane another claimer holds keeps its place).
    UPDATE job_lanes l SET served = nextval('job_lane_served')
    WHERE (l.queue, l.provider_id) IN (SELECT s.queue, s.provider_id FROM job_lanes s
                                       WHERE s.queue = p_queue AND s.provider_id = ANY(served_lanes)
                                       FOR UPDATE SKIP LOCKED);
    RETURN QUERY
        UPDATE jobs j SET state = 'running', attempts = j.attempts + 1, lease_token = p_token,
               lease_until = p_lease_until, worker = p_worker
        FROM unnest(picked) WITH ORDINALITY AS p(id, n)
        WHERE j.id = p.id
        RETURNING j.id, j.provider_id, j.queue, j.type, j.payload, j.attempts, j.max_attempts, j.ordering_key,
                  j.history::text, p.n;
END;
$$;

REVOKE ALL ON FUNCTION job_enqueue, job_enqueue_as, job_claim FROM PUBLIC;
GRANT EXECUTE ON FUNCTION job_enqueue, job_enqueue_as TO octoisp_app, octoisp_global;
GRANT EXECUTE ON FUNCTION job_claim TO octoisp_global;
