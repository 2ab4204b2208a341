// A care co-operative from the command line, for its secretary and board at a desk: founding it,
// the share register (applications, issues, withdrawals, transfers, leavers, interest and
// dividends), its income, and the members' votes on spending. Amounts are typed in pounds (12.50
// or £12.50) and sent as pence; each command is one API call (see ledger.ts).
import { acting, need, optional, UsageError, type Command, type Flags } from './commands.ts';
import { parsePounds } from './pool-commands.ts';
import { today } from '../dates.ts';
import { formatPence as pounds } from '../units.ts';
import { STATUTORY_CAP_PENCE } from '../coop/society.ts';

/** Basis points from a percentage as people write it: 3, 3.5 or 3.25%. Never through floating point. */
export function parsePercent(text: string): number {
  const match = /^(\d{1,3})(?:\.(\d{1,2}))?%?$/.exec(text.trim());
  if (!match) throw new UsageError(`"${text}" is not a percentage: give it to two places at most, such as 3.5.`);
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

/** "workers:2,people receiving care:2,supporters": each class of member and its vote weight; none is one member, one vote. */
export function parseClasses(text: string): Array<{ name: string; voteWeight: number | null }> {
  return text.split(',').map((part) => {
    const match = /^([^:]+?)\s*(?::\s*(\d+))?$/.exec(part.trim());
    if (!match) throw new UsageError(`"${part}" should be a class of member, with its vote weight if it has one, such as workers:2.`);
    return { name: match[1]!, voteWeight: match[2] === undefined ? null : Number(match[2]) };
  });
}

/** "PERSON:120,PERSON:45": each member's participation (minutes given, or pence of services used). */
function parseParticipation(text: string): Array<{ personId: string; participation: number }> {
  return text.split(',').map((part) => {
    const [personId, amount] = part.split(':');
    if (!personId || !amount || !/^\d+$/.test(amount)) throw new UsageError(`"${part}" should be a person id and a whole number, such as 0190…:120.`);
    return { personId, participation: Number(amount) };
  });
}

/** "PERSON:12.50,PERSON:7.50": each budget holder's part of a payment out of a pool. */
function parseShares(text: string): Array<{ holderId: string; pence: number }> {
  return text.split(',').map((part) => {
    const [holderId, amount] = part.split(':');
    if (!holderId || !amount) throw new UsageError(`"${part}" should be a person id and an amount, such as 0190…:12.50.`);
    return { holderId, pence: parsePounds(amount) };
  });
}

/** When the vote closes: a day (its end, UTC) or a time; sent as an ISO timestamp. */
function parseCloses(text: string): string {
  const at = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T23:59:59Z`) : Date.parse(text);
  if (Number.isNaN(at)) throw new UsageError(`"${text}" is not a time: give a day (2026-06-30) or a time (2026-06-30T18:00:00Z).`);
  return new Date(at).toISOString();
}

function oneOf<T extends string>(f: Flags, name: string, allowed: readonly T[]): T {
  const value = need(f, name);
  if (!allowed.includes(value as T)) throw new UsageError(`--${name} is one of ${allowed.join(', ')}.`);
  return value as T;
}

type Money = { pence: number; pounds: string };
type Rules = { memberClasses: Array<{ name: string; voteWeight: number | null }>; membershipSharePence: number; minHoldingPence: number; maxHoldingPence: number; withdrawalNoticeDays: number; interestCapBasisPoints: number };

const coop = (f: Flags) => `/networks/${need(f, 'network')}/coop`;
const proposal = (f: Flags) => `${coop(f)}/proposals/${need(f, 'proposal')}`;
const money = (m: Money) => m.pounds.padStart(12);
const percent = (basisPoints: number) => `${basisPoints / 100}%`;

function describeRules(r: Rules): string[] {
  return [
    `  classes: ${r.memberClasses.map((c) => (c.voteWeight === null ? `${c.name} (one vote each)` : `${c.name} (${c.voteWeight} vote${c.voteWeight === 1 ? '' : 's'} each)`)).join(', ')}`,
    `  membership share ${pounds(r.membershipSharePence)} (forfeit on leaving); shares held from ${pounds(r.minHoldingPence)} to ${pounds(r.maxHoldingPence)}`,
    `  withdrawals on ${r.withdrawalNoticeDays} days' notice; interest on shares at most ${percent(r.interestCapBasisPoints)} a year`,
  ];
}

