// Personal data is sealed with a key of its own per person (AES-256-GCM), and that key is kept
// wrapped with the server's secret. Erasing a person destroys their key: everything sealed with
// it, in the immutable log and anywhere else, can no longer be read. Amounts and balances are
// never sealed, so the ledger's figures stay whole. The key's row stays as a tombstone, so that
// no retry, import or later command can make them a new key (see refuseErased in register.ts).
//
// Free text that can name people (an exchange's description, a receipt's reference, a bank line)
// is sealed under a key of its own, linked to every person it concerns: erasing any one of them
// destroys the key, since the text may name any of them.
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from '../db/database.ts';

const VERSION = 'v1';

/** A sealed value as it is stored in event data: "v1.<iv>.<ciphertext>.<tag>", base64url. */
export type Sealed = string;

/** Shown in place of a text whose key was destroyed with a person it concerned. */
export const ERASED_TEXT = '(erased)';

/**
 * Free text as events carry it. `clear` is text recorded before texts were sealed (older event
 * versions, upcast as they were) or empty; `sealedUnder` is a bank line sealed under its
 * statement's key, as statements were before text keys.
 */
export const sealedText = z.union([
  z.strictObject({ textKey: z.uuid(), sealed: z.string().min(1) }),
  z.strictObject({ clear: z.string() }),
  z.strictObject({ sealedUnder: z.uuid(), sealed: z.string().min(1) }),
]);
export type SealedText = z.infer<typeof sealedText>;

/** The clear text an older event version carried, as the current version's sealed field. */
export const clearText = (text: string): SealedText => ({ clear: text });

/** A sealed text as a read table's text column holds it: opened on read with `openTexts`. */
export const storedText = (text: SealedText): string => JSON.stringify(text);

/** A text as a read table holds it, or as an event carries it. */
export type RecordedText = SealedText | string;

