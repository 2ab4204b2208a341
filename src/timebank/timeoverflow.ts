// Reading what a time bank moving in from TimeOverflow actually has: its "Download all" ZIP
// (members, transfers, offers, inquiries), any one of those reports on its own, or the older
// "complete transfer report" layout. Each file is recognised by its header line, whatever the
// language of the coordinator who downloaded it, and read whole: the first thing that does not
// fit refuses everything, naming the file, the line and the column. Nothing here writes.
//
// Recognised by their shape, so every language TimeOverflow ships reads alike:
// - members: nine columns, the first headed "N" (its member number);
// - transfers: five columns (date, from, to, post, quantity);
// - offers or inquiries: five columns, the first header empty; a line with an empty first cell
//   names the category of the posts under it. Offer or inquiry: by its file name in the ZIP
//   (always English), or by its second header (the model's name in the site's language);
// - the older layout: nine columns, the third and fifth headed "from ID" and "to ID".
import { parse } from 'csv-parse/sync';
import { unzipSync } from 'fflate';
import { basename } from 'node:path';
import { Rejection } from '../commands/decider.ts';
import { EARLIEST_DATE, LATEST_DATE, name, text } from '../bounds.ts';
import { MAX_MINUTES, MAX_BALANCE_MINUTES } from '../units.ts';
import { personalDetails } from '../access/person.ts';
import { categoryName } from './settings.ts';
import { postTitle, tag } from './post.ts';

/** The older layout's columns, in order; the first and the eighth are named in the exporting site's language. */
export const importColumns = ['date', 'from', 'from ID', 'to', 'to ID', 'post', 'post ID', 'reason', 'quantity'] as const;

// The words below are TimeOverflow's own, read from its locale files (config/locales/*.yml) and
// kept exactly as it writes them. It ships en, es, ca, eu, gl, pt-BR, fr, ja and nl-NL; ar.yml and
// pt.yml hold only empty keys. Its I18n falls back to the default locale, Spanish
// (config.i18n.fallbacks = true, default_locale :es), so a key a language lacks is written in
// Spanish, which is here already.

/**
 * TimeOverflow writes a party it cannot name as one of these sentences, in the language of the
 * coordinator who downloads (users.show.inactive_user and users.show.deleted_user).
 */
export const formerMemberSentences = [
  "The user isn't active", 'The user no longer exists', // en
  'El usuario no está activo', 'El usuario ya no existe', // es
  "L'usuari no està actiu", "L'usuari ja no existeix", // ca
  'Erabiltzailea ez dago erabilgarri', 'Erabiltzaile hau jada ez dago.', // eu, the full stop its own
  'A persoa usuaria non está activa', 'A persoa usuaria xa non existe', // gl
  'O usuário não está ativo', 'O usuário não existe mais', // pt-BR
  "L'utilisateur·rice n'est pas actif·ive", "Cet·te utilisateur·rice n'existe plus", // fr
  'ユーザーはアクティブではありません', 'ユーザーは存在しません', // ja
  'De gebruiker is niet actief', 'De gebruiker bestaat niet meer', // nl-NL
];
const formerSentences = new Set(formerMemberSentences.map((s) => s.toLowerCase()));

/**
 * The model names TimeOverflow heads an offers or inquiries report with: Report::PostDecorator's
 * second header is `Offer.model_name.human` or `Inquiry.model_name.human`, that is
 * activerecord.models.offer.one and activerecord.models.inquiry.one (Japanese has only `other`,
 * which its plural rule uses for one). English said "Inquiry" before it said "Request"; Basque
 * writes "Eskaintza " with a trailing space, trimmed when read.
 */
const postHeaders: Record<string, 'offer' | 'request'> = {
  offer: 'offer', oferta: 'offer', offre: 'offer', eskaintza: 'offer', aanbieding: 'offer', 'オファー': 'offer',
  request: 'request', inquiry: 'request', demanda: 'request', demande: 'request', eskaera: 'request', verzoek: 'request', 'リクエスト': 'request',
};

