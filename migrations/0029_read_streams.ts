import { sql, type Kysely } from 'kysely';

// Several streams read in one query, each from a revision: what a command reading a batch of
// accounts asks. Written as a join, the planner took the whole events table (a scan growing with
// the store, the longest part of a large import); here each stream is one probe of the
// (stream_id, stream_revision) index, however large the store grows. Its estimates are for any
// number of streams, so large; compiling the plan to machine code would cost far more than running it.
//
// Returns the events of each read (numbered from 1, in the order given), in revision order.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE FUNCTION hearth_read_streams(p_streams text[], p_from bigint[])
    RETURNS TABLE (read integer, global_position bigint, stream_id text, stream_revision bigint, event_id uuid, type text, schema_version integer, data jsonb, metadata jsonb)
    LANGUAGE sql STABLE SET jit = off AS $$
      SELECT r.read::integer, e.global_position, e.stream_id, e.stream_revision, e.event_id, e.type, e.schema_version, e.data, e.metadata
        FROM unnest(p_streams, p_from) WITH ORDINALITY AS r(stream_id, from_revision, read)
        CROSS JOIN LATERAL (SELECT e.* FROM events e WHERE e.stream_id = r.stream_id AND e.stream_revision >= r.from_revision ORDER BY e.stream_revision OFFSET 0) e
       ORDER BY r.read, e.stream_revision
    $$`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP FUNCTION hearth_read_streams(text[], bigint[])`.execute(db);
}
