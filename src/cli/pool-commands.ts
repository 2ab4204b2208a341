// Pooled budgets from the command line, for a treasurer at a desk: money in and out, approvals,
// corrections, closing a period, the bank reconciliation and every report. Amounts are typed in
// pounds (12.50 or £12.50) and sent as pence; each command is one API call (see ledger.ts).
import { readFileSync } from 'node:fs';
import { acting, need, optional, UsageError, type Command, type Flags } from './commands.ts';
import { today } from '../dates.ts';
import { formatPence, poundsToPence } from '../units.ts';

/** Pence from pounds as typed on the command line. */
export function parsePounds(text: string): number {
  const amount = poundsToPence(text);
  if (amount === undefined) throw new UsageError(`"${text}" is not an amount of money: give pounds and pence, such as 12.50.`);
  return amount;
}

/** "PERSON:12.50,PERSON:7.50": each holder's part. */
function parseShares(text: string): Array<{ holderId: string; pence: number }> {
  return text.split(',').map((part) => {
    const [holderId, amount] = part.split(':');
    if (!holderId || !amount) throw new UsageError(`"${part}" should be a person id and an amount, such as 0190…:12.50.`);
    return { holderId, pence: parsePounds(amount) };
  });
}

const pools = (f: Flags) => `/networks/${need(f, 'network')}/pools`;
const pool = (f: Flags) => `${pools(f)}/${need(f, 'pool')}`;
const money = (m: { pounds: string }) => m.pounds.padStart(12);

