import { sql, type Kysely } from 'kysely';

// Appends to several streams at once, all or nothing: a confirmed exchange is one fact about the
// exchange and two postings, one per account, each account holding its own limits. Every stream
// row is locked first, in stream-id order (so two writers never wait on each other in a circle),
// then every expectation is checked, and only then is the global numbering lock taken and the
// events inserted; see 0001 for why that lock makes positions safe to follow.
//
// p_writes: [{ stream, expected, events: [{ id, type, schemaVersion, data, metadata }] }]
// Returns one row per write, in the order given. Outcomes as for hearth_append; when any write
// fails its expectation nothing is written and that write's row says so.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE FUNCTION hearth_append_many(p_writes jsonb)
    RETURNS TABLE (stream text, outcome text, revision bigint, first_position bigint, last_position bigint)
    LANGUAGE plpgsql AS $$
    DECLARE
      w record;
      v_current bigint;
      v_count integer;
      v_found integer;
      v_start_low bigint;
      v_start_high bigint;
      v_first bigint;
      v_last bigint;
      v_head bigint;
      v_failed text;
      v_replays integer := 0;
      v_writes integer := jsonb_array_length(p_writes);
      v_results jsonb := '{}'::jsonb;
    BEGIN
      FOR w IN SELECT t.w->>'stream' AS stream_id, t.w->>'expected' AS expected, t.w->'events' AS events
                 FROM jsonb_array_elements(p_writes) AS t(w) ORDER BY t.w->>'stream' LOOP
        INSERT INTO streams AS s (stream_id, revision) VALUES (w.stream_id, -1) ON CONFLICT DO NOTHING;
        SELECT s.revision INTO v_current FROM streams s WHERE s.stream_id = w.stream_id FOR UPDATE;
        v_count := jsonb_array_length(w.events);
        v_found := 0;
        IF v_count > 0 THEN
          SELECT count(*), min(e.stream_revision - (t.ord - 1)), max(e.stream_revision - (t.ord - 1)),
                 min(e.global_position), max(e.global_position)
            INTO v_found, v_start_low, v_start_high, v_first, v_last
            FROM jsonb_array_elements(w.events) WITH ORDINALITY AS t(ev, ord)
            JOIN events e ON e.stream_id = w.stream_id AND e.event_id = (t.ev->>'id')::uuid;
        END IF;
        IF v_found > 0 THEN
          IF v_found = v_count AND v_start_low = v_start_high AND (
               w.expected IN ('any', 'stream_exists')
               OR (w.expected = 'no_stream' AND v_start_low = 0)
               OR (w.expected ~ '^[0-9]+$' AND v_start_low = w.expected::bigint + 1)) THEN
            v_replays := v_replays + 1;
            v_results := v_results || jsonb_build_object(w.stream_id, jsonb_build_array('replayed', v_start_low + v_count - 1, v_first, v_last));
          ELSE
            v_failed := coalesce(v_failed, w.stream_id);
            v_results := v_results || jsonb_build_object(w.stream_id, jsonb_build_array('wrong_expected_revision', v_current, NULL, NULL));
          END IF;
        ELSIF (w.expected = 'no_stream' AND v_current <> -1)
           OR (w.expected = 'stream_exists' AND v_current = -1)
           OR (w.expected ~ '^[0-9]+$' AND v_current <> w.expected::bigint) THEN
          v_failed := coalesce(v_failed, w.stream_id);
          v_results := v_results || jsonb_build_object(w.stream_id, jsonb_build_array('wrong_expected_revision', v_current, NULL, NULL));
        ELSE
          v_results := v_results || jsonb_build_object(w.stream_id, jsonb_build_array('pending', v_current, NULL, NULL));
        END IF;
      END LOOP;

      -- A retry that finds only part of its events written is a concurrency error, as for one stream.
      IF v_failed IS NULL AND v_replays > 0 AND v_replays < v_writes THEN
        v_failed := 'partial';
      END IF;

      IF v_failed IS NULL AND v_replays = 0 THEN
        PERFORM pg_advisory_xact_lock(4841736105);
        SELECT coalesce(max(global_position), 0) INTO v_head FROM events;
        FOR w IN SELECT t.w->>'stream' AS stream_id, t.w->'events' AS events, t.ord
                   FROM jsonb_array_elements(p_writes) WITH ORDINALITY AS t(w, ord) ORDER BY t.ord LOOP
          v_current := (v_results->w.stream_id->>1)::bigint;
          v_count := jsonb_array_length(w.events);
          IF v_count > 0 THEN
            INSERT INTO events (global_position, stream_id, stream_revision, event_id, type, schema_version, data, metadata)
            SELECT v_head + t.ord, w.stream_id, v_current + t.ord, (t.ev->>'id')::uuid, t.ev->>'type',
                   (t.ev->>'schemaVersion')::integer, t.ev->'data', t.ev->'metadata'
              FROM jsonb_array_elements(w.events) WITH ORDINALITY AS t(ev, ord);
            UPDATE streams s SET revision = v_current + v_count WHERE s.stream_id = w.stream_id;
            v_results := v_results || jsonb_build_object(w.stream_id, jsonb_build_array('appended', v_current + v_count,
              CASE WHEN v_count > 0 THEN v_head + 1 END, CASE WHEN v_count > 0 THEN v_head + v_count END));
            v_head := v_head + v_count;
          ELSE
            v_results := v_results || jsonb_build_object(w.stream_id, jsonb_build_array('appended', v_current, NULL, NULL));
          END IF;
        END LOOP;
      END IF;

      RETURN QUERY
        SELECT t.w->>'stream',
               CASE WHEN v_failed IS NOT NULL AND (v_results->(t.w->>'stream')->>0) IN ('pending', 'replayed') THEN 'not_written'
                    ELSE v_results->(t.w->>'stream')->>0 END,
               (v_results->(t.w->>'stream')->>1)::bigint,
               (v_results->(t.w->>'stream')->>2)::bigint,
               (v_results->(t.w->>'stream')->>3)::bigint
          FROM jsonb_array_elements(p_writes) WITH ORDINALITY AS t(w, ord) ORDER BY t.ord;
    END $$`.execute(db);

  // One stream is the one-write case of many: one implementation of the rules.
  await sql`
    CREATE OR REPLACE FUNCTION hearth_append(p_stream text, p_expected text, p_events jsonb)
    RETURNS TABLE (outcome text, revision bigint, first_position bigint, last_position bigint)
    LANGUAGE sql AS $$
      SELECT m.outcome, m.revision, m.first_position, m.last_position
        FROM hearth_append_many(jsonb_build_array(jsonb_build_object('stream', p_stream, 'expected', p_expected, 'events', p_events))) m
    $$`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP FUNCTION hearth_append_many(jsonb)`.execute(db);
}
