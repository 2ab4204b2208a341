// Moving in from another time bank: its members and transfers, read from a CSV export (the
// "complete" transfer report of TimeOverflow is one). Every row becomes what Hearth itself would
// have recorded: a confirmed exchange between two members, or a grant from or donation to the
// community chest. Ids follow from the rows, so importing the same export again adds nothing.
// History is taken as it was: no limit, category or date rule is applied to it. A member erased
// since an earlier run is not recorded again, nor any row of theirs: the import skips and counts them.
import { parse } from 'csv-parse/sync';
import { v5 as uuidv5 } from 'uuid';
import { Rejection } from '../commands/decider.ts';
import { decideAcross, type CommandContext } from '../commands/decide.ts';
import { membershipDecider, membershipStream } from '../access/membership.ts';
import { isErased, registerPerson } from '../access/register.ts';
import { personDecider, personStream } from '../access/person.ts';
import type { Hearth } from '../hearth.ts';
import { accountFolder, accountStream, chestPostings, COMMUNITY, ORGANISATION, type NetworkHolder } from './account.ts';
import { exchangeDecider, exchangeStream, importedExchange } from './exchange.ts';
import { EARLIEST_DATE, LATEST_DATE, name, text } from '../bounds.ts';
import { MAX_MINUTES } from '../units.ts';

/** The columns, in order; the first and the eighth are named in the exporting site's language. */
export const importColumns = ['date', 'from', 'from ID', 'to', 'to ID', 'post', 'post ID', 'reason', 'quantity'] as const;
export const IMPORTED_CATEGORY = 'imported';

/** The exporter's own account: TimeOverflow writes its organisation's ID as 0. */
const ORGANISATION_ID = '0';
/** Members since deactivated or deleted are exported without an ID; their side is kept together. */
const FORMER_IDS = new Set(['inactive_user', 'deleted_user']);
const FORMER_MEMBERS = 'former members';
const NAMESPACE = '6f1c9a52-3b8e-4d71-9a0e-2c5d8b7e4f13';

type Party = { kind: 'member'; uid: string } | { kind: 'community' };

export interface ImportedTransfer {
  /** Line in the file, counting the header as line 1. */
  line: number;
  /** The same row in a later export has the same key. */
  key: string;
  occurredOn: string;
  /** Whose account is credited (the exporter's "to") and whose debited ("from"). */
  provider: Party;
  receiver: Party;
  minutes: number;
  description: string;
}

export interface TransferReport {
  /** Member ID in the old system → name. */
  members: Map<string, string>;
  transfers: ImportedTransfer[];
  /** Lines between two former members: kept together as one account, they move nothing. */
  withinFormerMembers: number[];
}

const refuse = (line: number, column: string, message: string): never => {
  throw new Rejection('import-invalid', `Line ${line}, ${column}: ${message}`, 422, `${line}/${column}`);
};

// The same bounds as an exchange logged by hand: a line that would not fit is refused, never cut.
const memberName = name(200);
const description = text(500, { min: 0, lines: true });
const within = (schema: typeof description, value: string, line: number, column: string): string => {
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : refuse(line, column, `${parsed.error.issues[0]!.message}.`);
};