/** The rules from flags, each one given replacing the one in force (or, founding, with no rules in force, every one needed). */
function rulesFrom(f: Flags, current?: Rules): Rules {
  const take = <T>(name: string, parse: (text: string) => T, was: T | undefined): T => {
    const text = optional(f, name);
    if (text !== undefined) return parse(text);
    if (was === undefined) throw new UsageError(`--${name} is needed.`);
    return was;
  };
  const days = (text: string) => {
    if (!/^\d+$/.test(text)) throw new UsageError(`"${text}" is not a number of days.`);
    return Number(text);
  };
  return {
    memberClasses: take('classes', parseClasses, current?.memberClasses),
    membershipSharePence: take('membership-share', parsePounds, current?.membershipSharePence),
    minHoldingPence: take('min-holding', parsePounds, current?.minHoldingPence),
    // The statutory cap unless the rules set lower.
    maxHoldingPence: take('max-holding', parsePounds, current?.maxHoldingPence ?? STATUTORY_CAP_PENCE),
    withdrawalNoticeDays: take('notice-days', days, current?.withdrawalNoticeDays),
    interestCapBasisPoints: take('interest-cap', parsePercent, current?.interestCapBasisPoints),
  };
}

export const coopCommands: Record<string, Command> = {
  'coop found': {
    usage: 'coop found --network N --name NAME --classes workers:2,receiving-care:2,supporters --membership-share 1.00 --min-holding 10.00 [--max-holding 100000.00] --notice-days 90 --interest-cap 3.5% [--date YYYY-MM-DD]   (coordinators)',
    async run(ledger, f) {
      const rules = rulesFrom(f);
      await ledger.call('POST', coop(f), { name: need(f, 'name'), rules, foundedOn: optional(f, 'date') ?? today() }, acting(f));
      return [`Founded ${f.name}, with these rules:`, ...describeRules(rules)].join('\n');
    },
  },
  'coop show': {
    usage: 'coop show --network N',
    async run(ledger, f) {
      const { body: c } = await ledger.call('GET', coop(f));
      return [
        `${c.name}: ${c.members} member${c.members === 1 ? '' : 's'}, share capital ${c.shareCapital.pounds}`,
        `  funds ${c.funds.pounds}, reserves ${c.reserves.pounds}${c.withdrawalsSuspended ? '; withdrawals are suspended' : ''}`,
        ...describeRules(c.rules),
      ].join('\n');
    },
  },
  'coop rules': {
    usage: 'coop rules --network N [--classes …] [--membership-share 1.00] [--min-holding 10.00] [--max-holding 20000.00] [--notice-days 90] [--interest-cap 3.5%] --reason TEXT   (board)',
    async run(ledger, f) {
      const reason = need(f, 'reason');
      const { body: current } = await ledger.call('GET', coop(f));
      const rules = rulesFrom(f, current.rules);
      await ledger.call('PUT', `${coop(f)}/rules`, { rules, reason }, acting(f));
      return ['New rules in force:', ...describeRules(rules)].join('\n');
    },
  },
  'coop apply': {
    usage: 'coop apply --network N --class C --amount 250.00   (members, for themselves; a coordinator with --on-behalf-of)',
    async run(ledger, f) {
      const { body } = await ledger.call('POST', `${coop(f)}/applications`, { memberClass: need(f, 'class'), pence: parsePounds(need(f, 'amount')) }, acting(f));
      return `Applied for shares: application ${body.applicationId}; they are issued once paid for.`;
    },
  },
  'coop applications': {
    usage: 'coop applications --network N [--status applied|issued|declined]   (board)',
    async run(ledger, f) {
      const status = optional(f, 'status');
      const items = await ledger.listAll(`${coop(f)}/applications${status ? `?status=${status}` : ''}`);
      type Row = { applicationId: string; name: string; memberClass: string; amount: Money; status: string; appliedOn: string };
      return items.map((a: Row) => `${a.applicationId}  ${a.appliedOn}  ${a.status.padEnd(8)} ${money(a.amount)}  ${(a.name ?? '').padEnd(24)} ${a.memberClass}`).join('\n');
    },
  },
  'coop issue': {
    usage: 'coop issue --network N --application A [--date YYYY-MM-DD]   (board: once paid for, dated the day the money came in)',
    async run(ledger, f) {
      await ledger.call('POST', `${coop(f)}/applications/${need(f, 'application')}/issue`, { issuedOn: optional(f, 'date') ?? today() }, acting(f));
      return `Issued the shares of application ${f.application}.`;
    },
  },
  'coop decline': {
    usage: 'coop decline --network N --application A --reason TEXT   (board)',
    async run(ledger, f) {
      await ledger.call('POST', `${coop(f)}/applications/${need(f, 'application')}/decline`, { reason: need(f, 'reason') }, acting(f));
      return `Declined application ${f.application}.`;
    },
  },
  'coop withdraw': {
    usage: 'coop withdraw --network N --amount 100.00   (members, their own shares; a coordinator with --on-behalf-of)',
    async run(ledger, f) {
      const { body } = await ledger.call('POST', `${coop(f)}/withdrawals`, { pence: parsePounds(need(f, 'amount')) }, acting(f));
      return `Gave notice of withdrawal ${body.withdrawalId}; it may be paid from ${body.dueOn}.`;
    },
  },
  'coop pay-withdrawal': {
    usage: 'coop pay-withdrawal --network N --withdrawal W --amount 100.00   (board, treasurers: all or part, once the notice has run)',
    async run(ledger, f) {
      const pence = parsePounds(need(f, 'amount'));
      await ledger.call('POST', `${coop(f)}/withdrawals/${need(f, 'withdrawal')}/payments`, { pence }, acting(f));
      return `Paid ${pounds(pence)} of withdrawal ${f.withdrawal}.`;
    },
  },
  'coop suspend-withdrawals': {
    usage: 'coop suspend-withdrawals --network N --reason TEXT   (board)',
    async run(ledger, f) {
      await ledger.call('POST', `${coop(f)}/withdrawals/suspension`, { reason: need(f, 'reason') }, acting(f));
      return 'Withdrawals are suspended: none is paid until they are resumed.';
    },
  },
  'coop resume-withdrawals': {
    usage: 'coop resume-withdrawals --network N   (board)',
    async run(ledger, f) {
      await ledger.call('POST', `${coop(f)}/withdrawals/resumption`, undefined, acting(f));
      return 'Withdrawals are resumed.';
    },
  },
  'coop transfer': {
    usage: 'coop transfer --network N --from P --to Q --amount 50.00 --reason death|nomination --document REF [--date YYYY-MM-DD]   (board)',
    async run(ledger, f) {
      const body = {
        fromPersonId: need(f, 'from'), toPersonId: need(f, 'to'), pence: parsePounds(need(f, 'amount')),
        reason: oneOf(f, 'reason', ['death', 'nomination'] as const), documentReference: need(f, 'document'), on: optional(f, 'date') ?? today(),
      };
      const { body: done } = await ledger.call('POST', `${coop(f)}/transfers`, body, acting(f));
      return `Transferred ${pounds(body.pence)} of shares: transfer ${done.transferId}.`;
    },
  },
  'coop leave': {
    usage: 'coop leave --network N --person P --reason left|died|expelled [--date YYYY-MM-DD]   (board, or a member leaving of their own accord: once their shares are withdrawn or transferred)',
    async run(ledger, f) {
      const body = { personId: need(f, 'person'), reason: oneOf(f, 'reason', ['left', 'died', 'expelled'] as const), on: optional(f, 'date') ?? today() };
      await ledger.call('POST', `${coop(f)}/leavers`, body, acting(f));
      const name = await ledger.namesIn(need(f, 'network'));
      return `Ended the membership of ${name(body.personId)}; their membership share is forfeit to reserves.`;
    },
  },
  'coop interest': {
    usage: 'coop interest --network N --rate 2.5 --from D --to D   (board: a year\'s rate, within the rules\' cap, for the days each share was held in the period, actual/365)',
    async run(ledger, f) {
      const body = { rateBasisPoints: parsePercent(need(f, 'rate')), periodFrom: need(f, 'from'), periodTo: need(f, 'to') };
      const { body: done } = await ledger.call('POST', `${coop(f)}/interest`, body, acting(f));
      return declared(`Interest at ${percent(body.rateBasisPoints)} a year`, done, await ledger.namesIn(need(f, 'network')));
    },
  },
  'coop dividend': {
    usage: 'coop dividend --network N --amount 300.00 --from D --to D [--kind interim|final] (--basis timebank-minutes | --basis services-used-pence --participation P1:4500,P2:1200)   (board: shared by participation, never by shareholding; minutes in the time bank are worked out by Hearth; final when no kind is given, and a period has one of each)',
    async run(ledger, f) {
      const participation = optional(f, 'participation');
      const body = {
        pence: parsePounds(need(f, 'amount')), basis: oneOf(f, 'basis', ['timebank-minutes', 'services-used-pence'] as const), periodFrom: need(f, 'from'), periodTo: need(f, 'to'),
        ...(optional(f, 'kind') ? { kind: oneOf(f, 'kind', ['interim', 'final'] as const) } : {}),
        ...(participation ? { participation: parseParticipation(participation) } : {}),
      };
      const { body: done } = await ledger.call('POST', `${coop(f)}/dividends`, body, acting(f));
      return declared(`A dividend of ${pounds(body.pence)} by ${body.basis}`, done, await ledger.namesIn(need(f, 'network')));
    },
  },
  'coop income': {
    usage: 'coop income --network N --amount 1200.00 --source TEXT --reference R [--date YYYY-MM-DD]   (treasurers)',
    async run(ledger, f) {
      const body = { pence: parsePounds(need(f, 'amount')), source: need(f, 'source'), reference: need(f, 'reference'), receivedOn: optional(f, 'date') ?? today() };
      const { body: done } = await ledger.call('POST', `${coop(f)}/income`, body, acting(f));
      return `Recorded income ${done.incomeId}.`;
    },
  },
  'coop register': {
    usage: 'coop register --network N [--as-at YYYY-MM-DD] [--csv [--table members|former-members|summary]]   (board, treasurers: the register of members, their addresses and shareholdings on that day, and former members with the day they ceased)',
    async run(ledger, f) {
      const table = optional(f, 'table');
      const query = new URLSearchParams({ ...(optional(f, 'as-at') ? { asAt: f['as-at'] as string } : {}), ...(f.csv === true ? { format: 'csv', ...(table ? { table } : {}) } : {}) });
      const path = `${coop(f)}/register${query.toString() ? `?${query}` : ''}`;
      if (f.csv === true) return (await ledger.call('GET', path)).text.trimEnd();
      const { body: r } = await ledger.call('GET', path);
      type Row = { personId: string; name: string; address: string | null; memberClass: string; admittedOn: string; ceasedOn?: string; membershipShare: Money; shares: Money };
      const line = (m: Row) => `${m.personId.padEnd(38)} ${(m.name ?? '').padEnd(24)} ${m.memberClass.padEnd(24)} ${m.admittedOn} ${money(m.membershipShare)} ${money(m.shares)}  ${(m.address ?? '').replaceAll('\n', ', ')}`;
      return [
        `Register of members at the end of ${r.asAt}: ${r.members.length} member${r.members.length === 1 ? '' : 's'}, share capital ${r.shareCapital.pounds}`,
        `${'member'.padEnd(38)} ${'name'.padEnd(24)} ${'class'.padEnd(24)} ${'admitted'.padEnd(10)} ${'membership'.padStart(12)} ${'shares'.padStart(12)}  address`,
        ...r.members.map(line),
        ...(r.formerMembers.length === 0 ? [] : ['Former members, and the day each ceased:', ...r.formerMembers.map((m: Row) => `${line(m)}  ceased ${m.ceasedOn}`)]),
      ].join('\n');
    },
  },
  'coop member': {
    usage: 'coop member --network N --person P   (the member, board, treasurers)',
    async run(ledger, f) {
      const { body: m } = await ledger.call('GET', `${coop(f)}/members/${need(f, 'person')}`);
      return describeMember(m);
    },
  },

  'proposal make': {
    usage: 'proposal make --network N --title TEXT --amount 450.00 --payee NAME --purpose TEXT --closes YYYY-MM-DD|TIME [--pool P] [--quorum 50] [--threshold 50] [--secret] [--hide-results]   (members)',
    async run(ledger, f) {
      const pool = optional(f, 'pool');
      const whole = (name: string, fallback: number) => {
        const text = optional(f, name);
        if (text === undefined) return fallback;
        if (!/^\d{1,3}$/.test(text)) throw new UsageError(`--${name} is a whole percentage, such as 50.`);
        return Number(text);
      };
      const body = {
        title: need(f, 'title'), pence: parsePounds(need(f, 'amount')), payee: need(f, 'payee'), purpose: need(f, 'purpose'),
        source: pool ? { kind: 'pool' as const, poolId: pool } : { kind: 'funds' as const },
        closesAt: parseCloses(need(f, 'closes')), quorumPercent: whole('quorum', 50), thresholdPercent: whole('threshold', 50),
        secret: f.secret === true, hideResultsUntilClose: f['hide-results'] === true,
      };
      const { body: done } = await ledger.call('POST', `${coop(f)}/proposals`, body, acting(f));
      return `Made proposal ${done.proposalId}; members vote once the board opens voting.`;
    },
  },
  'proposal list': {
    usage: 'proposal list --network N',
    async run(ledger, f) {
      const items = await ledger.listAll(`${coop(f)}/proposals`);
      type Row = { proposalId: string; title: string; amount: Money; status: string; closesAt: string; passed: boolean | null };
      const outcome = (p: Row) => (p.passed === true ? 'passed' : p.passed === false ? 'not passed' : `closes ${p.closesAt}`);
      return items.map((p: Row) => `${p.proposalId}  ${p.status.padEnd(6)} ${money(p.amount)}  ${p.title.padEnd(40)} ${outcome(p)}`).join('\n');
    },
  },
  'proposal show': {
    usage: 'proposal show --network N --proposal X',
    async run(ledger, f) {
      const { body } = await ledger.call('GET', proposal(f));
      return describeProposal(body);
    },
  },
  'proposal ballots': {
    usage: 'proposal ballots --network N --proposal X   (who has voted, by name, while open; once closed every ballot in order, changed ones too: who, cast by whom, and how unless secret or hidden)',
    async run(ledger, f) {
      const { body } = await ledger.call('GET', `${proposal(f)}/ballots`);
      return describeBallots(body, await ledger.namesIn(need(f, 'network')));
    },
  },
  'proposal open': {
    usage: 'proposal open --network N --proposal X   (board: the electorate is fixed now)',
    async run(ledger, f) {
      await ledger.call('POST', `${proposal(f)}/opening`, undefined, acting(f));
      return `Voting is open on proposal ${f.proposal}; the electorate is every member today.`;
    },
  },
  'proposal proxy': {
    usage: 'proposal proxy --network N --proposal X --grantor P --proxy Q --document REF   (board, coordinators: a proxy given in writing)',
    async run(ledger, f) {
      const body = { grantorId: need(f, 'grantor'), proxyId: need(f, 'proxy'), documentReference: need(f, 'document') };
      await ledger.call('POST', `${proposal(f)}/proxies`, body, acting(f));
      const name = await ledger.namesIn(need(f, 'network'));
      return `Recorded the proxy: ${name(body.proxyId)} may vote for ${name(body.grantorId)} on proposal ${f.proposal}.`;
    },
  },
  'proposal vote': {
    usage: 'proposal vote --network N --proposal X --choice for|against|abstain [--voter P]   (electors, or a coordinator with --on-behalf-of; --voter to vote as P\'s proxy; again to change it)',
    async run(ledger, f) {
      const voter = optional(f, 'voter');
      const body = { choice: oneOf(f, 'choice', ['for', 'against', 'abstain'] as const), ...(voter ? { voterId: voter } : {}) };
      await ledger.call('POST', `${proposal(f)}/votes`, body, acting(f));
      const name = voter ? await ledger.namesIn(need(f, 'network')) : String;
      return `Voted ${body.choice}${voter ? ` as the proxy of ${name(voter)}` : ''}; it can be changed until the vote closes.`;
    },
  },
  'proposal close': {
    usage: 'proposal close --network N --proposal X   (board: at the closing time, or earlier once every elector has voted; any member after it)',
    async run(ledger, f) {
      await ledger.call('POST', `${proposal(f)}/closing`, undefined, acting(f));
      return describeProposal((await ledger.call('GET', proposal(f))).body);
    },
  },
  'proposal pay': {
    usage: 'proposal pay --network N --proposal X --amount 450.00 --invoice REF [--for H1:60.00,H2:30.00] [--date YYYY-MM-DD]   (treasurers: once passed, one payment up to the amount; --for out of a pool; --date the day the money left the funds)',
    async run(ledger, f) {
      const holders = optional(f, 'for');
      const paidOn = optional(f, 'date');
      const body = { pence: parsePounds(need(f, 'amount')), invoiceReference: need(f, 'invoice'), ...(holders ? { beneficiaries: parseShares(holders) } : {}), ...(paidOn ? { paidOn } : {}) };
      const { body: done } = await ledger.call('POST', `${proposal(f)}/payment`, body, acting(f));
      return `Paid ${pounds(body.pence)} on proposal ${f.proposal}: payment ${done.paymentId}.`;
    },
  },
};

