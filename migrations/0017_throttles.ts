import { sql, type Kysely } from 'kysely';

// Sign-in and sign-up throttles, counted before a password is checked, so that every Hearth process
// counts together and a burst cannot slip through between a check and a count. Keys are HMACs of
// what they count (an account, an address, or both), so these tables hold no email or address.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE throttle_counts (
      key text PRIMARY KEY,
      window_started_at timestamptz NOT NULL,
      count integer NOT NULL
    )`.execute(db);
  // Where each account last signed in successfully: failures from elsewhere do not lock it out there.
  await sql`
    CREATE TABLE known_sign_in_addresses (
      account_hash text NOT NULL,
      address_hash text NOT NULL,
      last_success_at timestamptz NOT NULL,
      PRIMARY KEY (account_hash, address_hash)
    )`.execute(db);
  // Failures were counted after the password check, which a burst could beat; its counts go with it.
  await sql`DROP TABLE IF EXISTS sign_in_failures`.execute(db);
  // A sign-up's kept answer no longer names the person, so erasure finds it by the key it was sent with.
  await sql`ALTER TABLE credentials ADD COLUMN sign_up_key text`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE credentials DROP COLUMN sign_up_key`.execute(db);
  await sql`DROP TABLE known_sign_in_addresses`.execute(db);
  await sql`DROP TABLE throttle_counts`.execute(db);
  await sql`
    CREATE TABLE sign_in_failures (
      key text PRIMARY KEY,
      window_started_at timestamptz NOT NULL,
      failures integer NOT NULL
    )`.execute(db);
}
