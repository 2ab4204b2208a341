import { sql, type Kysely } from 'kysely';

// Group commit: the appends of many concurrent commands judged and written together, set-wise,
// in one transaction, so that one commit (one WAL flush) and a handful of statements serve them
// all. The rules are those of 0005, now in one place: hearth_append_many becomes the batch of one.
//
// p_commands: [[{ stream, expected, events: [{ id, type, schemaVersion, data, metadata }] }], ...],
// one array of writes per command. The commands of one batch must touch different streams (the
// caller holds back a command that shares a stream with one already in the batch), so each is
// judged against what is stored, independently of the others.
//
// Each command is judged as a whole: if any of its writes fails its expectation, or a retry finds
// only some of its events already written, nothing of it is written; if all of its events are
// already there at the expected revisions, it is a replay; otherwise it is appended. Every stream
// row of the batch is locked first, in stream-id order, then the global numbering lock is taken
// (see 0001), then positions are given in command order.
//
// Returns one row per write: the command's index (from 1), the stream, and the outcome
// (appended, replayed, wrong_expected_revision, or not_written for the other writes of a command
// that failed), the stream's revision after it and the positions written (or found, on a replay).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE FUNCTION hearth_append_batch(p_commands jsonb)
    RETURNS TABLE (command integer, stream text, outcome text, revision bigint, first_position bigint, last_position bigint)
    -- The plans are made for batches of any size, so their estimates are large; compiling them
    -- to machine code would cost far more than running them.
    LANGUAGE plpgsql SET jit = off AS $$
    DECLARE
      v_streams text[];
      v_judged jsonb;
      v_head bigint;
    BEGIN
      -- Plans are kept across calls, made for any batch: each lookup below is written so that it
      -- can only be an index probe (OFFSET 0 keeps the planner from turning it into a join that
      -- scans the table), however large the store grows.
      v_streams := ARRAY(SELECT DISTINCT t.w->>'stream' FROM jsonb_array_elements(p_commands) AS k(c), jsonb_array_elements(k.c) AS t(w) ORDER BY 1);
      IF cardinality(v_streams) <> (SELECT count(*) FROM jsonb_array_elements(p_commands) AS k(c), jsonb_array_elements(k.c) AS t(w)) THEN
        RAISE EXCEPTION 'the commands of one batch must touch different streams';
      END IF;
      INSERT INTO streams (stream_id, revision) SELECT u.id, -1::bigint FROM unnest(v_streams) AS u(id) ORDER BY 1 ON CONFLICT DO NOTHING;
      PERFORM 1 FROM streams s WHERE s.stream_id = ANY (v_streams) ORDER BY s.stream_id FOR UPDATE;

      WITH w AS (
        SELECT k.ord::integer AS cmd, t.ord::integer AS wi, t.w->>'stream' AS stream_id, t.w->>'expected' AS expected,
               t.w->'events' AS events, jsonb_array_length(t.w->'events') AS n, s.revision AS current
          FROM jsonb_array_elements(p_commands) WITH ORDINALITY AS k(c, ord)
          CROSS JOIN LATERAL jsonb_array_elements(k.c) WITH ORDINALITY AS t(w, ord)
          CROSS JOIN LATERAL (SELECT s.revision FROM streams s WHERE s.stream_id = t.w->>'stream' OFFSET 0) s
      ),
      -- Events of this batch already stored: a retry of a command that was written before.
      found AS (
        SELECT w.cmd, w.wi, count(*) AS found, min(e.stream_revision - (x.ord - 1)) AS low, max(e.stream_revision - (x.ord - 1)) AS high,
               min(e.global_position) AS first_position, max(e.global_position) AS last_position
          FROM w CROSS JOIN LATERAL jsonb_array_elements(w.events) WITH ORDINALITY AS x(ev, ord)
          CROSS JOIN LATERAL (SELECT e.stream_revision, e.global_position FROM events e WHERE e.stream_id = w.stream_id AND e.event_id = (x.ev->>'id')::uuid OFFSET 0) e
         GROUP BY w.cmd, w.wi
      ),
      judged AS (
        SELECT w.*, f.low, f.first_position AS found_first, f.last_position AS found_last,
               CASE
                 WHEN coalesce(f.found, 0) > 0 THEN
                   CASE WHEN f.found = w.n AND f.low = f.high AND (
                          w.expected IN ('any', 'stream_exists')
                          OR (w.expected = 'no_stream' AND f.low = 0)
                          OR (w.expected ~ '^[0-9]+$' AND f.low = w.expected::bigint + 1))
                        THEN 'replayed' ELSE 'wrong' END
                 WHEN (w.expected = 'no_stream' AND w.current <> -1)
                   OR (w.expected = 'stream_exists' AND w.current = -1)
                   OR (w.expected ~ '^[0-9]+$' AND w.current <> w.expected::bigint) THEN 'wrong'
                 ELSE 'pending'
               END AS status
          FROM w LEFT JOIN found f ON f.cmd = w.cmd AND f.wi = w.wi
      ),
      verdict AS (
        SELECT j.*,
               CASE
                 WHEN bool_or(j.status = 'wrong') OVER c THEN 'failed'
                 WHEN bool_and(j.status = 'replayed') OVER c THEN 'replayed'
                 WHEN bool_or(j.status = 'replayed') OVER c THEN 'failed'  -- only part of a retry found
                 ELSE 'append'
               END AS decision
          FROM judged j
        WINDOW c AS (PARTITION BY j.cmd)
      )
      SELECT jsonb_agg(to_jsonb(v) - 'events' || jsonb_build_object('events', CASE WHEN v.decision = 'append' THEN v.events END) ORDER BY v.cmd, v.wi)
        INTO v_judged FROM verdict v;

      IF EXISTS (SELECT 1 FROM jsonb_array_elements(v_judged) AS j(v) WHERE j.v->>'decision' = 'append' AND (j.v->>'n')::integer > 0) THEN
        PERFORM pg_advisory_xact_lock(4841736105);
        SELECT coalesce(max(global_position), 0) INTO v_head FROM events;
      END IF;

      -- Positions follow command order, then write order, then event order, from the head.
      v_judged := (
        SELECT jsonb_agg(o.v || jsonb_build_object('offset', v_head + o.before) ORDER BY o.ord)
          FROM (SELECT j.v, j.ord, coalesce(sum(CASE WHEN j.v->>'decision' = 'append' THEN (j.v->>'n')::bigint ELSE 0 END)
                         OVER (ORDER BY j.ord ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
                  FROM jsonb_array_elements(v_judged) WITH ORDINALITY AS j(v, ord)) o);

      INSERT INTO events (global_position, stream_id, stream_revision, event_id, type, schema_version, data, metadata)
        SELECT (j.v->>'offset')::bigint + x.ord, j.v->>'stream_id', (j.v->>'current')::bigint + x.ord, (x.ev->>'id')::uuid, x.ev->>'type',
               (x.ev->>'schemaVersion')::integer, x.ev->'data', x.ev->'metadata'
          FROM jsonb_array_elements(v_judged) AS j(v)
          CROSS JOIN LATERAL jsonb_array_elements(j.v->'events') WITH ORDINALITY AS x(ev, ord)
         WHERE j.v->>'decision' = 'append'
         ORDER BY 1;

      UPDATE streams s SET revision = u.revision
        FROM (SELECT j.v->>'stream_id' AS stream_id, (j.v->>'current')::bigint + (j.v->>'n')::bigint AS revision
                FROM jsonb_array_elements(v_judged) AS j(v)
               WHERE j.v->>'decision' = 'append' AND (j.v->>'n')::integer > 0 OFFSET 0) u
       WHERE s.stream_id = u.stream_id;

      RETURN QUERY
        SELECT (j.v->>'cmd')::integer, j.v->>'stream_id',
               CASE j.v->>'decision'
                 WHEN 'append' THEN 'appended'
                 WHEN 'replayed' THEN 'replayed'
                 ELSE CASE WHEN j.v->>'status' = 'wrong' THEN 'wrong_expected_revision' ELSE 'not_written' END
               END,
               CASE j.v->>'decision'
                 WHEN 'append' THEN (j.v->>'current')::bigint + (j.v->>'n')::bigint
                 WHEN 'replayed' THEN (j.v->>'low')::bigint + (j.v->>'n')::bigint - 1
                 ELSE (j.v->>'current')::bigint
               END,
               CASE j.v->>'decision'
                 WHEN 'append' THEN CASE WHEN (j.v->>'n')::integer > 0 THEN (j.v->>'offset')::bigint + 1 END
                 WHEN 'replayed' THEN (j.v->>'found_first')::bigint
               END,
               CASE j.v->>'decision'
                 WHEN 'append' THEN CASE WHEN (j.v->>'n')::integer > 0 THEN (j.v->>'offset')::bigint + (j.v->>'n')::bigint END
                 WHEN 'replayed' THEN (j.v->>'found_last')::bigint
               END
          FROM jsonb_array_elements(v_judged) AS j(v)
         ORDER BY (j.v->>'cmd')::integer, (j.v->>'wi')::integer;
    END $$`.execute(db);

  // One command is a batch of one: one implementation of the rules.
  await sql`
    CREATE OR REPLACE FUNCTION hearth_append_many(p_writes jsonb)
    RETURNS TABLE (stream text, outcome text, revision bigint, first_position bigint, last_position bigint)
    LANGUAGE sql AS $$
      SELECT b.stream, b.outcome, b.revision, b.first_position, b.last_position FROM hearth_append_batch(jsonb_build_array(p_writes)) b
    $$`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP FUNCTION hearth_append_batch(jsonb)`.execute(db);
}
