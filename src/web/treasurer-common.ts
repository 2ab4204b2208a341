// What the treasurer's pages share: the API's shapes for a pool, the words for its entries, and the
// way back up from any page to the pool it is about.
import { html, type Html } from '../http/html.ts';
import { formatPence } from '../units.ts';
import { kindName as entryKind } from '../pools/statement.ts';
import { networkCrumbs, type Membership, type Page } from './page.ts';
import type { FormState } from './forms.ts';
import { longDate } from './words.ts';

export interface Money {
  pence: number;
  pounds: string;
}

export interface Pool {
  poolId: string;
  name: string;
  balance: Money;
  twoApproversAbovePence: number;
  closedThrough: string | null;
  asAt: string;
  holders: Array<{ holderId: string; name: string; shareOfBalance: Money }>;
  /** What of the balance is no holder's, and what it is made of. */
  unattributed: Money & { lines: Array<Money & { item: string }> };
}

export interface Payment {
  paymentId: string;
  kind: 'payment' | 'transfer';
  payee: string;
  purpose: string;
  invoiceReference: string;
  toPoolId: string | null;
  amount: Money;
  beneficiaries: Array<{ holderId: string; pence: number }>;
  submittedBy: string;
  submittedOn: string;
  invoiceDate: string | null;
  approvedOn: string | null;
  paidOn: string | null;
  status: string;
  approvedBy: string[];
  rejectionReason: string | null;
}

export interface LedgerLine {
  entryId: string;
  date: string;
  kind: string;
  counterparty: string;
  reference: string;
  purpose: string;
  corrects: string | null;
  pence: number;
  /** The running balance after the entry. */
  balance: Money;
}

export interface Ledger {
  from: string;
  to: string;
  opening: Money;
  lines: LedgerLine[];
}

export interface Period {
  periodEnd: string;
  closedOn: string;
  balance: Money;
  digest: string;
  upToPosition: number;
}

export type Params = { networkId: string; poolId: string; paymentId?: string; receiptId?: string; periodEnd?: string };

/** Those who keep a Neighbourhood Network's books; the API decides what each of them may do. */
export const keepsBooks = (m: Membership) => m.roles.some((r) => r === 'treasurer' || r === 'board' || r === 'coordinator');
export const isTreasurer = (m: Membership) => m.roles.includes('treasurer');
export const canApprove = (m: Membership) => m.roles.includes('treasurer') || m.roles.includes('board');

export const poolsPath = (networkId: string) => `/networks/${networkId}/pools`;
export const poolPath = (networkId: string, poolId: string) => `/networks/${networkId}/pools/${poolId}`;
/** The API's own address for a read: the session cookie is enough for a GET there, so a download can link straight to it. */
export const apiPath = (networkId: string, poolId: string, rest: string) => `/api/v1/networks/${networkId}/pools/${poolId}${rest}`;

/** The pool's name, read once, and the crumbs back up to it. */
export async function poolCrumbs(page: Page, m: Membership, poolId: string, after?: string) {
  const pool = await page.api.read<Pool>(`/networks/${m.networkId}/pools/${poolId}`, { after });
  return { pool, crumbs: [...networkCrumbs(m), { href: poolsPath(m.networkId), label: 'Pooled budgets' }, { href: poolPath(m.networkId, poolId), label: pool.name }] };
}

export const kindName = (line: { kind: string; corrects: string | null }) => (line.corrects ? `Correction to a ${entryKind(line.kind).toLowerCase()}` : entryKind(line.kind));

/** Money in or out, said in words as well as the sign, so nobody has to read a minus. */
export const inOrOut = (pence: number) => (pence < 0 ? `out ${formatPence(-pence)}` : `in ${formatPence(pence)}`);

/** Who was paid, or who paid in; money in records only its source, which the "What" column says already. */
export const counterparty = (l: { kind: string; counterparty: string }) => (l.counterparty === l.kind ? '' : l.counterparty);

/** `also` adds a column of what may be done with each entry, for those who may do it. */
export function ledgerTable(lines: LedgerLine[], caption: string, also?: (l: LedgerLine) => Html): Html {
  // A region that scrolls sideways and holds no link must take focus itself, for keyboard scrolling.
  return html`<div class="table-scroll" tabindex="0" role="region" aria-label="${caption}"><table><caption>${caption}</caption>
    <thead><tr><th scope="col">Date</th><th scope="col">What</th><th scope="col">Paid to or received from</th><th scope="col">Reference</th><th scope="col" class="num">Money in or out</th><th scope="col" class="num">Balance after</th>${also ? html`<th scope="col">What to do</th>` : html``}</tr></thead>
    <tbody>${lines.map((l) => html`<tr><td>${longDate(l.date)}</td><td>${kindName(l)}${l.purpose ? html`: ${l.purpose}` : html``}</td><td>${counterparty(l)}</td><td>${l.reference}</td><td class="num">${inOrOut(l.pence)}</td><td class="num">${l.balance.pounds}</td>${also ? html`<td>${also(l)}</td>` : html``}</tr>`)}</tbody></table></div>`;
}

/** The API says a refusal as a title and a detail that sometimes repeat each other; say it once. */
export function saidOnce(state: FormState): FormState {
  const repeated = state.general && /^(.+?)\.? \1\.?$/.exec(state.general);
  if (repeated) state.general = `${repeated[1]}.`;
  return state;
}

/** A fingerprint of the books, whole so that it can be compared with a copy kept elsewhere, wrapping at 200% zoom. */
export const digestWords = (digest: string) => html`<code style="overflow-wrap:anywhere">${digest}</code>`;
