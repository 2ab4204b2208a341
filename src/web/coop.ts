// A co-op member's pages: their shares in pounds (the membership share that makes them a member,
// the withdrawable shares, every movement, and the interest and dividends paid to them), the
// co-op's funds, and the votes on spending (./coop-votes.ts). The board and treasurers also keep
// the register of members, as at any past day, to read, print or download.
import type { FastifyPluginAsync } from 'fastify';
import type { Hearth } from '../hearth.ts';
import { html, type Html } from '../http/html.ts';
import { today } from '../dates.ts';
import { ReadFailed } from './api.ts';
import { dateField, dateValues, errorSummary, formState, readDate, type FormState } from './forms.ts';
import { networkCrumbs, pageFor, type Membership, type Page } from './page.ts';
import { coopCrumbs, votePages, type Money } from './coop-votes.ts';
import { longDate } from './words.ts';
import type { Journey } from './index.ts';
import { taskLinks, taskPages } from './coop-tasks.ts';
import { boardPages } from './coop-board.ts';

interface Coop {
  name: string;
  foundedOn: string;
  funds: Money;
  reserves: Money;
  shareCapital: Money;
  members: number;
  withdrawalsSuspended: boolean;
}

interface Holding {
  status: 'member' | 'ended';
  memberClass: string;
  admittedOn: string;
  endedOn: string | null;
  membershipShare: Money;
  holding: Money;
  withdrawing: Money;
  history: Array<{ date: string; kind: string; amount: Money }>;
  allocations: Array<{ kind: string; paidOn: string; amount: Money }>;
}

interface Register {
  asAt: string;
  shareCapital: Money;
  members: RegisterRow[];
  formerMembers: Array<RegisterRow & { ceasedOn: string }>;
}
type RegisterRow = { personId: string; name: string; address: string | null; memberClass: string; admittedOn: string; membershipShare: Money; shares: Money };

const movementWords: Record<string, string> = {
  membership: 'Membership share taken up',
  issue: 'Shares issued to you',
  withdrawal: 'Shares withdrawn and paid to you',
  'transfer-in': 'Shares transferred to you',
  'transfer-out': 'Shares transferred to another member',
  forfeit: 'Membership share kept by the co-op when your membership ended',
};

const allocationWords: Record<string, string> = {
  interest: 'Interest on your shares',
  dividend: 'Dividend for taking part in the co-op',
};

/** Only the board and treasurers keep the register; the API refuses anyone else. */
const keepsRegister = (m: Membership) => m.roles.includes('board') || m.roles.includes('treasurer');

