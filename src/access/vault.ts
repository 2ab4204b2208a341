// Personal data is sealed with a key of its own per person (AES-256-GCM), and that key is kept
// wrapped with the server's secret. Erasing a person destroys their key: everything sealed with
// it, in the immutable log and anywhere else, can no longer be read. Amounts and balances are
// never sealed, so the ledger's figures stay whole. The key's row stays as a tombstone, so that
// no retry, import or later command can make them a new key (see refuseErased in register.ts).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';

const VERSION = 'v1';

/** A sealed value as it is stored in event data: "v1.<iv>.<ciphertext>.<tag>", base64url. */
export type Sealed = string;

export class PersonalDataVault {
  constructor(
    private readonly db: Db,
    /** 32 bytes: wraps every person's key. */
    private readonly secret: Buffer,
  ) {
    if (secret.length !== 32) throw new Error('the vault secret must be 32 bytes');
  }

  /**
   * Creates the person's key if it does not exist yet (a retried registration reuses it). False,
   * making nothing, once they have been erased: a new key would leave what was sealed before the
   * erasure unreadable by the one that opens it, and would seal new data for someone who is gone.
   */
  async ensureKey(personId: string): Promise<boolean> {
    const key = randomBytes(32);
    await this.db
      .insertInto('person_keys')
      .values({ person_id: personId, wrapped_key: seal(this.secret, key, `key:${personId}`) })
      .onConflict((oc) => oc.column('person_id').doNothing())
      .execute();
    const row = await this.db.selectFrom('person_keys').select('erased_at').where('person_id', '=', personId).executeTakeFirst();
    return row?.erased_at === null;
  }

  /** Whether the person's key has been destroyed. */
  async erased(personId: string): Promise<boolean> {
    const row = await this.db.selectFrom('person_keys').select('erased_at').where('person_id', '=', personId).executeTakeFirst();
    return row !== undefined && row.erased_at !== null;
  }

  async seal(personId: string, value: unknown): Promise<Sealed> {
    const key = await this.#key(personId);
    if (!key) throw new Error('this person has no key: they were erased, or never registered');
    return seal(key, Buffer.from(JSON.stringify(value)), personId).toString('utf8');
  }

  /** The value, or undefined when the person has been erased. `db` lets a projection read inside its own transaction. */
  async open<T>(personId: string, sealed: Sealed, db: Db = this.db): Promise<T | undefined> {
    const key = await this.#key(personId, db);
    if (!key) return undefined;
    return JSON.parse(open(key, Buffer.from(sealed, 'utf8'), personId).toString('utf8')) as T;
  }

  /**
   * Destroys the person's key, leaving its row as a tombstone that no later ensureKey passes (an
   * erasure that comes first writes the tombstone itself). VACUUM then frees the dead row version,
   * so the key's bytes do not linger in the table.
   */
  async erase(personId: string): Promise<void> {
    await sql`
      INSERT INTO person_keys (person_id, wrapped_key, erased_at) VALUES (${personId}, NULL, now())
      ON CONFLICT (person_id) DO UPDATE SET wrapped_key = NULL, erased_at = coalesce(person_keys.erased_at, now())`.execute(this.db);
    await sql`VACUUM person_keys`.execute(this.db).catch(() => undefined);
  }

  // Named with its schema: a projection being rebuilt reads through a connection pointed at scratch tables.
  async #key(personId: string, db: Db = this.db): Promise<Buffer | undefined> {
    const { rows } = await sql<{ wrapped_key: Buffer | Uint8Array | null }>`SELECT wrapped_key FROM public.person_keys WHERE person_id = ${personId}`.execute(db);
    const row = rows[0];
    return row?.wrapped_key ? open(this.secret, Buffer.from(row.wrapped_key), `key:${personId}`) : undefined;
  }
}

function seal(key: Buffer, plaintext: Buffer, context: string): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.from([VERSION, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.'));
}

function open(key: Buffer, sealed: Buffer, context: string): Buffer {
  const [version, iv, body, tag] = sealed.toString('utf8').split('.');
  if (version !== VERSION || !iv || body === undefined || !tag) throw new Error('not a sealed value');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(context));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]);
}