export const poolCommands: Record<string, Command> = {
  'pool open': {
    usage: 'pool open --network N --name NAME --two-approvers-above 250.00   (coordinators)',
    async run(ledger, f) {
      const { body } = await ledger.call('POST', pools(f), { name: need(f, 'name'), twoApproversAbovePence: parsePounds(need(f, 'two-approvers-above')) }, acting(f));
      return `Opened pool ${body.poolId}.`;
    },
  },
  'pool list': {
    usage: 'pool list --network N',
    async run(ledger, f) {
      const items = await ledger.listAll(pools(f));
      return items.map((p: { poolId: string; name: string; balance: { pounds: string } }) => `${p.poolId}  ${p.name.padEnd(32)} ${money(p.balance)}`).join('\n');
    },
  },
  'pool show': {
    usage: 'pool show --network N --pool P [--as-at YYYY-MM-DD]',
    async run(ledger, f) {
      const asAt = optional(f, 'as-at');
      const { body: p } = await ledger.call('GET', `${pool(f)}${asAt ? `?asAt=${asAt}` : ''}`);
      type Holder = { holderId: string; name: string; contributed: { pounds: string }; spent: { pounds: string }; unspent: { pounds: string }; shareOfBalance: { pounds: string } };
      return [
        `${p.name}: balance ${p.balance.pounds} at the end of ${p.asAt}${p.closedThrough ? `; books closed to ${p.closedThrough}` : ''}`,
        `${'budget holder'.padEnd(24)} ${'contributed'.padStart(12)} ${'spent'.padStart(12)} ${'unspent'.padStart(12)} ${'share'.padStart(12)}`,
        ...p.holders.map((h: Holder) => `${h.name.padEnd(24)} ${money(h.contributed)} ${money(h.spent)} ${money(h.unspent)} ${money(h.shareOfBalance)}`),
      ].join('\n');
    },
  },
  'pool receive': {
    usage: 'pool receive --network N --pool P --source contribution|council|grant [--holder H] --amount 120.00 --reference R [--date YYYY-MM-DD]   (treasurers)',
    async run(ledger, f) {
      const body = { source: need(f, 'source'), holderId: optional(f, 'holder') ?? null, pence: parsePounds(need(f, 'amount')), reference: optional(f, 'reference') ?? '', receivedOn: optional(f, 'date') ?? today() };
      const { body: done } = await ledger.call('POST', `${pool(f)}/receipts`, body, acting(f));
      return `Recorded receipt ${done.receiptId}.`;
    },
  },
  'pool pay': {
    usage: 'pool pay --network N --pool P --payee NAME --purpose TEXT --invoice REF [--invoice-date YYYY-MM-DD] --amount 90.00 (--for H1:60.00,H2:30.00 | --expense no-holder|equally|by-share) [--date YYYY-MM-DD]',
    async run(ledger, f) {
      const invoiceDate = optional(f, 'invoice-date');
      // A pool's own expense (insurance, room hire) names no holders: the rule shares it when it is paid.
      const expense = optional(f, 'expense');
      const body = {
        payee: need(f, 'payee'), purpose: need(f, 'purpose'), invoiceReference: need(f, 'invoice'), ...(invoiceDate ? { invoiceDate } : {}), pence: parsePounds(need(f, 'amount')),
        ...(expense ? { beneficiaries: [], expense: { sharedBy: expense } } : { beneficiaries: parseShares(need(f, 'for')) }), submittedOn: optional(f, 'date') ?? today(),
      };
      const { body: done } = await ledger.call('POST', `${pool(f)}/payments`, body, acting(f));
      return `Submitted payment ${done.paymentId}; it is paid once approved.`;
    },
  },
  'pool transfer': {
    usage: 'pool transfer --network N --pool P --to-pool Q --amount 50.00 --reason TEXT [--date YYYY-MM-DD]',
    async run(ledger, f) {
      const body = { toPoolId: need(f, 'to-pool'), pence: parsePounds(need(f, 'amount')), reason: need(f, 'reason'), submittedOn: optional(f, 'date') ?? today() };
      const { body: done } = await ledger.call('POST', `${pool(f)}/transfers`, body, acting(f));
      return `Submitted transfer ${done.paymentId}; it moves once approved.`;
    },
  },
  'pool approve': {
    usage: 'pool approve --network N --pool P --payment X [--paid-on YYYY-MM-DD, the day the money left, for the last approval]   (treasurers, board)',
    async run(ledger, f) {
      const paidOn = optional(f, 'paid-on');
      await ledger.call('POST', `${pool(f)}/payments/${need(f, 'payment')}/approval`, paidOn ? { paidOn } : undefined, acting(f));
      const { body: p } = await ledger.call('GET', `${pool(f)}/payments/${need(f, 'payment')}`);
      return p?.status === 'paid' ? `Approved: payment ${f.payment} is paid, on ${p.paidOn}.` : `Approved: payment ${f.payment} needs one more approver.`;
    },
  },
  'pool reject': {
    usage: 'pool reject --network N --pool P --payment X --reason TEXT   (treasurers, board)',
    async run(ledger, f) {
      await ledger.call('POST', `${pool(f)}/payments/${need(f, 'payment')}/rejection`, { reason: need(f, 'reason') }, acting(f));
      return `Rejected payment ${f.payment}.`;
    },
  },
  'pool payments': {
    usage: 'pool payments --network N --pool P [--status submitted|paid|rejected]',
    async run(ledger, f) {
      const status = optional(f, 'status');
      const items = await ledger.listAll(`${pool(f)}/payments${status ? `?status=${status}` : ''}`);
      type Row = { paymentId: string; submittedOn: string; paidOn: string | null; status: string; amount: { pounds: string }; payee: string; purpose: string; approvedBy: string[] };
      const rows = items.map((p: Row) => `${p.paymentId}  ${p.submittedOn}  ${p.status.padEnd(9)} ${money(p.amount)}  ${(p.payee || 'transfer').padEnd(24)} ${p.purpose}  (${p.approvedBy.length} approval${p.approvedBy.length === 1 ? '' : 's'}${p.paidOn ? `, paid ${p.paidOn}` : ''})`);
      return rows.join('\n');
    },
  },
  'pool refund': {
    usage: 'pool refund --network N --pool P --payment X --amount 15.00 --reference R [--date YYYY-MM-DD]   (treasurers)',
    async run(ledger, f) {
      const body = { paymentId: need(f, 'payment'), pence: parsePounds(need(f, 'amount')), reference: optional(f, 'reference') ?? '', receivedOn: optional(f, 'date') ?? today() };
      const { body: done } = await ledger.call('POST', `${pool(f)}/refunds`, body, acting(f));
      return `Recorded refund ${done.refundId}.`;
    },
  },
  'pool correct': {
    usage: 'pool correct --network N --pool P --entry E --amount -5.00 --reason TEXT [--date YYYY-MM-DD]   (treasurers)',
    async run(ledger, f) {
      const body = { corrects: need(f, 'entry'), pence: parsePounds(need(f, 'amount')), reason: need(f, 'reason'), correctedOn: optional(f, 'date') ?? today() };
      const { body: done } = await ledger.call('POST', `${pool(f)}/corrections`, body, acting(f));
      return `Recorded correction ${done.correctionId}.`;
    },
  },
  'pool close': {
    usage: 'pool close --network N --pool P --period-end YYYY-MM-DD [--reinvest 40.00 --purpose TEXT] [--claw-backs H1:10.00,H2:5.00]   (treasurers)',
    async run(ledger, f) {
      const reinvest = optional(f, 'reinvest');
      const clawBacks = optional(f, 'claw-backs');
      const body = {
        periodEnd: need(f, 'period-end'),
        reinvest: reinvest ? { pence: parsePounds(reinvest), purpose: need(f, 'purpose') } : null,
        clawBacks: clawBacks ? parseShares(clawBacks).map((c) => ({ ...c, reference: optional(f, 'reference') ?? 'council claw-back' })) : [],
      };
      const { body: done } = await ledger.call('POST', `${pool(f)}/periods`, body, acting(f));
      return `Closed the books to ${done.periodEnd}. Digest of the log: ${done.digest}`;
    },
  },
  'pool ledger': {
    usage: 'pool ledger --network N --pool P [--from D] [--to D] > ledger.csv',
    async run(ledger, f) {
      const query = new URLSearchParams({ format: 'csv', ...(optional(f, 'from') ? { from: f.from as string } : {}), ...(optional(f, 'to') ? { to: f.to as string } : {}) });
      return (await ledger.call('GET', `${pool(f)}/ledger?${query}`)).text.trimEnd();
    },
  },
  'pool trial-balance': {
    usage: 'pool trial-balance --network N --pool P [--as-at D]',
    async run(ledger, f) {
      const asAt = optional(f, 'as-at');
      const { body } = await ledger.call('GET', `${pool(f)}/trial-balance${asAt ? `?asAt=${asAt}` : ''}`);
      type Line = { account: string; debit: { pounds: string }; credit: { pounds: string } };
      return [
        `Trial balance at the end of ${body.asAt}`,
        `${'account'.padEnd(20)} ${'debit'.padStart(12)} ${'credit'.padStart(12)}`,
        ...body.accounts.map((a: Line) => `${a.account.padEnd(20)} ${money(a.debit)} ${money(a.credit)}`),
        `${'total'.padEnd(20)} ${money(body.totalDebit)} ${money(body.totalCredit)}`,
        `The bank's ${money(body.balance).trim()} is the holders' shares, ${money(body.holdersShares).trim()}, and ${money(body.unattributed).trim()} that is no holder's.`,
      ].join('\n');
    },
  },
  'pool statement': {
    usage: 'pool statement --network N --pool P --holder H --from D --to D [--format csv|html] [--table entries|summary] > statement.html',
    async run(ledger, f) {
      const format = optional(f, 'format') ?? 'csv';
      const table = optional(f, 'table');
      return (await ledger.call('GET', `${pool(f)}/holders/${need(f, 'holder')}/statement?from=${need(f, 'from')}&to=${need(f, 'to')}&format=${format}${table ? `&table=${encodeURIComponent(table)}` : ''}`)).text.trimEnd();
    },
  },
  'pool period-statement': {
    usage: 'pool period-statement --network N --pool P --period-end D [--format csv|html] [--table ledger|holders|summary]',
    async run(ledger, f) {
      const format = optional(f, 'format') ?? 'csv';
      const table = optional(f, 'table');
      return (await ledger.call('GET', `${pool(f)}/periods/${need(f, 'period-end')}/statement?format=${format}${table ? `&table=${encodeURIComponent(table)}` : ''}`)).text.trimEnd();
    },
  },
  'pool import-statement': {
    usage: 'pool import-statement FILE.csv --network N --pool P   (treasurers; see docs/bank-statements.md for the layouts read)',
    async run(ledger, f, [file]) {
      if (!file) throw new UsageError('Name the bank statement CSV file to import.');
      const { body: s } = await ledger.call('POST', `${pool(f)}/bank-statements`, readFileSync(file, 'utf8'), { contentType: 'text/csv', key: optional(f, 'key') });
      return `Read ${s.lines} lines (${s.layout}): ${s.imported} new, ${s.matched} matched to the ledger.`;
    },
  },
  'pool reconciliation': {
    usage: 'pool reconciliation --network N --pool P',
    async run(ledger, f) {
      const { body: r } = await ledger.call('GET', `${pool(f)}/reconciliation`);
      type Line = { lineId: string; date: string; amount: string; description: string };
      type Entry = { entryId: string; date: string; amount: string; kind: string; counterparty: string; reference: string };
      const a = r.againstBooks as null | { on: string; bankPence: number; booksPence: number; differencePence: number; broughtForwardPence: number; unmatchedLinesPence: number; unmatchedEntriesPence: number; unexplainedPence: number };
      return [
        ...(a
          ? [
              `At the close of ${a.on} the bank says ${formatPence(a.bankPence)} and the books ${formatPence(a.booksPence)}: a difference of ${formatPence(a.differencePence)},`,
              `  ${a.broughtForwardPence === 0 ? '' : `${formatPence(a.broughtForwardPence)} held before the first line imported, `}${formatPence(a.unmatchedLinesPence)} in the bank not yet in the books, less ${formatPence(a.unmatchedEntriesPence)} in the books not yet in the bank${a.unexplainedPence === 0 ? '.' : `, and ${formatPence(a.unexplainedPence)} not explained by unmatched lines.`}`,
            ]
          : ['The bank statements give no balance.']),
        `${r.matched.length} bank lines matched.`,
        `Unmatched in the bank (${r.unmatchedLines.length}):`,
        ...r.unmatchedLines.map((l: Line) => `  ${l.lineId}  ${l.date}  ${l.amount.padStart(12)}  ${l.description}`),
        `Unmatched in the ledger (${r.unmatchedEntries.length}):`,
        ...r.unmatchedEntries.map((e: Entry) => `  ${e.entryId}  ${e.date}  ${e.amount.padStart(12)}  ${e.kind} ${e.counterparty} ${e.reference}`),
      ].join('\n');
    },
  },
  'pool match': {
    usage: 'pool match --network N --pool P --line L --entries E1,E2   (treasurers)',
    async run(ledger, f) {
      await ledger.call('POST', `${pool(f)}/reconciliation/matches`, { lineId: need(f, 'line'), entryIds: need(f, 'entries').split(',') }, acting(f));
      return `Matched line ${f.line}.`;
    },
  },
  'pool unmatch': {
    usage: 'pool unmatch --network N --pool P --line L --reason TEXT   (treasurers)',
    async run(ledger, f) {
      await ledger.call('POST', `${pool(f)}/reconciliation/matches/${need(f, 'line')}/removal`, { reason: need(f, 'reason') }, acting(f));
      return `Removed the match of line ${f.line}.`;
    },
  },
  'pool auto-match': {
    usage: 'pool auto-match --network N --pool P   (treasurers)',
    async run(ledger, f) {
      const { body } = await ledger.call('POST', `${pool(f)}/reconciliation/auto-match`, undefined, acting(f));
      return `Matched ${body.matched} more lines.`;
    },
  },
};