/** A side of a transfer: a member by their TimeOverflow member number, the organisation, or a former member. */
export type Side = { kind: 'member'; number: string; name: string } | { kind: 'organisation' } | { kind: 'former' };

export interface Transfer {
  file: string;
  /** Line in its file, counting the header as line 1. */
  line: number;
  /** When it was made, to the second, in UTC (or only the day, when the file gives no time). */
  at: string;
  /** The day as the members saw it. */
  occurredOn: string;
  minutes: number;
  post: string;
  description: string;
  /** Debited, then credited. */
  from: Side;
  to: Side;
}

export interface Member {
  file: string;
  line: number;
  number: string;
  name: string;
  email?: string;
  phone?: string;
  alternativePhone?: string;
  /** The balance the old system showed, in minutes; null when only the transfers name them. */
  balanceMinutes: number | null;
}

export interface Post {
  file: string;
  line: number;
  kind: 'offer' | 'request';
  /** The post's id in TimeOverflow: with the kind, what makes it the same post in a later export. */
  oldId: string;
  title: string;
  category: string;
  tags: string[];
  ownerNumber: string;
  ownerName: string;
}

export interface MovingIn {
  /** By member number; from the members report, or else from the transfers and posts that name them. */
  members: Map<string, Member>;
  transfers: Transfer[];
  posts: Post[];
  /** Lines between two former members: kept together as one account, they move nothing. */
  withinFormerMembers: Array<{ file: string; line: number }>;
  files: Array<{ name: string; report: 'members' | 'transfers' | 'offers' | 'requests' | 'older transfers' }>;
}

export interface ImportFile {
  /** As the coordinator knows it (an entry of the ZIP, or the file given); empty for one CSV sent alone. */
  name: string;
  content: string;
}

const where = (file: string, line: number, column: string) => (file ? `${file}, line ${line}, ${column}` : `Line ${line}, ${column}`);
const refuse = (file: string, line: number, column: string, message: string): never => {
  throw new Rejection('import-invalid', `${where(file, line, column)}: ${message}`, 422, file ? `${file}/${line}/${column}` : `${line}/${column}`);
};

/** The files inside a ZIP, or the one CSV: every entry ending in .csv, by name. */
export function filesOf(body: Buffer | string, name = ''): ImportFile[] {
  if (typeof body === 'string') return [{ name, content: body }];
  if (body[0] !== 0x50 || body[1] !== 0x4b) return [{ name, content: decode(body, name) }];
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(new Uint8Array(body.buffer, body.byteOffset, body.byteLength), { filter: (f) => /\.csv$/i.test(f.name) && !f.name.startsWith('__MACOSX/') });
  } catch (err) {
    throw new Rejection('import-invalid', `This is not a ZIP file Hearth can read: ${(err as Error).message}`, 422, name || 'file');
  }
  const files = Object.entries(entries).map(([entry, bytes]) => ({ name: basename(entry), content: decode(Buffer.from(bytes), basename(entry)) }));
  if (files.length === 0) throw new Rejection('import-invalid', 'The ZIP file holds no CSV report.', 422, name || 'file');
  return files;
}

function decode(bytes: Buffer, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return refuse(file, 1, 'file', 'is not UTF-8 text, as TimeOverflow writes its reports.');
  }
}

function rowsOf(file: ImportFile): string[][] {
  try {
    return parse(file.content, { bom: true, skip_empty_lines: true, relax_column_count: true, trim: true });
  } catch (err) {
    throw new Rejection('import-invalid', `${file.name ? `${file.name}: ` : ''}This is not a CSV file Hearth can read: ${(err as Error).message}`, 422, file.name || 'file');
  }
}