function declared(what: string, done: { declarationId: string; allocations: Array<{ personId: string; pence: number; participation?: number }> }, name: (personId: string) => string): string {
  const total = done.allocations.reduce((sum, a) => sum + a.pence, 0);
  return [
    `${what}: declaration ${done.declarationId}, ${pounds(total)} to ${done.allocations.length} member${done.allocations.length === 1 ? '' : 's'}`,
    ...done.allocations.map((a) => `  ${name(a.personId).padEnd(24)} ${pounds(a.pence).padStart(12)}${a.participation === undefined ? '' : `  (participation ${a.participation})`}`),
  ].join('\n');
}

type Holding = {
  name: string; status: 'member' | 'ended'; memberClass: string; admittedOn: string; endedOn: string | null; membershipShare: Money; holding: Money; withdrawing: Money;
  history: Array<{ date: string; kind: string; amount: Money }>; allocations: Array<{ kind: string; paidOn: string; amount: Money }>;
};

function describeMember(m: Holding): string {
  return [
    `${m.name}: ${m.memberClass}, ${m.status === 'ended' ? `a member from ${m.admittedOn} to ${m.endedOn}` : `a member since ${m.admittedOn}`}`,
    `  membership share ${m.membershipShare.pounds}; shares ${m.holding.pounds}${m.withdrawing.pence ? ` (${m.withdrawing.pounds} under notice of withdrawal)` : ''}`,
    ...m.history.map((h) => `  ${h.date}  ${h.kind.padEnd(14)} ${money(h.amount)}`),
    ...m.allocations.map((a) => `  ${a.paidOn}  ${a.kind.padEnd(14)} ${money(a.amount)} paid to them`),
  ].join('\n');
}

