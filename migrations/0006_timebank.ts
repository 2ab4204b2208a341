import { sql, type Kysely } from 'kysely';

// The time bank's read tables (projection "timebank"): balances, ledger lines and exchanges.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE timebank_accounts (
      network_id uuid NOT NULL,
      holder text NOT NULL,
      balance integer NOT NULL,
      lower_override integer,
      upper_override integer,
      PRIMARY KEY (network_id, holder)
    )`.execute(db);

  await sql`
    CREATE TABLE timebank_entries (
      network_id uuid NOT NULL,
      holder text NOT NULL,
      position bigint NOT NULL,
      entry_date text NOT NULL,
      minutes integer NOT NULL,
      reason text NOT NULL,
      ref uuid NOT NULL,
      counterparty text NOT NULL,
      category text,
      description text,
      PRIMARY KEY (network_id, holder, position)
    )`.execute(db);
  await sql`CREATE INDEX timebank_entries_by_date ON timebank_entries (network_id, holder, entry_date)`.execute(db);

  await sql`
    CREATE TABLE timebank_exchanges (
      exchange_id uuid PRIMARY KEY,
      network_id uuid NOT NULL,
      provider_id uuid NOT NULL,
      receiver_id uuid NOT NULL,
      receiver_network_id uuid,
      minutes integer NOT NULL,
      credited integer NOT NULL,
      rate_percent integer NOT NULL,
      category text NOT NULL,
      description text NOT NULL,
      occurred_on text NOT NULL,
      status text NOT NULL,
      logged_by uuid NOT NULL,
      settled_by uuid,
      position bigint NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX timebank_exchanges_by_network ON timebank_exchanges (network_id, occurred_on, exchange_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE timebank_exchanges`.execute(db);
  await sql`DROP TABLE timebank_entries`.execute(db);
  await sql`DROP TABLE timebank_accounts`.execute(db);
}