const asSealed = (text: RecordedText): SealedText => (typeof text === 'string' ? sealedText.parse(JSON.parse(text)) : text);

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
    await this.#eraseTextsOf(personId);
  }

  /** Seals a text under a new key of its own, linked to the people it concerns. Empty text needs no key. */
  async sealText(text: string, concerns: readonly string[]): Promise<SealedText> {
    return (await this.sealTexts([{ text, concerns }]))[0]!;
  }

  /**
   * Seals several texts, each under its own key, and keeps the keys and their links in one
   * statement, whatever their number. Text about someone already erased is recorded as if erased
   * with them: the statement keeps no key for it, so that no later read can open it.
   */
  async sealTexts(texts: ReadonlyArray<{ text: string; concerns: readonly string[] }>): Promise<SealedText[]> {
    const keys: Array<{ key_id: string; wrapped_key: string; concerns: string[] }> = [];
    const sealed = texts.map(({ text, concerns }): SealedText => {
      if (text === '') return { clear: '' };
      const keyId = randomUUID();
      const key = randomBytes(32);
      keys.push({ key_id: keyId, wrapped_key: seal(this.secret, key, `text-key:${keyId}`).toString('hex'), concerns: [...new Set(concerns)] });
      return { textKey: keyId, sealed: seal(key, Buffer.from(text, 'utf8'), `text:${keyId}`).toString('utf8') };
    });
    if (keys.length === 0) return sealed;
    await sql`
      WITH x AS (SELECT * FROM jsonb_to_recordset(${JSON.stringify(keys)}::jsonb) AS x(key_id uuid, wrapped_key text, concerns uuid[])),
      kept AS (
        INSERT INTO text_keys (key_id, wrapped_key)
        SELECT x.key_id, decode(x.wrapped_key, 'hex') FROM x
         WHERE NOT EXISTS (SELECT 1 FROM unnest(x.concerns) AS c(person_id)
                            WHERE NOT EXISTS (SELECT 1 FROM public.person_keys p WHERE p.person_id = c.person_id AND p.wrapped_key IS NOT NULL))
        RETURNING key_id)
      INSERT INTO text_key_subjects (key_id, person_id)
      SELECT x.key_id, c.person_id FROM x JOIN kept ON kept.key_id = x.key_id CROSS JOIN LATERAL unnest(x.concerns) AS c(person_id)`.execute(this.db);
    return sealed;
  }

  /** Links texts to more people they concern, found later (a bank line matched to a holder's receipt). */
  async concern(keyIds: string | readonly string[], personIds: readonly string[]): Promise<void> {
    const rows = [...new Set(typeof keyIds === 'string' ? [keyIds] : keyIds)].flatMap((key_id) => [...new Set(personIds)].map((person_id) => ({ key_id, person_id })));
    if (rows.length === 0) return;
    // A key already destroyed has nothing left to link: the select finds only keys still held.
    await sql`INSERT INTO text_key_subjects (key_id, person_id)
      SELECT k.key_id, s.person_id FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS s(key_id uuid, person_id uuid)
      JOIN text_keys k ON k.key_id = s.key_id
      ON CONFLICT DO NOTHING`.execute(this.db);
  }

  /** Destroys keys made for texts that were never recorded (a command refused, or a retry that recorded nothing new). */
  async discardTexts(texts: ReadonlyArray<SealedText | undefined>): Promise<void> {
    const keyIds = texts.flatMap((t) => (t && 'textKey' in t ? [t.textKey] : []));
    if (keyIds.length > 0) await this.db.deleteFrom('text_keys').where('key_id', 'in', keyIds).execute();
  }

  /**
   * Runs the command that records texts just sealed, and destroys their keys when it records
   * nothing: refused (a refusal writes nothing that lasts), a retry answered with the first
   * result, or a repeat the decider found already done.
   */
  async recording<T extends { replayed: boolean; events: object }>(texts: ReadonlyArray<SealedText | undefined>, command: () => Promise<T>): Promise<T> {
    let done: T;
    try {
      done = await command();
    } catch (e) {
      await this.discardTexts(texts);
      throw e;
    }
    const wrote = Object.values(done.events).some((events) => Array.isArray(events) && events.length > 0);
    if (done.replayed || !wrote) await this.discardTexts(texts);
    return done;
  }

  /** The clear texts, in order, with ERASED_TEXT for those whose key was destroyed: one read of keys for all of them. */
  async openTexts(texts: ReadonlyArray<RecordedText>, db?: Db): Promise<string[]>;
  async openTexts(texts: ReadonlyArray<RecordedText | null>, db?: Db): Promise<Array<string | null>>;
  async openTexts(texts: ReadonlyArray<RecordedText | null>, db: Db = this.db): Promise<Array<string | null>> {
    const sealed = texts.map((t) => (t === null ? null : asSealed(t)));
    const textKeys = [...new Set(sealed.flatMap((t) => (t && 'textKey' in t ? [t.textKey] : [])))];
    const statementKeys = [...new Set(sealed.flatMap((t) => (t && 'sealedUnder' in t ? [t.sealedUnder] : [])))];
    const keys = new Map<string, Buffer>();
    if (textKeys.length > 0) {
      const { rows } = await sql<{ key_id: string; wrapped_key: Buffer | Uint8Array }>`SELECT key_id, wrapped_key FROM public.text_keys WHERE key_id = ANY(${textKeys}::uuid[])`.execute(db);
      for (const r of rows) keys.set(r.key_id, open(this.secret, Buffer.from(r.wrapped_key), `text-key:${r.key_id}`));
    }
    for (const id of statementKeys) {
      const key = await this.#key(id, db);
      if (key) keys.set(`under:${id}`, key);
    }
    return sealed.map((t) => {
      if (t === null) return null;
      if ('clear' in t) return t.clear;
      if ('textKey' in t) {
        const key = keys.get(t.textKey);
        return key ? open(key, Buffer.from(t.sealed, 'utf8'), `text:${t.textKey}`).toString('utf8') : ERASED_TEXT;
      }
      const key = keys.get(`under:${t.sealedUnder}`);
      return key ? (JSON.parse(open(key, Buffer.from(t.sealed, 'utf8'), t.sealedUnder).toString('utf8')) as string) : ERASED_TEXT;
    });
  }

  async openText(text: RecordedText, db: Db = this.db): Promise<string> {
    return (await this.openTexts([text], db))[0]!;
  }

  /** Destroys the key of every text that concerns the person: they are unreadable for everyone. */
  async #eraseTextsOf(personId: string): Promise<void> {
    await this.db.deleteFrom('text_keys').where('key_id', 'in', (q) => q.selectFrom('text_key_subjects').select('key_id').where('person_id', '=', personId)).execute();
    await sql`VACUUM text_keys`.execute(this.db).catch(() => undefined);
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
