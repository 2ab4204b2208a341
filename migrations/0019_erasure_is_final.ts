import { sql, type Kysely } from 'kysely';

// Erasure is final: an erased person's key row stays as a tombstone (no key, the time of the
// erasure), so that nothing can make them a new key. A new key would be a different one, and
// every value sealed before the erasure would then fail to open, stopping rebuilds and the audit.
// The database refuses to give a tombstone a key again or to remove it, whatever code asks.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE person_keys ALTER COLUMN wrapped_key DROP NOT NULL`.execute(db);
  await sql`ALTER TABLE person_keys ADD COLUMN erased_at timestamptz`.execute(db);
  await sql`ALTER TABLE person_keys ADD CONSTRAINT person_keys_key_or_erased CHECK ((wrapped_key IS NULL) = (erased_at IS NOT NULL))`.execute(db);
  await sql`
    CREATE FUNCTION person_keys_erasure_is_final() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF OLD.erased_at IS NOT NULL THEN
        IF TG_OP = 'DELETE' OR NEW.wrapped_key IS NOT NULL OR NEW.erased_at IS NULL THEN
          RAISE EXCEPTION 'person % was erased: their key cannot be made again', OLD.person_id USING ERRCODE = 'check_violation';
        END IF;
      END IF;
      RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END $$`.execute(db);
  await sql`CREATE TRIGGER person_keys_erasure_is_final BEFORE UPDATE OR DELETE ON person_keys FOR EACH ROW EXECUTE FUNCTION person_keys_erasure_is_final()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TRIGGER person_keys_erasure_is_final ON person_keys`.execute(db);
  await sql`DROP FUNCTION person_keys_erasure_is_final()`.execute(db);
  await sql`DELETE FROM person_keys WHERE erased_at IS NOT NULL`.execute(db);
  await sql`ALTER TABLE person_keys DROP CONSTRAINT person_keys_key_or_erased`.execute(db);
  await sql`ALTER TABLE person_keys DROP COLUMN erased_at`.execute(db);
  await sql`ALTER TABLE person_keys ALTER COLUMN wrapped_key SET NOT NULL`.execute(db);
}