/** Reads and checks every file whole; refuses at the first thing that does not fit. */
export function readMovingIn(files: readonly ImportFile[]): MovingIn {
  const into: MovingIn = { members: new Map(), transfers: [], posts: [], withinFormerMembers: [], files: [] };
  const parsed = files.map((f) => ({ file: f, rows: rowsOf(f) }));
  // Members first: the transfers and posts that name a member then find them.
  const order = (rows: string[][]) => (rows[0]?.[0] === 'N' && rows[0].length === 9 ? 0 : 1);
  for (const { file, rows } of parsed.sort((a, b) => order(a.rows) - order(b.rows))) {
    const [header, ...body] = rows;
    const report = recognise(file.name, header ?? []);
    into.files.push({ name: file.name, report });
    if (report === 'members') readMembers(file.name, header!, body, into);
    else if (report === 'transfers') readTransfers(file.name, header!, body, into);
    else if (report === 'older transfers') readOlderTransfers(file.name, body, into);
    else readPosts(file.name, report === 'offers' ? 'offer' : 'request', body, into);
  }
  return into;
}

function recognise(file: string, header: string[]): MovingIn['files'][number]['report'] {
  const lower = header.map((h) => h.toLowerCase());
  if (header.length === 9 && header[0] === 'N') return 'members';
  if (header.length === 9 && lower[2] === 'from id' && lower[4] === 'to id') return 'older transfers';
  if (header.length === 5 && header[0] === '') {
    if (/^offers?_/i.test(file)) return 'offers';
    if (/^(inquiries|inquiry|requests?)_/i.test(file)) return 'requests';
    const kind = postHeaders[lower[1]!];
    if (kind) return kind === 'offer' ? 'offers' : 'requests';
    return refuse(file, 1, 'header', `"${header[1]}" does not say whether these are offers or inquiries: keep the name TimeOverflow gave the file (Offers_… or Inquiries_…).`);
  }
  if (header.length === 5 && header[0] !== '') return 'transfers';
  return refuse(
    file, 1, 'header',
    `The first line must name the columns of one of TimeOverflow's reports: members (N, Name, Email, Phone, Alternative Phone, Created, Last login, Locale, Balance), transfers (Date, From, To, Post, Quantity), offers or inquiries ("", Offer, Tags, User, Created), or the complete transfer report (${importColumns.join(', ')}).`,
  );
}

const within = <T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: Array<{ message: string }> } } }, value: unknown, file: string, line: number, column: string): T => {
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : refuse(file, line, column, `${parsed.error.issues[0]!.message}.`);
};

const memberName = name(200);
const description = text(500, { min: 0, lines: true });
const shape = personalDetails.shape;

/** A refusal names a column as the file's own header does. */
function readMembers(file: string, header: string[], body: string[][], into: MovingIn): void {
  const [cN, cName, cEmail, cPhone, cAlt, , , , cBalance] = header as [string, string, string, string, string, string, string, string, string];
  body.forEach((row, i) => {
    const line = i + 2;
    if (row.length !== 9) refuse(file, line, 'row', `expected 9 columns, found ${row.length}.`);
    const [number, username, email, phone, altPhone, , , , balance] = row as string[];
    if (!/^\d+$/.test(number!)) refuse(file, line, cN, `"${number}" is not a member number.`);
    if (into.members.get(number!)?.balanceMinutes != null) refuse(file, line, cN, `member number ${number} is listed twice.`);
    if (!/^-?\d+(\.\d+)?$/.test(balance!)) refuse(file, line, cBalance, `"${balance}" is not a balance in seconds.`);
    const seconds = Number(balance);
    // TimeOverflow keeps seconds; Hearth keeps minutes. Rounded to the nearest minute, halves away from zero.
    const balanceMinutes = Math.sign(seconds) * Math.round(Math.abs(seconds) / 60);
    if (Math.abs(balanceMinutes) > MAX_BALANCE_MINUTES) refuse(file, line, cBalance, 'is beyond any balance Hearth holds.');
    into.members.set(number!, {
      file, line, number: number!, name: within(memberName, username, file, line, cName), balanceMinutes,
      ...(email ? { email: within(shape.email, email, file, line, cEmail) } : {}),
      ...(phone ? { phone: within(shape.phone, phone, file, line, cPhone) } : {}),
      ...(altPhone ? { alternativePhone: within(shape.alternativePhone, altPhone, file, line, cAlt) } : {}),
    });
  });
}