type Tallies = { for: number; against: number; abstain: number };
type ProposalView = {
  title: string; amount: Money; payee: string; purpose: string; source: { kind: 'funds' } | { kind: 'pool'; poolId: string }; closesAt: string;
  quorumPercent: number; thresholdPercent: number; secret: boolean; hideResultsUntilClose: boolean; status: 'draft' | 'open' | 'closing' | 'closed';
  electorate: number; ballotsCast: number; myBallot: { castAt: string; choice: string | null } | null; tallies: Tallies | null;
  result: (Tallies & { electorate: number; ballots: number; quorumMet: boolean; passed: boolean }) | null;
  payment: { paymentId: string; amount: Money; invoiceReference: string; paidOn: string } | null;
};

function describeProposal(p: ProposalView): string {
  const weighed = (t: Tallies) => `for ${t.for}, against ${t.against}, abstain ${t.abstain} (by weight)`;
  const lines = [
    `${p.title}: ${p.amount.pounds} to ${p.payee}, from ${p.source.kind === 'pool' ? `pool ${p.source.poolId}` : "the co-op's funds"}`,
    `  ${p.purpose}`,
    `  ${p.status}; voting closes ${p.closesAt}; quorum ${p.quorumPercent}%, threshold ${p.thresholdPercent}%${p.secret ? '; secret ballot' : ''}${p.hideResultsUntilClose ? '; results hidden until the close' : ''}`,
  ];
  const r = p.result;
  if (r) lines.push(`  ${r.ballots} of ${r.electorate} electors voted; ${weighed(r)}: ${r.passed ? 'passed' : r.quorumMet ? 'not passed' : 'not passed, no quorum'}`);
  else if (p.status === 'open') lines.push(`  ${p.ballotsCast} of ${p.electorate} electors have voted; ${p.tallies ? `so far ${weighed(p.tallies)}` : 'the count is hidden until the close'}`);
  if (p.myBallot) lines.push(`  your ballot: ${p.myBallot.choice ?? 'cast, secret'} at ${p.myBallot.castAt}`);
  if (p.payment) lines.push(`  paid ${p.payment.amount.pounds} on ${p.payment.paidOn}, invoice ${p.payment.invoiceReference} (payment ${p.payment.paymentId})`);
  return lines.join('\n');
}

/** Each ballot by the voter's name; a proxy by theirs too, whether or not they voted themselves. */
function describeBallots(b: { items: Array<{ voterId: string; name: string; castBy?: string; castAt?: string; choice: string | null }> }, nameOf: (personId: string) => string): string {
  const names = new Map(b.items.map((x) => [x.voterId, x.name]));
  const line = (x: (typeof b.items)[number]) =>
    `${x.name.padEnd(24)} ${(x.choice ?? 'hidden').padEnd(8)}${x.castAt ? ` ${x.castAt}` : ''}${x.castBy && x.castBy !== x.voterId ? `  cast by their proxy, ${names.get(x.castBy) ?? nameOf(x.castBy)}` : ''}`;
  return b.items.map((x) => line(x).trimEnd()).join('\n');
}
