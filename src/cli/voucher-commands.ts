// Learning vouchers from the command line: a relative's gift recorded at the desk, the money
// received, sessions redeemed for a mentor, refunds and expiry, and the treasurer's report of what
// is held for learners. Amounts are typed in pounds (15.00 or £15) and sent as pence; times of
// sessions are UTC; each command is one API call (see ledger.ts).
import { plural } from '../web/words.ts';
import { acting, need, optional, UsageError, type Command, type Flags } from './commands.ts';
import type { Ledger } from './ledger.ts';
import { parsePounds } from './pool-commands.ts';
import { today } from '../dates.ts';
import { formatPence } from '../units.ts';

/** A session's start as the API takes it, from 2026-03-01T14:00, 2026-03-01 14:00 or 2026-03-01T14:00:00Z (UTC). */
export function parseStart(text: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,3})?)?Z?$/.exec(text.trim());
  const iso = m ? `${m[1]}T${m[2]}:${m[3]}:${m[4] ?? '00'}${m[5] ?? ''}Z` : '';
  const at = new Date(iso);
  // A day the month does not have (30 February) is refused, not rolled over into March.
  if (!m || Number.isNaN(at.getTime()) || at.toISOString().slice(0, 19) !== iso.slice(0, 19)) {
    throw new UsageError(`"${text}" is not a time: give the day and the time the session started, such as 2026-03-01T14:00 (UTC).`);
  }
  return at.toISOString();
}

/** "LEARNER:VOUCHER:8.00,LEARNER:own:8.00": who paid what; a sessions voucher's whole session needs no amount (LEARNER:VOUCHER). */
export function parseVoucherShares(text: string): Array<{ learnerId: string; voucherId: string | null; pence: number | null }> {
  return text.split(',').map((part) => {
    const [learnerId, voucher, amount, ...rest] = part.split(':');
    if (!learnerId || !voucher || rest.length > 0 || (voucher === 'own' && !amount)) {
      throw new UsageError(`"${part}" should be a learner, their voucher (or "own" for their own money) and an amount: 0190…:0190…:8.00, 0190…:own:8.00, or 0190…:0190… for a session of a sessions voucher.`);
    }
    return { learnerId, voucherId: voucher === 'own' ? null : voucher, pence: amount ? parsePounds(amount) : null };
  });
}

const vouchers = (f: Flags) => `/networks/${need(f, 'network')}/vouchers`;
const voucher = (f: Flags) => `${vouchers(f)}/${need(f, 'voucher')}`;
const money = (m: { pounds: string }) => m.pounds.padStart(10);
const disposition = (d: string) => (d === 'learning-fund' ? 'to the learning fund' : 'back to the giver');

type Value = { kind: 'amount'; pence: number } | { kind: 'sessions'; activity: string; sessions: number; pencePerSession: number };
const describe = (v: Value) => (v.kind === 'amount' ? 'an amount' : `${plural(v.sessions, 'session')} of ${v.activity}`);
type Named = { personId: string; name: string };
type Shown = {
  voucherId: string; giver: Named; learner: Named; value: Value; price: { pounds: string }; occasion: string; message: string; boughtOn: string; expiresOn: string | null;
  atExpiry: string; status: string; paidOn: string | null; left: { pounds: string }; leftSessions: number | null; used: { pounds: string }; sessionsUsed: number;
};
const leftOf = (v: Shown) => `${v.left.pounds} left${v.leftSessions === null ? '' : ` (${plural(v.leftSessions, 'session')})`}`;

/** A session for the API: one learner's, or a group's. */
async function redeem(ledger: Ledger, f: Flags, feePence: number | null, shares: ReturnType<typeof parseVoucherShares>) {
  const body = { ...(optional(f, 'mentor') ? { mentorId: f.mentor } : {}), startsAt: parseStart(need(f, 'starts-at')), activity: need(f, 'activity'), feePence, shares };
  const { body: done } = await ledger.call('POST', `${vouchers(f)}/sessions`, body, acting(f));
  return done.sessionId as string;
}

