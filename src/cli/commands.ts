// The time bank and care bank from the command line: for a coordinator recording for members who
// are not online, and for a treasurer's reports. Each command is one API call (see ledger.ts).
import { parseMinutes as minutesFrom } from '../units.ts';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { zipSync } from 'fflate';
import { importProgress, type ImportProgress } from '../timebank/import.ts';
import type { Ledger } from './ledger.ts';
import { progressLine } from './progress.ts';
import { today } from '../dates.ts';
import { formatMinutes } from '../units.ts';

export type Flags = Record<string, string | boolean | undefined>;

export interface Command {
  usage: string;
  run(ledger: Ledger, flags: Flags, args: string[]): Promise<string>;
}

/** The flag, or a clear message that it is needed. */
export function need(flags: Flags, name: string): string {
  const value = flags[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is needed.`);
  return value;
}
export const optional = (flags: Flags, name: string) => (typeof flags[name] === 'string' ? (flags[name] as string) : undefined);

/** Minutes from "90", "1:30" or "1.5h", or a clear message that it is not a length of time. */
export function parseMinutes(text: string): number {
  const value = minutesFrom(text);
  if (value === undefined) throw new UsageError(`"${text}" is not a length of time: give minutes (90), hours and minutes (1:30) or hours (1.5h).`);
  return value;
}

export class UsageError extends Error {}

const tb = (flags: Flags) => `/networks/${need(flags, 'network')}/timebank`;
const cb = (flags: Flags) => `/networks/${need(flags, 'network')}/carebank`;
export const acting = (flags: Flags) => ({ key: optional(flags, 'key'), onBehalfOf: optional(flags, 'on-behalf-of') });

export const ledgerCommands: Record<string, Command> = {
  'network members': {
    usage: 'network members --network N   (coordinators)',
    async run(ledger, f) {
      const items = await ledger.listAll(`/networks/${need(f, 'network')}/members`);
      return items.map((m: { personId: string; name: string | null; status: string; roles: string[] }) => `${m.personId}  ${(m.name ?? '').padEnd(24)} ${m.status.padEnd(8)} ${m.roles.join(', ')}`).join('\n');
    },
  },
  'timebank log': {
    usage: 'timebank log --network N --provider P --receiver R --minutes 1:30 --category C --description D [--date YYYY-MM-DD]',
    async run(ledger, f) {
      const body = {
        providerId: need(f, 'provider'), receiverId: need(f, 'receiver'), minutes: parseMinutes(need(f, 'minutes')),
        category: need(f, 'category'), description: optional(f, 'description') ?? '', occurredOn: optional(f, 'date') ?? today(),
      };
      const { body: done } = await ledger.call('POST', `${tb(f)}/exchanges`, body, acting(f));
      return `Logged exchange ${done.exchangeId}; it moves hours once the other person, or a coordinator, confirms it.`;
    },
  },
  'timebank confirm': {
    usage: 'timebank confirm --network N --exchange X',
    async run(ledger, f) {
      await ledger.call('POST', `${tb(f)}/exchanges/${need(f, 'exchange')}/confirmation`, undefined, acting(f));
      return `Confirmed exchange ${f.exchange}.`;
    },
  },
  'timebank dispute': settle('dispute', 'dispute', 'Disputed'),
  'timebank cancel': settle('cancel', 'cancellation', 'Cancelled'),
  'timebank reverse': settle('reverse', 'reversal', 'Reversed'),
  'timebank category': {
    usage: 'timebank category --network N --name C [--rate 100]',
    async run(ledger, f) {
      await ledger.call('PUT', `${tb(f)}/categories/${encodeURIComponent(need(f, 'name'))}`, { ratePercent: Number(optional(f, 'rate') ?? 100) }, acting(f));
      return `Category ${f.name} at ${optional(f, 'rate') ?? 100}%.`;
    },
  },
  'timebank limits': {
    usage: 'timebank limits --network N [--person P] --lower -10:00 --upper 750:00 [--longest 12:00] --reason R',
    async run(ledger, f) {
      const signed = (flag: string) => (need(f, flag).startsWith('-') ? -parseMinutes(need(f, flag).slice(1)) : parseMinutes(need(f, flag)));
      const person = optional(f, 'person');
      const body = { lowerMinutes: signed('lower'), upperMinutes: signed('upper'), reason: need(f, 'reason') };
      if (person) await ledger.call('PUT', `${tb(f)}/accounts/${person}/limits`, body, acting(f));
      else await ledger.call('PUT', `${tb(f)}/limits`, { ...body, maxExchangeMinutes: parseMinutes(optional(f, 'longest') ?? '12:00') }, acting(f));
      return `Limits set${person ? ` for ${(await ledger.namesIn(need(f, 'network')))(person)}` : ' for the network'}.`;
    },
  },
  'timebank donate': {
    usage: 'timebank donate --network N --minutes 2:00   (to the community chest)',
    async run(ledger, f) {
      await ledger.call('POST', `${tb(f)}/chest/donations`, { minutes: parseMinutes(need(f, 'minutes')) }, acting(f));
      return 'Given to the community chest.';
    },
  },
  'timebank grant': {
    usage: 'timebank grant --network N --person P --minutes 2:00   (from the community chest)',
    async run(ledger, f) {
      await ledger.call('POST', `${tb(f)}/chest/grants`, { personId: need(f, 'person'), minutes: parseMinutes(need(f, 'minutes')) }, acting(f));
      return 'Granted from the community chest.';
    },
  },
  'timebank reverse-gift': {
    usage: "timebank reverse-gift --network N --gift REF --reason R   (a grant or donation: see timebank gifts)",
    async run(ledger, f) {
      await ledger.call('POST', `${tb(f)}/gifts/${need(f, 'gift')}/reversal`, { reason: need(f, 'reason') }, acting(f));
      return `Reversed gift ${f.gift}.`;
    },
  },
  'timebank gifts': {
    usage: "timebank gifts --network N   (grants and donations of the chest and the network's own account, newest first; coordinators)",
    async run(ledger, f) {
      const items = await ledger.listAll(`${tb(f)}/gifts`);
      return items
        .map((g: { ref: string; date: string; holder: string; kind: string; name: string | null; text: string; reversed: boolean }) =>
          `${g.ref}  ${g.date}  ${g.holder.padEnd(12)} ${g.kind.padEnd(8)} ${(g.name ?? '').padEnd(24)} ${g.text}${g.reversed ? '  (reversed)' : ''}`)
        .join('\n');
    },
  },
  'timebank network-accounts': {
    usage: "timebank network-accounts --network N   (the chest, the network's own account, clearing; coordinators)",
    async run(ledger, f) {
      const { body } = await ledger.call('GET', `${tb(f)}/network-accounts`);
      return body.accounts.map((a: { name: string; balance: string }) => `${a.name.padEnd(40)} ${a.balance}`).join('\n');
    },
  },
  'timebank balance': {
    usage: 'timebank balance --network N --person P',
    async run(ledger, f) {
      const { body: a } = await ledger.call('GET', `${tb(f)}/accounts/${need(f, 'person')}`);
      return `Balance ${a.balance} (limits ${formatMinutes(a.lowerMinutes)} to ${formatMinutes(a.upperMinutes)})`;
    },
  },
  'timebank statement': {
    usage: 'timebank statement --network N --person P --from YYYY-MM-DD --to YYYY-MM-DD',
    async run(ledger, f) {
      const { body } = await ledger.call('GET', `${tb(f)}/accounts/${need(f, 'person')}/statement?from=${need(f, 'from')}&to=${need(f, 'to')}`);
      return formatStatement(body);
    },
  },
  'timebank export': {
    usage: 'timebank export --network N > exchanges.csv',
    async run(ledger, f) {
      return (await ledger.call('GET', `${tb(f)}/exchanges.csv`)).text.trimEnd();
    },
  },
  'timebank figures': {
    usage: 'timebank figures --network N',
    async run(ledger, f) {
      const { body } = await ledger.call('GET', `${tb(f)}/figures`);
      return formatFigures(body);
    },
  },
  'timebank import': {
    usage: "timebank import --network N [--organisation-as community] FILE...   (TimeOverflow's \"Download all\" ZIP, or any of its CSV reports; the organisation's transfers go to the network's own account, or to the chest)",
    async run(ledger, f, files) {
      if (files.length === 0) throw new UsageError("Name the files to import: TimeOverflow's ZIP, or its CSV reports.");
      const network = need(f, 'network');
      const organisationAs = optional(f, 'organisation-as');
      const query = organisationAs === undefined ? '' : `?organisationAs=${encodeURIComponent(organisationAs)}`;
      const stop = showProgress(network);
      let s;
      try {
        ({ body: s } = await ledger.call('POST', `${tb(f)}/imports${query}`, importBody(files), { contentType: 'application/zip', key: optional(f, 'key') }));
      } finally {
        stop();
      }
      return formatImport(s, await ledger.namesIn(network));
    },
  },
  'timebank adjust': {
    usage: 'timebank adjust --network N --person P --minutes -1:30 --reason R   (an opening adjustment, after an import)',
    async run(ledger, f) {
      const text = need(f, 'minutes');
      const minutes = text.startsWith('-') ? -parseMinutes(text.slice(1)) : parseMinutes(text);
      await ledger.call('POST', `${tb(f)}/accounts/${need(f, 'person')}/opening-adjustments`, { minutes, reason: need(f, 'reason') }, acting(f));
      return `Adjusted the opening balance of ${(await ledger.namesIn(need(f, 'network')))(need(f, 'person'))} by ${formatMinutes(minutes)}.`;
    },
  },
  'carebank log': {
    usage: 'carebank log --network N --volunteer V --recipient R --minutes 2:00 --activity befriending [--date YYYY-MM-DD]',
    async run(ledger, f) {
      const body = { volunteerId: need(f, 'volunteer'), recipientId: need(f, 'recipient'), minutes: parseMinutes(need(f, 'minutes')), activity: need(f, 'activity'), occurredOn: optional(f, 'date') ?? today() };
      const { body: done } = await ledger.call('POST', `${cb(f)}/care`, body, acting(f));
      return `Logged care ${done.careId}; it is banked once the person cared for, or a coordinator, confirms it.`;
    },
  },
  'carebank confirm': {
    usage: 'carebank confirm --network N --care C',
    async run(ledger, f) {
      await ledger.call('POST', `${cb(f)}/care/${need(f, 'care')}/confirmation`, undefined, acting(f));
      return `Confirmed care ${f.care}; the hours are banked.`;
    },
  },
  'carebank rules': {
    usage: 'carebank rules --network N --minimum-age 18 --claim-from-age 60 --daily-cap 5:00 [--lifetime-cap 500:00] --effective-from YYYY-MM-DD',
    async run(ledger, f) {
      const cap = optional(f, 'lifetime-cap');
      const body = {
        minimumAgeToBank: Number(need(f, 'minimum-age')), claimFromAge: Number(need(f, 'claim-from-age')), dailyCapMinutes: parseMinutes(need(f, 'daily-cap')),
        lifetimeCapMinutes: cap ? parseMinutes(cap) : null, effectiveFrom: need(f, 'effective-from'),
      };
      await ledger.call('POST', `${cb(f)}/rules`, body, acting(f));
      return `New rules from ${body.effectiveFrom}.`;
    },
  },
  'carebank pledge': {
    usage: 'carebank pledge --network N --relative P --minutes 5:00',
    async run(ledger, f) {
      await ledger.call('POST', `${cb(f)}/pledges`, { relativeId: need(f, 'relative'), minutes: parseMinutes(need(f, 'minutes')) }, acting(f));
      return 'Pledged.';
    },
  },
  'carebank donate': {
    usage: "carebank donate --network N --minutes 1:00   (to the scheme's pool)",
    async run(ledger, f) {
      await ledger.call('POST', `${cb(f)}/pool-donations`, { minutes: parseMinutes(need(f, 'minutes')) }, acting(f));
      return "Given to the scheme's pool.";
    },
  },
  'carebank claim': {
    usage: 'carebank claim --network N --minutes 2:00',
    async run(ledger, f) {
      await ledger.call('POST', `${cb(f)}/claims`, { minutes: parseMinutes(need(f, 'minutes')) }, acting(f));
      return 'Claimed.';
    },
  },
  'carebank bank': {
    usage: 'carebank bank --network N --person P [--as-at YYYY-MM-DD]',
    async run(ledger, f) {
      const asAt = optional(f, 'as-at');
      const { body } = await ledger.call('GET', `${cb(f)}/accounts/${need(f, 'person')}${asAt ? `?asAt=${asAt}` : ''}`);
      return [`Banked as at ${body.asAt}: ${body.balance}`, ...body.entries.map((e: { date: string; minutes: number; kind: string }) => `  ${e.date}  ${String(e.minutes).padStart(6)} min  ${e.kind}`)].join('\n');
    },
  },
  'carebank obligation': {
    usage: 'carebank obligation --network N [--as-at YYYY-MM-DD] [--recorded-on YYYY-MM-DD]   (as recorded on a day, today unless given: to state a figure given then again)',
    async run(ledger, f) {
      const recordedOn = optional(f, 'recorded-on');
      const { body } = await ledger.call('GET', `${cb(f)}/obligation?asAt=${optional(f, 'as-at') ?? today()}${recordedOn ? `&recordedOn=${recordedOn}` : ''}`);
      return formatObligation(body);
    },
  },
};

/** One ZIP as TimeOverflow gives it, or the CSV reports given packed into one, each under its own name. */
function importBody(files: string[]): Buffer {
  if (files.length === 1 && /\.zip$/i.test(files[0]!)) return readFileSync(files[0]!);
  return Buffer.from(zipSync(Object.fromEntries(files.map((file) => [basename(file), readFileSync(file)]))));
}

/** Rows written as the import goes, counted as the import reports them for this network. */
function showProgress(networkId: string): () => void {
  const progress = progressLine('Rows written');
  const listener = (p: ImportProgress) => {
    if (p.networkId === networkId) progress(p.written, p.total);
  };
  importProgress.on('progress', listener);
  return () => {
    importProgress.off('progress', listener);
    progress.end();
  };
}

interface ImportAnswer {
  files: Array<{ name: string; report: string }>;
  members: number;
  transfers: number;
  alreadyImported: number;
  ambiguous: Array<{ file: string; line: number }>;
  withinFormerMembers: number;
  erased: { members: number; lines: number[] };
  posts: { published: number; alreadyImported: number };
  balanceDifferences: Array<{ formerMemberNumber: string; personId: string; expectedMinutes: number; importedMinutes: number }>;
  minutes: number;
}

export function formatImport(s: ImportAnswer, name: (personId: string) => string = (personId) => personId): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const lines = [
    `Read ${s.files.map((f) => `${f.name || 'the file'} (${f.report})`).join(', ')}.`,
    `Imported ${plural(s.members, 'member')} and ${plural(s.transfers, 'transfer')} (${s.alreadyImported} already here from an earlier import), ${(s.minutes / 60).toFixed(2)} hours in all; ${plural(s.posts.published, 'offer or request')} published (${s.posts.alreadyImported} already here).`,
  ];
  if (s.erased.members) lines.push(`Skipped ${plural(s.erased.members, 'erased member')} and the ${plural(s.erased.lines.length, 'line')} naming them${s.erased.lines.length ? ` (${s.erased.lines.join(', ')})` : ''}.`);
  if (s.ambiguous.length) lines.push(`Not imported, as each could be one of several transfers imported before: ${s.ambiguous.map((a) => `${a.file || 'line'}${a.file ? ' line ' : ' '}${a.line}`).join(', ')}.`);
  if (s.balanceDifferences.length) {
    // By name, with the id that `hearth timebank adjust --person` takes.
    lines.push('Balances that differ from the members report (record an opening adjustment with `hearth timebank adjust` for each):');
    for (const d of s.balanceDifferences) lines.push(`  member ${d.formerMemberNumber.padStart(5)}  ${name(d.personId).padEnd(24)} ${d.personId}  expected ${formatMinutes(d.expectedMinutes).padStart(8)}  imported ${formatMinutes(d.importedMinutes).padStart(8)}`);
  } else lines.push('Every balance is the one the members report shows.');
  return lines.join('\n');
}

/** Disputing, cancelling or reversing an exchange: each with a reason. */
function settle(verb: string, path: string, done: string): Command {
  return {
    usage: `timebank ${verb} --network N --exchange X --reason R`,
    async run(ledger, f) {
      await ledger.call('POST', `${tb(f)}/exchanges/${need(f, 'exchange')}/${path}`, { reason: need(f, 'reason') }, acting(f));
      return `${done} exchange ${f.exchange}.`;
    },
  };
}

interface Statement {
  from: string;
  to: string;
  opening: { text: string };
  closing: { text: string };
  entries: Array<{ date: string; text: string; reason: string; category: string | null; description: string | null; with: string }>;
}

export function formatStatement(s: Statement): string {
  const lines = s.entries.map((e) => `${e.date}  ${e.text.padStart(7)}  ${e.reason.padEnd(9)} ${e.with.padEnd(22)} ${[e.category, e.description].filter(Boolean).join(': ')}`);
  return [`Statement ${s.from} to ${s.to}`, `${'opening balance'.padEnd(19)}${s.opening.text.padStart(7)}`, ...lines, `${'closing balance'.padEnd(19)}${s.closing.text.padStart(7)}`].join('\n');
}

export function formatObligation(o: { asAt: string; recordedOn: string; outstanding: string; bands: Array<{ band: string; holders: number; hours: string }> }): string {
  const rows = o.bands.map((b) => `  ${b.band.padEnd(20)} ${String(b.holders).padStart(7)}  ${b.hours.padStart(8)}`);
  return [`Outstanding care-bank obligation as at ${o.asAt}: ${o.outstanding} hours, as recorded on ${o.recordedOn}`, `  ${'age band'.padEnd(20)} ${'holders'.padStart(7)}  ${'hours'.padStart(8)}`, ...rows].join('\n');
}

function formatFigures(f: { months: Array<{ month: string; exchanges: number; hours: string; activeMembers: number }> }): string {
  return ['month     exchanges     hours  active members', ...f.months.map((m) => `${m.month}  ${String(m.exchanges).padStart(9)}  ${m.hours.padStart(8)}  ${String(m.activeMembers).padStart(14)}`)].join('\n');
}
