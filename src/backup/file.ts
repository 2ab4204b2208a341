// A backup file: one line of JSON in the clear saying what the file holds (the header), then its
// rows, one JSON array a line, gzip'd and sealed with AES-256-GCM under a key derived from
// HEARTH_SECRET, then GCM's 16-byte tag. The header is authenticated with the rows, so a byte
// changed anywhere, a file cut short or one sealed under another secret is refused before a row
// is restored.
//
// Sealed rather than only checksummed: some read tables hold what was opened from the vault (the
// people table's names) and kept answers to requests may name people, so rows in the clear would
// put personal data in a file that neither HEARTH_SECRET nor an erasure could reach. The secret
// itself is never in the file; without it the file cannot be read.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { appendFile, open, rename, rm, stat, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip, createGzip } from 'node:zlib';
import { z } from 'zod';

export const FORMAT = 'hearth-backup';
export const FORMAT_VERSION = 1;

const tableSchema = z.strictObject({ name: z.string().min(1), columns: z.array(z.string().min(1)).min(1), rows: z.number().int().min(0) });

const headerSchema = z.strictObject({
  format: z.literal(FORMAT),
  version: z.literal(FORMAT_VERSION),
  /** The version of Hearth that made it. */
  hearth: z.string(),
  createdAt: z.iso.datetime(),
  store: z.enum(['postgres', 'pglite']),
  /** The global position of the newest event in it. */
  head: z.number().int().min(0),
  /** The migrations its database had had applied, in order. */
  migrations: z.array(z.string().min(1)).min(1),
  /** In the order they load: a table after those its foreign keys name. */
  tables: z.array(tableSchema),
  sequences: z.array(z.strictObject({ name: z.string().min(1), value: z.string().nullable() })),
  cipher: z.strictObject({ name: z.literal('aes-256-gcm'), salt: z.base64(), iv: z.base64(), check: z.base64() }),
});

export type Header = z.infer<typeof headerSchema>;
export type BackupTable = z.infer<typeof tableSchema>;

/** A file that will not be restored, and why, in words for whoever runs the command. */
export class BackupRefused extends Error {
  override name = 'BackupRefused';
}

const TAG_BYTES = 16;
const HEADER_LIMIT = 4 * 1024 * 1024;

function keyFor(secret: Buffer, salt: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, salt, 'hearth backup aes-256-gcm v1', 32));
}

// Tells a file sealed under another secret from a damaged one at once, rather than after reading it all.
const keyCheck = (key: Buffer) => createHmac('sha256', key).update('hearth backup key check').digest().subarray(0, 16).toString('base64');

/**
 * Writes the header and the lines (each batch a list of lines, without their newlines) to FILE,
 * by way of FILE.partial, so that an interrupted backup never leaves a file under the name asked
 * for. Returns the file's size in bytes.
 */