export const voucherCommands: Record<string, Command> = {
  'voucher policy': {
    usage: 'voucher policy --network N [--expiry-months 24|never --at-expiry refund-to-giver|learning-fund]   (any member reads it; coordinators set it)',
    async run(ledger, f) {
      const months = optional(f, 'expiry-months');
      const atExpiry = optional(f, 'at-expiry');
      if (months !== undefined || atExpiry !== undefined) {
        if (months === undefined || atExpiry === undefined) throw new UsageError('Give both --expiry-months and --at-expiry to set the policy.');
        if (months !== 'never' && !/^\d+$/.test(months)) throw new UsageError(`--expiry-months is a whole number of months, or never; not "${months}".`);
        await ledger.call('PUT', `${vouchers(f)}/policy`, { expiryMonths: months === 'never' ? null : Number(months), atExpiry }, acting(f));
      }
      const { body: p } = await ledger.call('GET', `${vouchers(f)}/policy`);
      const lasting = p.expiryMonths === null ? 'Vouchers never expire' : `Vouchers bought from today last ${plural(p.expiryMonths, 'month')}`;
      return `${lasting}; what is left at expiry goes ${disposition(p.atExpiry)}.`;
    },
  },
  'voucher give': {
    usage: 'voucher give --network N --learner L (--amount 50.00 | --activity A --sessions 6 --per-session 15.00) --occasion TEXT [--message TEXT]   (any member; a coordinator --on-behalf-of the giver)',
    async run(ledger, f) {
      const amount = optional(f, 'amount');
      const sessions = optional(f, 'sessions');
      if ((amount === undefined) === (sessions === undefined)) throw new UsageError('Give either --amount, or --activity, --sessions and --per-session.');
      if (sessions !== undefined && !/^\d+$/.test(sessions)) throw new UsageError(`--sessions is a whole number, not "${sessions}".`);
      const value = amount !== undefined ? { kind: 'amount', pence: parsePounds(amount) } : { kind: 'sessions', activity: need(f, 'activity'), sessions: Number(sessions), pencePerSession: parsePounds(need(f, 'per-session')) };
      const body = { learnerId: need(f, 'learner'), value, occasion: need(f, 'occasion'), message: optional(f, 'message') ?? '' };
      const { body: done } = await ledger.call('POST', vouchers(f), body, acting(f));
      const lasts = done.expiresOn ? `it can be used until ${done.expiresOn}` : 'it never expires';
      return `Voucher ${done.voucherId} for ${done.price.pounds}; ${lasts}. It is held for the learner once the treasurer records the money.`;
    },
  },
  'voucher pay': {
    usage: "voucher pay --network N --voucher V --amount 90.00 --reference R [--date YYYY-MM-DD] [--account POOL]   (treasurers; --account: the pool whose bank account it came in through, for its reconciliation)",
    async run(ledger, f) {
      const body = { pence: parsePounds(need(f, 'amount')), reference: need(f, 'reference'), receivedOn: optional(f, 'date') ?? today(), accountPoolId: optional(f, 'account') ?? null };
      await ledger.call('POST', `${voucher(f)}/payment`, body, acting(f));
      return `Recorded ${formatPence(body.pence)} for voucher ${f.voucher}: it is held for the learner.`;
    },
  },
  'voucher redeem': {
    usage: "voucher redeem --network N --learner L --voucher V --activity A --starts-at 2026-03-01T14:00 [--amount 15.00] [--mentor M]   (mentors, for the sessions they gave; a coordinator names the mentor)",
    async run(ledger, f) {
      const amount = optional(f, 'amount');
      const sessionId = await redeem(ledger, f, null, [{ learnerId: need(f, 'learner'), voucherId: need(f, 'voucher'), pence: amount ? parsePounds(amount) : null }]);
      return `Redeemed session ${sessionId} on voucher ${f.voucher}.`;
    },
  },
  'voucher group-session': {
    usage: 'voucher group-session --network N --activity A --starts-at 2026-03-01T10:30 --fee 24.00 --shares L1:V1:8.00,L2:V2,L3:own:8.00 [--mentor M]   (mentors; a coordinator names the mentor)',
    async run(ledger, f) {
      const shares = parseVoucherShares(need(f, 'shares'));
      const sessionId = await redeem(ledger, f, parsePounds(need(f, 'fee')), shares);
      return `Redeemed group session ${sessionId}: ${plural(shares.filter((s) => s.voucherId !== null).length, 'voucher')} and ${plural(shares.filter((s) => s.voucherId === null).length, 'own contribution')}.`;
    },
  },
  'voucher refund': {
    usage: "voucher refund --network N --voucher V --amount 30.00 --reason TEXT   (treasurers, at the giver's request; a sessions voucher is refunded whole)",
    async run(ledger, f) {
      const pence = parsePounds(need(f, 'amount'));
      await ledger.call('POST', `${voucher(f)}/refund`, { pence, reason: need(f, 'reason') }, acting(f));
      return `Refunded ${formatPence(pence)} of voucher ${f.voucher}.`;
    },
  },
  'voucher payout': {
    usage: "voucher payout --network N --voucher V --amount 30.00 --method bank-transfer|cheque|cash --reference R [--date YYYY-MM-DD] [--account POOL]   (treasurers: money paid back to the giver for a refund or an expiry back to them)",
    async run(ledger, f) {
      const body = { pence: parsePounds(need(f, 'amount')), method: need(f, 'method'), reference: need(f, 'reference'), paidOn: optional(f, 'date') ?? today(), accountPoolId: optional(f, 'account') ?? null };
      await ledger.call('POST', `${voucher(f)}/payouts`, body, acting(f));
      return `Recorded ${formatPence(body.pence)} paid back to the giver of voucher ${f.voucher} by ${body.method.replace('-', ' ')}, reference ${body.reference}, on ${body.paidOn}.`;
    },
  },
  'voucher fund': {
    usage: 'voucher fund --network N [--as-at YYYY-MM-DD]   (treasurers, coordinators, board: the learning fund and its payments)',
    async run(ledger, f) {
      const asAt = optional(f, 'as-at');
      const { body: r } = await ledger.call('GET', `${vouchers(f)}/learning-fund${asAt ? `?asAt=${asAt}` : ''}`);
      const payments = await ledger.listAll(`${vouchers(f)}/learning-fund/payments`);
      type Payment = { paymentId: string; amount: { pounds: string }; payee: string; purpose: string; requestedBy: Named; requestedOn: string; status: string; approvedBy: Named | null; paidOn: string | null };
      const who = (p: Payment) => (p.status === 'paid' ? `asked for by ${p.requestedBy.name}, approved by ${p.approvedBy?.name ?? ''} and paid ${p.paidOn}` : `asked for by ${p.requestedBy.name}`);
      return [
        `The learning fund at the end of ${r.asAt}: ${r.balance.pounds} (${r.received.pounds} from expired vouchers, ${r.spent.pounds} paid out)`,
        ...payments.map((p: Payment) => `${p.paymentId}  ${p.requestedOn}  ${p.status.padEnd(9)} ${money(p.amount)}  ${p.payee}: ${p.purpose}; ${who(p)}`),
      ].join('\n');
    },
  },
  'voucher fund-request': {
    usage: 'voucher fund-request --network N --amount 120.00 --payee NAME --purpose TEXT [--account POOL]   (treasurers, coordinators: paid once someone else approves it)',
    async run(ledger, f) {
      const request = { pence: parsePounds(need(f, 'amount')), payee: need(f, 'payee'), purpose: need(f, 'purpose'), accountPoolId: optional(f, 'account') ?? null };
      const { body } = await ledger.call('POST', `${vouchers(f)}/learning-fund/payments`, request, acting(f));
      return `Asked for payment ${body.paymentId} out of the learning fund; it is paid once someone else approves it.`;
    },
  },
  'voucher fund-approve': {
    usage: 'voucher fund-approve --network N --payment X   (treasurers, board; not whoever asked for it)',
    async run(ledger, f) {
      await ledger.call('POST', `${vouchers(f)}/learning-fund/payments/${need(f, 'payment')}/approval`, undefined, acting(f));
      return `Approved: payment ${f.payment} is paid out of the learning fund.`;
    },
  },
  'voucher fund-reject': {
    usage: 'voucher fund-reject --network N --payment X --reason TEXT   (treasurers, board)',
    async run(ledger, f) {
      await ledger.call('POST', `${vouchers(f)}/learning-fund/payments/${need(f, 'payment')}/rejection`, { reason: need(f, 'reason') }, acting(f));
      return `Rejected payment ${f.payment} out of the learning fund.`;
    },
  },
  'voucher expire': {
    usage: 'voucher expire --network N   (treasurers: expires every voucher past its last day)',
    async run(ledger, f) {
      const { body } = await ledger.call('POST', `${vouchers(f)}/expiry`, undefined, acting(f));
      type Expired = { voucherId: string; pence: number; sessions: number; disposition: string };
      if (body.expired.length === 0) return 'No voucher has passed its last day.';
      return [
        `Expired ${plural(body.expired.length, 'voucher')}:`,
        ...body.expired.map((e: Expired) => `  ${e.voucherId}  ${formatPence(e.pence).padStart(10)}${e.sessions > 0 ? ` (${plural(e.sessions, 'session')})` : ''} ${disposition(e.disposition)}`),
      ].join('\n');
    },
  },
  'voucher show': {
    usage: 'voucher show --network N --voucher V   (its giver, its learner, treasurers, coordinators)',
    async run(ledger, f) {
      const { body: v } = await ledger.call('GET', voucher(f));
      type Use = { date: string; activity: string; mentor: Named; amount: { pounds: string }; sessions: number };
      type Refund = { refundedOn: string; amount: { pounds: string }; reason: string };
      type Payout = { paidOn: string; amount: { pounds: string }; method: string; reference: string };
      return [
        `${v.occasion}: ${describe(v.value)} for ${v.price.pounds}, from ${v.giver.name} to ${v.learner.name}`,
        `"${v.message}"`,
        `Bought ${v.boughtOn}; ${v.paidOn ? `paid ${v.paidOn}` : 'not paid yet'}; ${v.expiresOn ? `lasts until ${v.expiresOn}` : 'never expires'}, then what is left goes ${disposition(v.atExpiry)}.`,
        `${v.status}: ${leftOf(v)}; ${v.used.pounds} used in ${plural(v.sessionsUsed, 'session')}.`,
        ...v.uses.map((u: Use) => `  ${u.date}  ${u.activity.padEnd(24)} ${u.mentor.name.padEnd(20)} ${money(u.amount)}`),
        ...v.refunds.map((r: Refund) => `  ${r.refundedOn}  refunded: ${r.reason.padEnd(24)} ${money(r.amount)}`),
        ...v.payouts.map((p: Payout) => `  ${p.paidOn}  paid back to ${v.giver.name} by ${p.method.replace('-', ' ')}, ${p.reference.padEnd(12)} ${money(p.amount)}`),
        ...(v.expiry ? [`  ${v.expiry.expiredOn}  expired${v.expiry.sessions > 0 ? ` (${plural(v.expiry.sessions, 'session')})` : ''} ${disposition(v.expiry.disposition)} ${money(v.expiry.amount)}`] : []),
      ].join('\n');
    },
  },
  'voucher list': {
    usage: 'voucher list --network N (--given me | --learner me)   (a member, their own; a coordinator --on-behalf-of a member)',
    async run(ledger, f) {
      const given = optional(f, 'given');
      const learner = optional(f, 'learner');
      if ((given === undefined) === (learner === undefined)) throw new UsageError('Give --given me (the vouchers you gave) or --learner me (the vouchers given to you).');
      const items = await ledger.listAll(`${vouchers(f)}?${given ? `given=${encodeURIComponent(given)}` : `learner=${encodeURIComponent(learner!)}`}`, { onBehalfOf: optional(f, 'on-behalf-of') });
      if (items.length === 0) return 'No vouchers.';
      return items
        .map((v: Shown) => `${v.voucherId}  ${v.boughtOn}  ${(given ? `to ${v.learner.name}` : `from ${v.giver.name}`).padEnd(24)} ${describe(v.value).padEnd(32)} ${money(v.price)}  ${v.status.padEnd(16)} ${leftOf(v)}`)
        .join('\n');
    },
  },
  'voucher liability': {
    usage: 'voucher liability --network N [--as-at YYYY-MM-DD] [--format csv]   (treasurers)',
    async run(ledger, f) {
      const query = new URLSearchParams({ ...(optional(f, 'as-at') ? { asAt: f['as-at'] as string } : {}), ...(optional(f, 'format') ? { format: f.format as string } : {}) });
      const answer = await ledger.call('GET', `${vouchers(f)}/liability${query.size ? `?${query}` : ''}`);
      if (optional(f, 'format') === 'csv') return answer.text.trimEnd();
      const r = answer.body;
      type Figures = { vouchers: number; paid: { pounds: string }; redeemed: { pounds: string }; refunded: { pounds: string }; expired: { pounds: string }; outstanding: { pounds: string } };
      type Expired = { expiredOn: string; giver: Named; learner: Named; amount: { pounds: string }; sessions: number; disposition: string };
      const row = (name: string, l: Figures) => `${name.padEnd(24)} ${String(l.vouchers).padStart(8)} ${money(l.paid)} ${money(l.redeemed)} ${money(l.refunded)} ${money(l.expired)} ${money(l.outstanding)}`;
      return [
        `Learning vouchers held for learners at the end of ${r.asAt}: ${r.totals.outstanding.pounds} outstanding`,
        `${'learner'.padEnd(24)} ${'vouchers'.padStart(8)} ${'paid'.padStart(10)} ${'redeemed'.padStart(10)} ${'refunded'.padStart(10)} ${'expired'.padStart(10)} ${'outstanding'.padStart(10)}`,
        ...r.learners.map((l: Figures & { learner: Named }) => row(l.learner.name, l)),
        row('total', r.totals),
        ...(r.expired.length ? ['Expired:', ...r.expired.map((x: Expired) => `  ${x.expiredOn}  ${x.learner.name}'s voucher from ${x.giver.name}: ${x.amount.pounds}${x.sessions > 0 ? ` (${plural(x.sessions, 'session')})` : ''} ${disposition(x.disposition)}`)] : []),
        `Expired back to givers ${r.expiredToGiver.pounds}; to the learning fund ${r.expiredToLearningFund.pounds}; the learning fund holds ${r.learningFund.pounds}.`,
        `Paid back to givers ${r.paidOutToGivers.pounds}; still owed to givers ${r.owedToGivers.pounds}; paid out of the learning fund ${r.learningFundSpent.pounds}.`,
      ].join('\n');
    },
  },
  'voucher sessions': {
    usage: "voucher sessions --network N   (a mentor's own sessions; a coordinator --on-behalf-of a mentor)",
    async run(ledger, f) {
      const { body } = await ledger.call('GET', `${vouchers(f)}/sessions?mentor=me`, undefined, { onBehalfOf: optional(f, 'on-behalf-of') });
      type Share = { learner: Named; voucherId: string | null; amount: { pounds: string } };
      type Session = { sessionId: string; startsAt: string; activity: string; fee: { pounds: string }; shares: Share[] };
      return [
        ...body.items.map((s: Session) => `${s.startsAt.slice(0, 16).replace('T', ' ')}  ${s.activity.padEnd(24)} ${money(s.fee)}  ${s.shares.map((x) => `${x.learner.name} ${x.amount.pounds}${x.voucherId ? '' : ' (own)'}`).join(', ')}`),
        `${plural(body.totals.sessions, 'session')}: ${body.totals.fees.pounds} in fees, ${body.totals.fromVouchers.pounds} from vouchers and ${body.totals.fromContributions.pounds} from learners' own contributions.`,
      ].join('\n');
    },
  },
};