/** Reads and checks the whole export before anything is written. */
export function readTransferReport(csv: string): TransferReport {
  let rows: string[][];
  try {
    rows = parse(csv, { bom: true, skip_empty_lines: true, relax_column_count: true, trim: true });
  } catch (err) {
    throw new Rejection('import-invalid', `This is not a CSV file Hearth can read: ${(err as Error).message}`, 422, 'file');
  }
  const [header, ...body] = rows;
  const named = importColumns.map((c, i) => (i === 0 || i === 7 ? null : c));
  if (!header || header.length !== importColumns.length || named.some((c, i) => c !== null && header[i]!.toLowerCase() !== c.toLowerCase())) {
    throw new Rejection('import-invalid', `The first line must name the columns: ${importColumns.join(', ')}.`, 422, '1/header');
  }
  const members = new Map<string, string>();
  const seen = new Map<string, number>();
  const withinFormerMembers: number[] = [];
  const transfers = body.map((row, i): ImportedTransfer | undefined => {
    const line = i + 2;
    if (row.length !== importColumns.length) refuse(line, 'row', `expected ${importColumns.length} columns, found ${row.length}.`);
    const [when, fromName, fromId, toName, toId, post, postId, reason, quantity] = row as [string, string, string, string, string, string, string, string, string];
    const occurredOn = /^\d{4}-\d{2}-\d{2}/.exec(when)?.[0];
    if (!occurredOn || Number.isNaN(Date.parse(occurredOn))) refuse(line, 'date', `"${when}" is not a date (YYYY-MM-DD, then any time).`);
    if (occurredOn! < EARLIEST_DATE || occurredOn! > LATEST_DATE) refuse(line, 'date', `must be a date from ${EARLIEST_DATE} to ${LATEST_DATE}.`);
    if (!/^\d+([.,]\d+)?$/.test(quantity)) refuse(line, 'quantity', `"${quantity}" is not a number of hours.`);
    const minutes = Math.round(Number(quantity.replace(',', '.')) * 60);
    if (minutes <= 0) refuse(line, 'quantity', 'must be more than zero.');
    if (minutes > MAX_MINUTES) refuse(line, 'quantity', `must be at most ${MAX_MINUTES / 60} hours.`);
    const party = (id: string, fullName: string, column: string): Party => {
      if (id === ORGANISATION_ID) return { kind: 'community' };
      const uid = FORMER_IDS.has(id) ? FORMER_MEMBERS : id;
      if (!uid) refuse(line, column, 'is empty.');
      if (!members.has(uid)) {
        const shown = uid === FORMER_MEMBERS ? 'Former members (imported)' : fullName.replace(new RegExp(` \\(${escape(id)}\\)$`), '') || `Member ${id}`;
        members.set(uid, within(memberName, shown, line, column.replace('ID', 'name')));
      }
      return { kind: 'member', uid };
    };
    const receiver = party(fromId, fromName, 'from ID');
    const provider = party(toId, toName, 'to ID');
    if (provider.kind === 'community' && receiver.kind === 'community') refuse(line, 'to ID', 'a transfer from the organisation to itself cannot be imported.');
    if (provider.kind === 'member' && receiver.kind === 'member' && provider.uid === receiver.uid) {
      if (provider.uid !== FORMER_MEMBERS) refuse(line, 'to ID', 'the same member on both sides.');
      withinFormerMembers.push(line);
      return undefined;
    }
    // Two identical rows are two transfers; the n-th of them keeps its key in any later export.
    const content = JSON.stringify([when, fromId, toId, postId, reason, quantity]);
    const n = (seen.get(content) ?? 0) + 1;
    seen.set(content, n);
    return { line, key: `${content}#${n}`, occurredOn: occurredOn!, provider, receiver, minutes, description: within(description, [post, reason].filter(Boolean).join(': '), line, 'reason') };
  });
  return { members, transfers: transfers.filter((x) => x !== undefined), withinFormerMembers };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export interface ImportSummary {
  members: number;
  transfers: number;
  /** Rows already imported by an earlier run: nothing written for them. */
  alreadyImported: number;
  /** Rows between two former members, which move nothing here. */
  withinFormerMembers: number;
  /** Members erased since an earlier run, and the lines of the rows that name them: none written. */
  erased: { members: number; lines: number[] };
  minutes: number;
  position: number;
}

/**
 * Writes the report into a network, member by member and then transfer by transfer; each step is
 * one atomic command with an id derived from the row, so a run cut short is finished by running
 * it again.
 */
export async function importTransferReport(
  hearth: Hearth,
  networkId: string,
  report: TransferReport,
  base: Omit<CommandContext, 'commandId'>,
  options: { organisationAs?: NetworkHolder } = {},
): Promise<ImportSummary> {
  const { store } = hearth;
  // The exporter's organisation: the network's own account, unless the coordinator says the chest.
  const organisation = options.organisationAs ?? ORGANISATION;
  const idFor = (what: string) => uuidv5(`${networkId}/${what}`, NAMESPACE);
  const personOf = (party: Party) => (party.kind === 'community' ? COMMUNITY : idFor(`member/${(party as { uid: string }).uid}`));
  let position = 0;

  const erased = new Set<string>();
  for (const uid of report.members.keys()) {
    const personId = personOf({ kind: 'member', uid });
    if (await isErased(hearth, personId)) erased.add(personId);
  }

  for (const [uid, name] of report.members) {
    const personId = personOf({ kind: 'member', uid });
    if (erased.has(personId)) continue;
    const context = { ...base, commandId: idFor(`enrol/${uid}`), onBehalfOf: personId };
    // A member moving in is recorded by this network, as one a coordinator records who is not
    // online, and their own stream says they joined it, as every membership does.
    await registerPerson(hearth, context, personId, { name }, false, networkId);
    // Its own command id: the person stream read here already holds the registration's.
    const enrolled = await decideAcross(
      store,
      { membership: [membershipStream(networkId, personId), membershipDecider] as const, person: [personStream(personId), personDecider] as const },
      (s) =>
        s.membership.status === 'active'
          ? {}
          : {
              membership: membershipDecider.decide({ type: 'EnrolMember', networkId, personId, approvedBy: base.actor, roles: ['member'], now: base.now }, s.membership),
              person: personDecider.decide({ type: 'RecordNetworkJoined', personId, networkId }, s.person),
            },
      { ...context, commandId: idFor(`join/${uid}`) },
    );
    position = Math.max(position, enrolled.position);
  }

  let alreadyImported = 0;
  let minutes = 0;
  const erasedLines: number[] = [];
  for (const t of report.transfers) {
    const commandId = idFor(`transfer/${t.key}`);
    const provider = personOf(t.provider);
    const receiver = personOf(t.receiver);
    if (erased.has(provider) || erased.has(receiver)) {
      erasedLines.push(t.line);
      continue;
    }
    const context = { ...base, commandId };
    let done;
    if (t.provider.kind === 'member' && t.receiver.kind === 'member') {
      const exchangeId = uuidv5('exchange', commandId);
      const description = await hearth.vault.sealText(t.description, [provider, receiver]);
      const logged = {
        exchangeId, networkId, providerId: provider, receiverId: receiver, minutes: t.minutes, category: IMPORTED_CATEGORY,
        ratePercent: 100, credited: t.minutes, description, occurredOn: t.occurredOn, loggedBy: base.actor,
      };
      // Posted as a live confirmation posts: the same function builds the postings.
      const { exchange, provider: credit, receiver: debit } = importedExchange(logged, base.actor);
      // Imported again, the row records nothing new: the key just made goes.
      done = await hearth.vault.recording([description], () =>
        decideAcross(
          store,
          { exchange: [exchangeStream(exchangeId), exchangeDecider] as const, provider: [accountStream(networkId, provider), accountFolder] as const, receiver: [accountStream(networkId, receiver), accountFolder] as const },
          () => ({ exchange, provider: credit, receiver: debit }),
          context,
        ),
      );
    } else {
      // The organisation's side is its own account (or the chest): paid out of it, a grant; paid into it, a donation.
      const reason = t.receiver.kind === 'community' ? 'grant' : 'donation';
      const member = reason === 'grant' ? provider : receiver;
      const postings = chestPostings({ networkId, member, minutes: t.minutes, reason, ref: uuidv5(reason, commandId), occurredOn: t.occurredOn, holder: organisation });
      done = await decideAcross(
        store,
        { member: [accountStream(networkId, member), accountFolder] as const, chest: [accountStream(networkId, organisation), accountFolder] as const },
        () => postings,
        context,
      );
    }
    if (done.replayed) alreadyImported++;
    minutes += t.minutes;
    position = Math.max(position, done.position);
  }
  return {
    members: report.members.size - erased.size, transfers: report.transfers.length - erasedLines.length, alreadyImported, withinFormerMembers: report.withinFormerMembers.length,
    erased: { members: erased.size, lines: erasedLines }, minutes, position,
  };
}
