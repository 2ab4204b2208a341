import { sql, type Kysely } from 'kysely';

// The care bank's read table (projection "carebank"): every movement of banked minutes, dated,
// so that balances and the scheme's obligation can be stated as at any past date.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE carebank_entries (
      network_id uuid NOT NULL,
      holder text NOT NULL,
      position bigint NOT NULL,
      entry_date text NOT NULL,
      minutes integer NOT NULL,
      kind text NOT NULL,
      ref uuid NOT NULL,
      counterparty text,
      rules_version integer,
      PRIMARY KEY (network_id, holder, position)
    )`.execute(db);
  await sql`CREATE INDEX carebank_entries_by_date ON carebank_entries (network_id, entry_date)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE carebank_entries`.execute(db);
}
