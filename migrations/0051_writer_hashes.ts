import { sql, type Kysely } from 'kysely';

// Writers now hash each event, chained within its stream, in its metadata (src/eventstore/hash.ts),
// the same on every store; digests are taken over those hashes (version 2). Digests taken before,
// over PostgreSQL's own chain (migration 0009), keep version 1 and are checked as they were taken.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE log_digests ADD COLUMN version smallint NOT NULL DEFAULT 1`.execute(db);
  await sql`ALTER TABLE pool_periods ADD COLUMN digest_version smallint NOT NULL DEFAULT 1`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE pool_periods DROP COLUMN digest_version`.execute(db);
  await sql`ALTER TABLE log_digests DROP COLUMN version`.execute(db);
}