export async function writeBackupFile(file: string, header: Omit<Header, 'cipher'>, batches: AsyncIterable<string[]>, secret: Buffer): Promise<number> {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const key = keyFor(secret, salt);
  const line = Buffer.from(`${JSON.stringify({ ...header, cipher: { name: 'aes-256-gcm', salt: salt.toString('base64'), iv: iv.toString('base64'), check: keyCheck(key) } })}\n`);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(line);
  const partial = `${file}.partial`;
  try {
    await writeFile(partial, line, { mode: 0o600 });
    await pipeline(Readable.from(joined(batches)), createGzip(), cipher, createWriteStream(partial, { flags: 'a' }));
    await appendFile(partial, cipher.getAuthTag());
    await rename(partial, file);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
  return (await stat(file)).size;
}

async function* joined(batches: AsyncIterable<string[]>): AsyncGenerator<string> {
  for await (const lines of batches) if (lines.length > 0) yield `${lines.join('\n')}\n`;
}

export interface OpenedBackup {
  file: string;
  header: Header;
  /** The header line as written: authenticated with the rows. */
  headerLine: Buffer;
  key: Buffer;
  size: number;
}

/** Reads and checks the header, and that the file was sealed under this secret. Reads no rows. */
export async function openBackup(file: string, secret: Buffer): Promise<OpenedBackup> {
  const { size } = await stat(file).catch(() => {
    throw new BackupRefused(`cannot read ${file}`);
  });
  const handle = await open(file, 'r');
  let headerLine: Buffer;
  try {
    const start = Buffer.alloc(Math.min(size, HEADER_LIMIT));
    const { bytesRead } = await handle.read(start, 0, start.length, 0);
    const end = start.subarray(0, bytesRead).indexOf(0x0a);
    if (end < 0) throw new BackupRefused(`${file} is not a Hearth backup, or its first line is damaged`);
    headerLine = Buffer.from(start.subarray(0, end + 1));
  } finally {
    await handle.close();
  }
  const header = parseHeader(file, headerLine.toString('utf8'));
  const key = keyFor(secret, Buffer.from(header.cipher.salt, 'base64'));
  if (keyCheck(key) !== header.cipher.check) {
    throw new BackupRefused(`${file} was made under another HEARTH_SECRET: restore it with the secret of the Hearth it came from`);
  }
  if (size < headerLine.length + TAG_BYTES) throw new BackupRefused(`${file} is damaged: it is cut short`);
  return { file, header, headerLine, key, size };
}

function parseHeader(file: string, text: string): Header {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new BackupRefused(`${file} is not a Hearth backup, or its first line is damaged`);
  }
  const shape = z.object({ format: z.literal(FORMAT), version: z.number().int() }).safeParse(raw);
  if (!shape.success) throw new BackupRefused(`${file} is not a Hearth backup, or its first line is damaged`);
  if (shape.data.version > FORMAT_VERSION) {
    throw new BackupRefused(`${file} was made by a newer Hearth (backup format ${shape.data.version}; this one reads ${FORMAT_VERSION}): restore it with that version or a later one`);
  }
  const header = headerSchema.safeParse(raw);
  if (!header.success) throw new BackupRefused(`${file} is not a Hearth backup, or its first line is damaged`);
  return header.data;
}

/**
 * The rows, table by table in the header's order, each line a JSON array of the columns' text
 * (null for NULL). Opening and unzipping happen as the lines are read, so a damaged or altered
 * file throws BackupRefused part way, and at the latest once the last line has been read: only
 * a file read to its end has been checked.
 */
export async function* readRows(backup: OpenedBackup): AsyncGenerator<{ table: BackupTable; lines: string[] }> {
  const { file, header, headerLine, key, size } = backup;
  const tag = Buffer.alloc(TAG_BYTES);
  const handle = await open(file, 'r');
  try {
    await handle.read(tag, 0, TAG_BYTES, size - TAG_BYTES);
  } finally {
    await handle.close();
  }
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(header.cipher.iv, 'base64'));
  decipher.setAAD(headerLine);
  decipher.setAuthTag(tag);
  const gunzip = createGunzip();
  const sealed = size - TAG_BYTES > headerLine.length ? createReadStream(file, { start: headerLine.length, end: size - TAG_BYTES - 1 }) : Readable.from([]);
  const done = pipeline(sealed, decipher, gunzip);
  done.catch(() => undefined);

  const damaged = (why: string) => new BackupRefused(`${file} is damaged or was altered (${why}): nothing was restored from it`);
  const tables = header.tables.filter((t) => t.rows > 0);
  let index = 0;
  let inTable = 0;
  let pending: string[] = [];
  const batches: Array<{ table: BackupTable; lines: string[] }> = [];
  // Hands out each table's rows in batches, and no line beyond the counts the header gives.
  const take = (lines: string[]) => {
    for (const line of lines) {
      const table = tables[index];
      if (!table) throw damaged('more rows than its header lists');
      pending.push(line);
      inTable++;
      if (inTable === table.rows || pending.length >= BATCH_ROWS) {
        batches.push({ table, lines: pending });
        pending = [];
      }
      if (inTable === table.rows) {
        index++;
        inTable = 0;
      }
    }
  };

  const decoder = new StringDecoder('utf8');
  let rest = '';
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      rest += decoder.write(chunk);
      const lines = rest.split('\n');
      rest = lines.pop()!;
      take(lines);
      yield* batches.splice(0);
    }
    await done;
  } catch (err) {
    if (err instanceof BackupRefused) throw err;
    throw damaged((err as Error).message);
  } finally {
    sealed.destroy();
  }
  if (rest + decoder.end() !== '') throw damaged('it ends part way through a row');
  if (index < tables.length) throw damaged('fewer rows than its header lists');
}

/** Rows handed out at once: a batch is one INSERT on restore. */
const BATCH_ROWS = 500;
