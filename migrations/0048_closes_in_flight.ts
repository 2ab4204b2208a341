import { sql, type Kysely } from 'kysely';

// Closing a co-op vote is a process: the sweeper that finishes what a stopped one left looks for
// proposals being closed every few seconds, through this partial index.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE INDEX coop_proposals_closing ON coop_proposals (proposal_id) WHERE status = 'closing'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX coop_proposals_closing`.execute(db);
}