export const coopJourney: Journey = {
  links: (m: Membership) =>
    m.kind === 'co_operative'
      ? [
          { href: `/networks/${m.networkId}/coop`, label: 'Your co-op: your shares and its funds' },
          { href: `/networks/${m.networkId}/coop/proposals`, label: 'Votes on spending' },
          ...(keepsRegister(m) ? [{ href: `/networks/${m.networkId}/coop/register`, label: 'Register of members' }] : []),
          ...taskLinks(m),
        ]
      : [],
  routes: (_hearth: Hearth): FastifyPluginAsync => async (app) => {
    const base = '/networks/:networkId/coop';
    type Params = { networkId: string };

    app.get(base, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const m = page.memberOf((request.params as Params).networkId);
      const after = (request.query as { after?: string }).after;
      const [coop, holding] = await Promise.all([page.api.read<Coop>(`/networks/${m.networkId}/coop`, { after }), holdingOf(page, m, after)]);
      return page.show({
        title: 'Your co-op',
        crumbs: networkCrumbs(m),
        body: html`${holding ? holdingBody(holding) : html`<p>You do not hold shares in ${coop.name}. To become a member, <a href="/networks/${m.networkId}/coop/apply">apply for shares</a>.</p>`}
          <ul class="actions">
            <li><a href="/networks/${m.networkId}/coop/proposals">Votes on spending</a></li>
            ${holding?.status === 'member' ? html`<li><a href="/networks/${m.networkId}/coop/apply">Apply for more shares</a></li><li><a href="/networks/${m.networkId}/coop/withdraw">Give notice to withdraw shares</a></li>` : html``}
            ${keepsRegister(m) ? html`<li><a href="/networks/${m.networkId}/coop/register">Register of members</a></li>` : html``}
          </ul>
          <h2>${coop.name}</h2>
          <dl class="summary">
            <dt>Members</dt><dd>${coop.members}</dd>
            <dt>Share capital</dt><dd>${coop.shareCapital.pounds}</dd>
            <dt>Funds</dt><dd>${coop.funds.pounds}</dd>
            <dt>Reserves</dt><dd>${coop.reserves.pounds}</dd>
            <dt>Founded</dt><dd>${longDate(coop.foundedOn)}</dd>
          </dl>
          ${coop.withdrawalsSuspended ? html`<p><strong>The board has paused paying out withdrawals for now.</strong> You can still give notice; it is paid when payments start again.</p>` : html``}`,
      });
    });

    function registerDay(page: Page) {
      const state = formState({ ...dateValues('asAt', today()), ...(page.request.query as Record<string, string | undefined>) });
      const asAt = readDate(state, 'asAt', 'Enter the day to see the register at');
      return { state, asAt };
    }

    app.get(`${base}/register`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const m = page.memberOf((request.params as Params).networkId);
      const { state, asAt } = registerDay(page);
      // Read even when the date is wrong, so that someone who may not see it is told so first.
      const register = await page.api.read<Register>(`/networks/${m.networkId}/coop/register`, { asAt: asAt ?? today() });
      return page.show({
        title: 'Register of members',
        crumbs: coopCrumbs(m),
        hasErrors: Object.keys(state.errors).length > 0,
        body: html`${errorSummary(state)}
          <p>Every member and the shares they held at the end of a day. Choose a past day to see the register as it stood then.</p>
          ${registerForm(m, state)}
          ${asAt ? registerTable(register) : html``}
          ${asAt ? html`<p class="no-print"><a href="/networks/${m.networkId}/coop/register.csv?asAt=${register.asAt}" download>Download the register as at ${longDate(register.asAt)} as a spreadsheet (CSV)</a>, or <a href="/networks/${m.networkId}/coop/register.csv?asAt=${register.asAt}&amp;table=summary" download>the share capital on that day</a>. To print it, use your browser's Print.</p>` : html``}`,
      });
    });

    app.get(`${base}/register.csv`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const m = page.memberOf((request.params as Params).networkId);
      const { asAt = today(), table } = request.query as { asAt?: string; table?: string };
      // The API wrote it, byte-order mark and all: passed on as it is, and kept by no cache.
      const csv = await page.api.read<string>(`/networks/${m.networkId}/coop/register`, { asAt, format: 'csv', table });
      reply.header('content-disposition', `attachment; filename="register-of-members-${asAt}${table ? `-${table}` : ''}.csv"`);
      return reply.type('text/csv; charset=utf-8').header('cache-control', 'no-store').send(csv);
    });

    await app.register(votePages);
    await app.register(taskPages);
    await app.register(boardPages);
  },
};

/** The member's holding; undefined for someone in the network who has never held shares in the co-op. */
async function holdingOf(page: Page, m: Membership, after: string | undefined): Promise<Holding | undefined> {
  try {
    return await page.api.read<Holding>(`/networks/${m.networkId}/coop/members/${page.me.personId}`, { after });
  } catch (error) {
    if (error instanceof ReadFailed && error.problem.type === '/problems/not-a-coop-member') return undefined;
    throw error;
  }
}

