import { sql, type Kysely } from 'kysely';
import { up as appendBatchAsIn0008 } from './0008_append_batch.ts';

// Group commit as in 0008, with the same rules and results, doing less with each event. 0008
// carried every event's data through each step of the judging (into the verdicts, then again
// with their positions), so a large batch (an import's, hundreds of events) was taken apart and
// put together as JSON several times over before being written. The verdicts now hold only what
// is judged (command, write, stream, revisions, decision); the events are taken from the batch as
// given, by command and write, only when they are inserted.
//
// The chain (0009) is kept exactly: the trigger now works out the same hash in one expression
// rather than through a call per event and a loop over its fields, the encoding unchanged (each
// field's text in UTF-8, preceded by its length in bytes as a 4-byte big-endian integer).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE OR REPLACE FUNCTION hearth_append_batch(p_commands jsonb)
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
        -- Everything but the events: the verdicts are small, whatever the batch holds.
        SELECT w.cmd, w.wi, w.stream_id, w.expected, w.n, w.current, f.low, f.first_position AS found_first, f.last_position AS found_last,
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
      SELECT jsonb_agg(to_jsonb(v) ORDER BY v.cmd, v.wi) INTO v_judged FROM verdict v;

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

      -- Each write's events, from the batch as given, matched to its verdict by command and write.
      WITH j AS MATERIALIZED (
        SELECT (j.v->>'cmd')::integer AS cmd, (j.v->>'wi')::integer AS wi, j.v->>'stream_id' AS stream_id,
               (j.v->>'offset')::bigint AS first_offset, (j.v->>'current')::bigint AS current
          FROM jsonb_array_elements(v_judged) AS j(v)
         WHERE j.v->>'decision' = 'append'
      ),
      t AS MATERIALIZED (
        SELECT k.ord::integer AS cmd, t.ord::integer AS wi, t.w->'events' AS events
          FROM jsonb_array_elements(p_commands) WITH ORDINALITY AS k(c, ord)
          CROSS JOIN LATERAL jsonb_array_elements(k.c) WITH ORDINALITY AS t(w, ord)
      )
      INSERT INTO events (global_position, stream_id, stream_revision, event_id, type, schema_version, data, metadata)
        SELECT j.first_offset + x.ord, j.stream_id, j.current + x.ord, (x.ev->>'id')::uuid, x.ev->>'type',
               (x.ev->>'schemaVersion')::integer, x.ev->'data', x.ev->'metadata'
          FROM j JOIN t ON t.cmd = j.cmd AND t.wi = j.wi
          CROSS JOIN LATERAL jsonb_array_elements(t.events) WITH ORDINALITY AS x(ev, ord)
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

  await sql`
    CREATE OR REPLACE FUNCTION hearth_chain_event() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      v_previous bytea := '';
      v_position bytea := convert_to(NEW.global_position::text, 'UTF8');
      v_stream bytea := convert_to(NEW.stream_id, 'UTF8');
      v_revision bytea := convert_to(NEW.stream_revision::text, 'UTF8');
      v_id bytea := convert_to(NEW.event_id::text, 'UTF8');
      v_type bytea := convert_to(NEW.type, 'UTF8');
      v_version bytea := convert_to(NEW.schema_version::text, 'UTF8');
      v_data bytea := convert_to(NEW.data::text, 'UTF8');
      v_metadata bytea := convert_to(NEW.metadata::text, 'UTF8');
    BEGIN
      IF NEW.stream_revision > 0 THEN
        SELECT e.hash INTO v_previous FROM events e WHERE e.stream_id = NEW.stream_id AND e.stream_revision = NEW.stream_revision - 1;
        IF NOT FOUND THEN
          RAISE EXCEPTION 'stream % has no event at revision % to chain revision % to', NEW.stream_id, NEW.stream_revision - 1, NEW.stream_revision;
        END IF;
      END IF;
      NEW.hash := sha256(v_previous
        || int4send(length(v_position)) || v_position || int4send(length(v_stream)) || v_stream
        || int4send(length(v_revision)) || v_revision || int4send(length(v_id)) || v_id
        || int4send(length(v_type)) || v_type || int4send(length(v_version)) || v_version
        || int4send(length(v_data)) || v_data || int4send(length(v_metadata)) || v_metadata);
      RETURN NEW;
    END $$`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  // 0008's function as it was, and 0009's trigger function: the hash they give is the same.
  await sql`DROP FUNCTION hearth_append_batch(jsonb)`.execute(db);
  await appendBatchAsIn0008(db);
  await sql`
    CREATE OR REPLACE FUNCTION hearth_chain_event() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      v_previous bytea := '';
    BEGIN
      IF NEW.stream_revision > 0 THEN
        SELECT e.hash INTO v_previous FROM events e WHERE e.stream_id = NEW.stream_id AND e.stream_revision = NEW.stream_revision - 1;
        IF NOT FOUND THEN
          RAISE EXCEPTION 'stream % has no event at revision % to chain revision % to', NEW.stream_id, NEW.stream_revision - 1, NEW.stream_revision;
        END IF;
      END IF;
      NEW.hash := hearth_event_hash(v_previous, NEW);
      RETURN NEW;
    END $$`.execute(db);
}