/** `username (member number)`: the number is the last ` (digits)`, since a username may hold parentheses. */
const NAMED = /^(.*) \((\d+)\)$/;

function memberNamed(into: MovingIn, file: string, line: number, column: string, shown: string, number: string): Side {
  const fullName = within(memberName, shown || `Member ${number}`, file, line, column);
  if (!into.members.has(number)) into.members.set(number, { file, line, number, name: fullName, balanceMinutes: null });
  return { kind: 'member', number, name: fullName };
}

/** A date and time as Ruby's Time#to_s writes it: `2025-03-05 14:07:31 UTC`, or with `+0100`. */
const STAMP = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}:\d{2})(?:\s*(UTC|Z|[+-]\d{2}:?\d{2}))?)?$/;
function readStamp(file: string, line: number, column: string, value: string): { at: string; occurredOn: string } {
  const m = STAMP.exec(value);
  const day = m?.[1];
  if (!m || !day || Number.isNaN(Date.parse(day))) return refuse(file, line, column, `"${value}" is not a date (YYYY-MM-DD, then any time).`);
  if (day < EARLIEST_DATE || day > LATEST_DATE) refuse(file, line, column, `must be a date from ${EARLIEST_DATE} to ${LATEST_DATE}.`);
  if (!m[2]) return { at: day, occurredOn: day };
  const zone = !m[3] || m[3] === 'UTC' || m[3] === 'Z' ? 'Z' : `${m[3].slice(0, 3)}:${m[3].slice(-2)}`;
  const instant = Date.parse(`${day}T${m[2]}${zone}`);
  if (Number.isNaN(instant)) refuse(file, line, column, `"${value}" is not a time.`);
  return { at: new Date(instant).toISOString().replace('.000Z', 'Z'), occurredOn: day };
}

function checkedMinutes(file: string, line: number, column: string, minutes: number): number {
  if (minutes <= 0) refuse(file, line, column, 'must be more than zero.');
  if (minutes > MAX_MINUTES) refuse(file, line, column, `must be at most ${MAX_MINUTES / 60} hours.`);
  return minutes;
}

function push(into: MovingIn, t: Transfer, toColumn = 'To'): void {
  if (t.from.kind === 'organisation' && t.to.kind === 'organisation') refuse(t.file, t.line, toColumn, 'a transfer from the organisation to itself cannot be imported.');
  if (t.from.kind === 'former' && t.to.kind === 'former') {
    into.withinFormerMembers.push({ file: t.file, line: t.line });
    return;
  }
  if (t.from.kind === 'member' && t.to.kind === 'member' && t.from.number === t.to.number) refuse(t.file, t.line, toColumn, 'the same member on both sides.');
  into.transfers.push(t);
}

function readTransfers(file: string, header: string[], body: string[][], into: MovingIn): void {
  const [cDate, cFrom, cTo, cPost, cQuantity] = header as [string, string, string, string, string];
  // The organisation is the one party named without a member number that is not a former member.
  let organisation: string | undefined;
  body.forEach((row, i) => {
    const line = i + 2;
    if (row.length !== 5) refuse(file, line, 'row', `expected 5 columns, found ${row.length}.`);
    const [when, from, to, post, quantity] = row as [string, string, string, string, string];
    const { at, occurredOn } = readStamp(file, line, cDate, when);
    const hm = /^(\d+):([0-5]\d)$/.exec(quantity);
    if (!hm) refuse(file, line, cQuantity, `"${quantity}" is not hours and minutes (h:mm).`);
    const minutes = checkedMinutes(file, line, cQuantity, Number(hm![1]) * 60 + Number(hm![2]));
    const side = (shown: string, column: string): Side => {
      const named = NAMED.exec(shown);
      if (named) return memberNamed(into, file, line, column, named[1]!, named[2]!);
      if (formerSentences.has(shown.toLowerCase())) return { kind: 'former' };
      if (!shown) refuse(file, line, column, 'is empty.');
      if (organisation !== undefined && organisation !== shown) {
        refuse(file, line, column, `"${shown}" and "${organisation}" are both named without a member number: only the organisation is, and former members are named by TimeOverflow's own sentences. Hearth cannot tell which is which.`);
      }
      organisation = shown;
      return { kind: 'organisation' };
    };
    const fromSide = side(from, cFrom);
    const toSide = side(to, cTo);
    push(into, { file, line, at, occurredOn, minutes, post, description: within(description, post, file, line, cPost), from: fromSide, to: toSide }, cTo);
  });
}