function holdingBody(h: Holding): Html {
  const ended = h.status === 'ended';
  return html`<h2>Your withdrawable shares</h2>
    <p class="figure">${h.holding.pounds}</p>
    <p>${ended
      ? `Your membership ended on ${longDate(h.endedOn!)}.`
      : `You have been a member since ${longDate(h.admittedOn)}, in the class "${h.memberClass}". Your membership share of ${h.membershipShare.pounds} is what makes you a member; it cannot be withdrawn. Withdrawable shares can be paid back to you after notice.`}</p>
    ${h.withdrawing.pence > 0 ? html`<p>You have given notice to withdraw ${h.withdrawing.pounds}. It is paid to you once the notice has run.</p>` : html``}
    <dl class="summary">
      <dt>Class</dt><dd>${h.memberClass}</dd>
      <dt>Membership share</dt><dd>${h.membershipShare.pounds}</dd>
      <dt>Withdrawable shares</dt><dd>${h.holding.pounds}</dd>
      <dt>Being withdrawn</dt><dd>${h.withdrawing.pence > 0 ? h.withdrawing.pounds : 'nothing'}</dd>
    </dl>
    <h2>Your shares over time</h2>
    ${h.history.length === 0
      ? html`<p>No shares have been issued to you yet.</p>`
      : html`<div class="table-scroll"><table><caption>Every change to your shares, oldest first</caption>
        <thead><tr><th scope="col">Date</th><th scope="col">What happened</th><th scope="col" class="num">Amount</th></tr></thead>
        <tbody>${h.history.map((e) => html`<tr><td>${longDate(e.date)}</td><td>${movementWords[e.kind] ?? e.kind}</td><td class="num">${e.amount.pence < 0 ? `minus ${e.amount.pounds.replace('-', '')}` : e.amount.pounds}</td></tr>`)}</tbody></table></div>`}
    <h2>Interest and dividends paid to you</h2>
    ${h.allocations.length === 0
      ? html`<p>None has been paid to you yet.</p>`
      : html`<div class="table-scroll"><table><caption>Interest and dividends paid to you</caption>
        <thead><tr><th scope="col">Paid on</th><th scope="col">What</th><th scope="col" class="num">Amount</th></tr></thead>
        <tbody>${h.allocations.map((a) => html`<tr><td>${longDate(a.paidOn)}</td><td>${allocationWords[a.kind] ?? a.kind}</td><td class="num">${a.amount.pounds}</td></tr>`)}</tbody></table></div>`}`;
}

function registerForm(m: Membership, state: FormState): Html {
  return html`<form method="get" action="/networks/${m.networkId}/coop/register" class="no-print">
    ${dateField(state, { name: 'asAt', label: 'Show the register as at the end of' })}
    <button type="submit" class="secondary">Show the register</button>
  </form>`;
}

function registerTable(r: Register): Html {
  // A region that scrolls sideways and holds no link must take focus itself, for keyboard scrolling.
  // Former members stay on the register with the day they ceased (the 2014 Act, s.30), after the members.
  const row = (x: RegisterRow, ceasedOn: string | null) =>
    html`<tr><th scope="row">${x.name}</th><td>${x.memberClass}</td><td>${longDate(x.admittedOn)}</td><td class="num">${x.membershipShare.pounds}</td><td class="num">${x.shares.pounds}</td><td>${x.address ?? 'None on file'}</td><td>${ceasedOn ? longDate(ceasedOn) : ''}</td></tr>`;
  return html`<div class="table-scroll" tabindex="0" role="region" aria-label="Register of members"><table><caption>Register of members as at the end of ${longDate(r.asAt)}, former members after the members</caption>
    <thead><tr><th scope="col">Member</th><th scope="col">Class</th><th scope="col">Admitted</th><th scope="col" class="num">Membership share</th><th scope="col" class="num">Withdrawable shares</th><th scope="col">Address</th><th scope="col">Ceased to be a member</th></tr></thead>
    <tbody>${r.members.length === 0 ? html`<tr><td colspan="7">There were no members on that day.</td></tr>` : r.members.map((x) => row(x, null))}
    ${r.formerMembers.map((x) => row(x, x.ceasedOn))}
    <tr><th scope="row" colspan="4">Share capital</th><td class="num"><strong>${r.shareCapital.pounds}</strong></td><td colspan="2"></td></tr></tbody></table></div>`;
}
