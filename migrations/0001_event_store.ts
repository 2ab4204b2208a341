import { sql, type Kysely } from 'kysely';

// The event log. Appends go through hearth_append() so that checking the expected revision,
// the idempotency check and the insert are one round trip and one transaction.
//
// Global positions are assigned under a transaction-scoped advisory lock taken just before
// the insert, as max(position) + n. PostgreSQL releases a transaction's locks only after its
// commit is visible, so the next writer can only number its events after every lower
// position is committed (or rolled back, leaving no gap). A reader that sees position p
// therefore already sees every position below p: it can follow the log by position alone and
// never miss an event that a concurrent transaction commits late. Only the insert and commit
// are serialised; the stream checks before it run concurrently.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE streams (
      stream_id text PRIMARY KEY,
      revision bigint NOT NULL
    )`.execute(db);

  await sql`
    CREATE TABLE events (
      global_position bigint PRIMARY KEY,
      stream_id text NOT NULL,
      stream_revision bigint NOT NULL,
      event_id uuid NOT NULL,
      type text NOT NULL,
      schema_version integer NOT NULL,
      data jsonb NOT NULL,
      metadata jsonb NOT NULL,
      UNIQUE (stream_id, stream_revision),
      UNIQUE (stream_id, event_id)
    )`.execute(db);

  // Events are immutable: corrections are new events.
  await sql`
    CREATE FUNCTION hearth_events_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'events are immutable: % is not allowed on events', TG_OP USING ERRCODE = 'restrict_violation';
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER events_immutable BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION hearth_events_are_immutable()`.execute(db);
  await sql`
    CREATE TRIGGER events_not_truncated BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_events_are_immutable()`.execute(db);

  // p_expected: 'any' | 'no_stream' | 'stream_exists' | a revision in decimal.
  // p_events: [{ id, type, schemaVersion, data, metadata }, ...]
  // Outcomes: 'appended', 'replayed' (every id already there, in order, where expected: nothing
  // written), 'wrong_expected_revision' (also for ids that only partly match).
  await sql`
    CREATE FUNCTION hearth_append(p_stream text, p_expected text, p_events jsonb)
    RETURNS TABLE (outcome text, revision bigint, first_position bigint, last_position bigint)
    LANGUAGE plpgsql AS $$
    DECLARE
      v_current bigint;
      v_count integer := jsonb_array_length(p_events);
      v_found integer;
      v_start_low bigint;
      v_start_high bigint;
      v_first bigint;
      v_last bigint;
      v_head bigint;
    BEGIN
      INSERT INTO streams AS s (stream_id, revision) VALUES (p_stream, -1) ON CONFLICT DO NOTHING;
      SELECT s.revision INTO v_current FROM streams s WHERE s.stream_id = p_stream FOR UPDATE;

      IF v_count > 0 THEN
        SELECT count(*), min(e.stream_revision - (t.ord - 1)), max(e.stream_revision - (t.ord - 1)),
               min(e.global_position), max(e.global_position)
          INTO v_found, v_start_low, v_start_high, v_first, v_last
          FROM jsonb_array_elements(p_events) WITH ORDINALITY AS t(ev, ord)
          JOIN events e ON e.stream_id = p_stream AND e.event_id = (t.ev->>'id')::uuid;
        IF v_found > 0 THEN
          IF v_found = v_count AND v_start_low = v_start_high AND (
               p_expected IN ('any', 'stream_exists')
               OR (p_expected = 'no_stream' AND v_start_low = 0)
               OR (p_expected ~ '^[0-9]+$' AND v_start_low = p_expected::bigint + 1)) THEN
            RETURN QUERY SELECT 'replayed'::text, v_start_low + v_count - 1, v_first, v_last;
          ELSE
            RETURN QUERY SELECT 'wrong_expected_revision'::text, v_current, NULL::bigint, NULL::bigint;
          END IF;
          RETURN;
        END IF;
      END IF;

      IF (p_expected = 'no_stream' AND v_current <> -1)
         OR (p_expected = 'stream_exists' AND v_current = -1)
         OR (p_expected ~ '^[0-9]+$' AND v_current <> p_expected::bigint) THEN
        RETURN QUERY SELECT 'wrong_expected_revision'::text, v_current, NULL::bigint, NULL::bigint;
        RETURN;
      END IF;

      IF v_count = 0 THEN
        RETURN QUERY SELECT 'appended'::text, v_current, NULL::bigint, NULL::bigint;
        RETURN;
      END IF;

      PERFORM pg_advisory_xact_lock(4841736105);
      SELECT coalesce(max(global_position), 0) INTO v_head FROM events;

      INSERT INTO events (global_position, stream_id, stream_revision, event_id, type, schema_version, data, metadata)
      SELECT v_head + t.ord, p_stream, v_current + t.ord, (t.ev->>'id')::uuid, t.ev->>'type',
             (t.ev->>'schemaVersion')::integer, t.ev->'data', t.ev->'metadata'
        FROM jsonb_array_elements(p_events) WITH ORDINALITY AS t(ev, ord);

      UPDATE streams s SET revision = v_current + v_count WHERE s.stream_id = p_stream;
      RETURN QUERY SELECT 'appended'::text, v_current + v_count, v_head + 1, v_head + v_count;
    END $$`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP FUNCTION hearth_append(text, text, jsonb)`.execute(db);
  await sql`DROP TABLE events`.execute(db);
  await sql`DROP FUNCTION hearth_events_are_immutable()`.execute(db);
  await sql`DROP TABLE streams`.execute(db);
}