/** The older layout: IDs of their own columns, 0 the organisation, decimal hours. */
function readOlderTransfers(file: string, body: string[][], into: MovingIn): void {
  body.forEach((row, i) => {
    const line = i + 2;
    if (row.length !== importColumns.length) refuse(file, line, 'row', `expected ${importColumns.length} columns, found ${row.length}.`);
    const [when, fromName, fromId, toName, toId, post, , reason, quantity] = row as string[] as [string, string, string, string, string, string, string, string, string];
    const { at, occurredOn } = readStamp(file, line, 'date', when);
    if (!/^\d+([.,]\d+)?$/.test(quantity)) refuse(file, line, 'quantity', `"${quantity}" is not a number of hours.`);
    const minutes = checkedMinutes(file, line, 'quantity', Math.round(Number(quantity.replace(',', '.')) * 60));
    const side = (id: string, shown: string, column: string): Side => {
      if (id === '0') return { kind: 'organisation' };
      if (id === 'inactive_user' || id === 'deleted_user') return { kind: 'former' };
      if (!id) refuse(file, line, column, 'is empty.');
      return memberNamed(into, file, line, column.replace('ID', 'name'), shown.endsWith(` (${id})`) ? shown.slice(0, -` (${id})`.length) : shown, id);
    };
    const from = side(fromId, fromName, 'from ID');
    const to = side(toId, toName, 'to ID');
    push(into, { file, line, at, occurredOn, minutes, post, description: within(description, [post, reason].filter(Boolean).join(': '), file, line, 'reason'), from, to }, 'to ID');
  });
}

function readPosts(file: string, kind: 'offer' | 'request', body: string[][], into: MovingIn): void {
  let category: string | undefined;
  body.forEach((row, i) => {
    const line = i + 2;
    if (row.length !== 5) refuse(file, line, 'row', `expected 5 columns, found ${row.length}.`);
    const [oldId, title, tags, user] = row as [string, string, string, string, string];
    if (oldId === '') {
      // A category's line; "-" gathers the posts without one.
      category = within(categoryName, title === '-' ? 'Other' : title, file, line, 'category');
      return;
    }
    if (!/^\d+$/.test(oldId)) refuse(file, line, 'id', `"${oldId}" is not a post's number.`);
    if (category === undefined) refuse(file, line, 'category', 'a post comes before the line naming its category.');
    const owner = NAMED.exec(user);
    if (!owner) refuse(file, line, 'User', `"${user}" does not name a member as "name (member number)".`);
    const ownerSide = memberNamed(into, file, line, 'User', owner![1]!, owner![2]!) as Extract<Side, { kind: 'member' }>;
    const tagList = tags.split(',').map((t) => t.trim()).filter(Boolean);
    const checkedTags = [...new Set(tagList.map((t) => within(tag, t, file, line, 'Tags')))];
    if (checkedTags.length > 10) refuse(file, line, 'Tags', 'has more than 10 tags.');
    into.posts.push({ file, line, kind, oldId, title: within(postTitle, title, file, line, kind === 'offer' ? 'Offer' : 'Inquiry'), category: category!, tags: checkedTags, ownerNumber: ownerSide.number, ownerName: ownerSide.name });
  });
}
