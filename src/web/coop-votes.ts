// The co-op's votes on spending, as a member meets them: the proposals, each one's terms and the
// member's own ballot, a ballot to vote for, against or abstain (and to change it until the close),
// and the result as a chart with the same figures in a table, saying in plain words whether enough
// members voted and whether enough votes were for. The board opens and closes votes from the same
// pages. Whether someone may vote is the API's to decide; a refusal is shown beside the choice.
import type { FastifyPluginAsync } from 'fastify';
import { html, type Html } from '../http/html.ts';
import { barChart } from './chart.ts';
import { errorSummary, form, formState, posted, radioField, readChoice, type FormState } from './forms.ts';
import { networkCrumbs, pageFor, submit, type Membership, type Page } from './page.ts';
import { longDate, ukTime } from './words.ts';

export interface Money {
  pence: number;
  pounds: string;
}

const choices = ['for', 'against', 'abstain'] as const;
type Choice = (typeof choices)[number];
const choiceWords: Record<Choice, string> = { for: 'For', against: 'Against', abstain: 'Abstain' };

interface Tallies {
  for: number;
  against: number;
  abstain: number;
}

interface Proposal {
  proposalId: string;
  title: string;
  amount: Money;
  payee: string;
  purpose: string;
  source: { kind: 'funds' } | { kind: 'pool'; poolId: string };
  closesAt: string;
  quorumPercent: number;
  thresholdPercent: number;
  secret: boolean;
  hideResultsUntilClose: boolean;
  status: 'draft' | 'open' | 'closing' | 'closed';
  electorate: number;
  ballotsCast: number;
  myBallot: { castBy: string; castAt: string; choice: Choice | null } | null;
  tallies: Tallies | null;
  result: (Tallies & { closedAt: string; electorate: number; ballots: number; quorumMet: boolean; passed: boolean }) | null;
  payment: { amount: Money; invoiceReference: string; paidOn: string } | null;
}

interface ProposalLine {
  proposalId: string;
  title: string;
  amount: Money;
  status: string;
  closesAt: string;
  passed: boolean | null;
}

interface CoopRules {
  rules: { memberClasses: Array<{ name: string; voteWeight: number | null }> };
}

/** Every co-op page's way back: the network, then the member's own co-op page. */
export const coopCrumbs = (m: Membership) => [...networkCrumbs(m), { href: `/networks/${m.networkId}/coop`, label: 'Your co-op' }];
/** Who records a member's written proxy: the API lets the board and coordinators. */
const recordsProxies = (m: Membership) => m.roles.includes('board') || m.roles.includes('coordinator');
const votesCrumbs = (m: Membership) => [...coopCrumbs(m), { href: `/networks/${m.networkId}/coop/proposals`, label: 'Votes on spending' }];

const isOpen = (p: Proposal) => p.status === 'open' && Date.now() < Date.parse(p.closesAt);
const percent = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((part * 100) / whole));
const votes = (n: number) => `${n} vote${n === 1 ? '' : 's'}`;

function statusWords(status: string, passed: boolean | null): string {
  if (status === 'draft') return 'not open for voting yet';
  if (status === 'open') return 'open for voting';
  if (status === 'closing') return 'closed: the votes are being counted';
  return passed ? 'closed: it passed' : 'closed: it did not pass';
}

function ballotWords(p: Proposal, self: string): string {
  const mine = p.myBallot;
  if (!mine) return p.status === 'closed' ? 'You did not vote.' : 'You have not voted yet.';
  const by = mine.castBy === self ? '' : ' Your proxy cast it for you.';
  if (mine.choice === null) return `You voted at ${ukTime(mine.castAt)}. This is a secret ballot, so how you voted is not shown.${by}`;
  return `You voted ${choiceWords[mine.choice]} at ${ukTime(mine.castAt)}.${by}`;
}

const done: Record<string, (p: Proposal) => { title: string; say: string }> = {
  voted: (p) => ({
    title: 'Your vote is recorded',
    say: `Your vote is recorded${p.myBallot?.choice ? `: ${choiceWords[p.myBallot.choice]}` : '. It is a secret ballot, so how you voted is not shown again'}. You can change it until ${ukTime(p.closesAt)}.`,
  }),
  opened: (p) => ({ title: 'Voting is open', say: `Members can vote on "${p.title}" until ${ukTime(p.closesAt)}.` }),
  closed: (p) => ({ title: 'The vote is closed', say: `The result of "${p.title}" is recorded and cannot change.` }),
  proposed: (p) => ({ title: 'Proposal sent', say: `"${p.title}" is recorded. Members can vote on it once the board opens the vote.` }),
  proxy: (p) => ({ title: 'Proxy recorded', say: `The member named as proxy can now vote on "${p.title}" for the member who gave it, until ${ukTime(p.closesAt)}.` }),
};

export const votePages: FastifyPluginAsync = async (app) => {
  const base = '/networks/:networkId/coop/proposals';
  type Params = { networkId: string; proposalId: string };
  const readProposal = (page: Page, m: Membership, proposalId: string) =>
    page.api.read<Proposal>(`/networks/${m.networkId}/coop/proposals/${proposalId}`, { after: (page.request.query as { after?: string }).after });
  const proposalUrl = (m: Membership, proposalId: string, ...extra: string[]) => `/networks/${m.networkId}/coop/proposals/${proposalId}${extra.length > 0 ? `?${extra.join('&')}` : ''}`;

  app.get(base, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const m = page.memberOf((request.params as Params).networkId);
    const { items } = await page.api.readAll<ProposalLine>(`/networks/${m.networkId}/coop/proposals`);
    return page.show({
      title: 'Votes on spending',
      crumbs: coopCrumbs(m),
      body: html`<p>Members decide together how the co-op spends its money. Open a proposal to read it, vote, or see the result.</p>
        <p><a class="button" href="/networks/${m.networkId}/coop/propose">Propose spending</a></p>
        ${items.length === 0
          ? html`<p>There are no proposals yet.</p>`
          : html`<div class="table-scroll"><table><caption>Proposals, newest first</caption>
            <thead><tr><th scope="col">Proposal</th><th scope="col" class="num">Amount</th><th scope="col">Where it stands</th><th scope="col">Voting closes</th></tr></thead>
            <tbody>${items.map((p) => html`<tr><td><a href="${proposalUrl(m, p.proposalId)}">${p.title}</a></td><td class="num">${p.amount.pounds}</td><td>${statusWords(p.status, p.passed)}</td><td>${ukTime(p.closesAt)}</td></tr>`)}</tbody></table></div>`}`,
    });
  });

  const proposalPage = async (page: Page, m: Membership, proposalId: string, state: FormState) => {
    const p = await readProposal(page, m, proposalId);
    const query = page.request.query as { done?: string };
    const outcome = query.done && done[query.done] ? done[query.done]!(p) : undefined;
    const board = m.roles.includes('board');
    const action = (verb: string) => `/networks/${m.networkId}/coop/proposals/${p.proposalId}/${verb}`;
    // Once the closing time has passed, any member may close the vote; before it, only the board.
    const mayClose = p.status === 'open' && (board || Date.now() >= Date.parse(p.closesAt));
    return page.show({
      title: outcome?.title ?? p.title,
      crumbs: votesCrumbs(m),
      hasErrors: state.general !== undefined,
      body: html`${errorSummary(state)}
        ${outcome ? html`<div class="panel" role="status"><h2>${p.title}</h2><p>${outcome.say}</p></div>` : html``}
        ${outcome ? html`<h2>The proposal</h2>` : html``}
        <dl class="summary">
          <dt>Amount</dt><dd>${p.amount.pounds}</dd>
          <dt>Paid to</dt><dd>${p.payee}</dd>
          <dt>What for</dt><dd>${p.purpose}</dd>
          <dt>Paid from</dt><dd>${p.source.kind === 'funds' ? "The co-op's funds" : "One of the network's pooled budgets"}</dd>
          <dt>Where it stands</dt><dd>${statusWords(p.status, p.result?.passed ?? null)}</dd>
          <dt>${p.status === 'closed' ? 'Voting closed' : 'Voting closes'}</dt><dd>${ukTime(p.result?.closedAt ?? p.closesAt)}</dd>
          <dt>Quorum</dt><dd>At least ${p.quorumPercent}% of members must vote</dd>
          <dt>Threshold</dt><dd>At least ${p.thresholdPercent}% of the votes for and against must be for</dd>
          <dt>Ballot</dt><dd>${p.secret ? 'Secret: nobody can see how anyone voted' : 'Open'}${p.hideResultsUntilClose && p.status !== 'closed' ? '. The count is kept hidden until voting closes' : ''}</dd>
        </dl>
        ${p.payment ? html`<p>The treasurer paid ${p.payment.amount.pounds} on ${longDate(p.payment.paidOn)} (invoice ${p.payment.invoiceReference}).</p>` : html``}
        <h2>Your vote</h2>
        <p>${ballotWords(p, page.me.personId)}</p>
        ${isOpen(p) ? html`<p><a class="button" href="${action('vote')}">${p.myBallot ? 'Change your vote' : 'Vote'}</a></p>` : html``}
        ${p.tallies ? html`<h2>${p.status === 'closed' ? 'The result' : 'The count'}</h2><p><a href="${action('result')}">${p.status === 'closed' ? 'See the result, with a chart' : 'See the votes so far, with a chart'}</a></p>` : html``}
        ${p.status !== 'draft' ? html`<p><a href="${action('ballots')}">Who has voted</a></p>` : html``}
        ${isOpen(p) && recordsProxies(m) ? html`<p><a href="${action('proxy')}">Record a member's written proxy</a></p>` : html``}
        ${board && p.status === 'draft' ? html`<h2>For the board</h2>${form(action('open'), formState(), page.csrfToken, html`<p>Opening the vote fixes who may vote: the co-op's members today.</p>`, 'Open the vote')}` : html``}
        ${mayClose ? html`<h2>${board ? 'For the board' : 'Voting time is over'}</h2>${form(action('close'), formState(), page.csrfToken, html`<p>Closing counts the votes once; nobody can vote or change their vote afterwards.${board && isOpen(p) ? ' Before the closing time, the vote can only close once every member has voted.' : ''}</p>`, 'Close the vote now', { buttonClass: 'warning' })}` : html``}
        <p><a href="/networks/${m.networkId}/coop/proposals">Back to votes on spending</a></p>`,
    });
  };

  app.get(`${base}/:proposalId`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, proposalId } = request.params as Params;
    return proposalPage(page, page.memberOf(networkId), proposalId, formState());
  });

  const ballotPage = async (page: Page, m: Membership, p: Proposal, state: FormState) =>
    page.show({
      title: `Vote on: ${p.title}`,
      crumbs: [...votesCrumbs(m), { href: proposalUrl(m, p.proposalId), label: p.title }],
      hasErrors: Object.keys(state.errors).length > 0 || state.general !== undefined,
      body: html`${errorSummary(state)}
        <p>${p.amount.pounds} to ${p.payee}: ${p.purpose}</p>
        ${form(
          `/networks/${m.networkId}/coop/proposals/${p.proposalId}/vote`,
          state,
          page.csrfToken,
          radioField(state, {
            name: 'choice',
            label: 'How do you vote?',
            hint: `You can change your vote until ${ukTime(p.closesAt)}.${p.secret ? ' This is a secret ballot: nobody will see how you voted.' : ''}`,
            options: [
              { value: 'for', label: 'For', hint: 'spend the money' },
              { value: 'against', label: 'Against', hint: 'do not spend it' },
              { value: 'abstain', label: 'Abstain', hint: 'I take neither side, but count me as having voted' },
            ],
          }),
          'Record my vote',
        )}`,
    });

  app.get(`${base}/:proposalId/vote`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, proposalId } = request.params as Params;
    const m = page.memberOf(networkId);
    const p = await readProposal(page, m, proposalId);
    return ballotPage(page, m, p, formState({ choice: p.myBallot?.choice ?? undefined }));
  });

  app.post(`${base}/:proposalId/vote`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, proposalId } = request.params as Params;
    const m = page.memberOf(networkId);
    const state = posted(request.body);
    const choice = readChoice(state, 'choice', choices, 'Choose For, Against or Abstain');
    return submit<{ position: number }>(
      page,
      state,
      () => page.api.send('POST', `/networks/${networkId}/coop/proposals/${proposalId}/votes`, { choice }, { key: state.values._key! }),
      // "Not in the electorate" names the voter: it belongs beside the choice, the only field here.
      { voterId: 'choice', choice: 'choice' },
      async (s) => ballotPage(page, m, await readProposal(page, m, proposalId), s),
      (body) => proposalUrl(m, proposalId, `after=${body.position}`, 'done=voted'),
    );
  });

  for (const [verb, apiVerb, then] of [['open', 'opening', 'opened'], ['close', 'closing', 'closed']] as const) {
    app.post(`${base}/:proposalId/${verb}`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const { networkId, proposalId } = request.params as Params;
      const m = page.memberOf(networkId);
      const state = posted(request.body);
      return submit<{ position: number }>(
        page,
        state,
        () => page.api.send('POST', `/networks/${networkId}/coop/proposals/${proposalId}/${apiVerb}`, undefined, { key: state.values._key! }),
        {},
        (s) => proposalPage(page, m, proposalId, s),
        (body) => (then === 'closed' ? `${proposalUrl(m, proposalId)}/result?after=${body.position}&done=closed` : proposalUrl(m, proposalId, `after=${body.position}`, `done=${then}`)),
      );
    });
  }

  app.get(`${base}/:proposalId/result`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, proposalId } = request.params as Params;
    const m = page.memberOf(networkId);
    const [p, coop] = await Promise.all([readProposal(page, m, proposalId), page.api.read<CoopRules>(`/networks/${networkId}/coop`)]);
    const closed = p.result !== null;
    const outcome = (request.query as { done?: string }).done === 'closed' && closed ? done.closed!(p) : undefined;
    const weights = coop.rules.memberClasses.map((c) => `${c.name} ${votes(c.voteWeight ?? 1)}`).join(', ');
    return page.show({
      title: closed ? `Result: ${p.title}` : `Votes so far: ${p.title}`,
      crumbs: [...votesCrumbs(m), { href: proposalUrl(m, p.proposalId), label: p.title }],
      body: html`${outcome ? html`<div class="panel" role="status"><h2>${outcome.title}</h2><p>${outcome.say}</p></div>` : html``}
        ${p.tallies ? resultBody(p, p.tallies, weights) : html`<p>The votes are counted when voting closes at ${ukTime(p.closesAt)}, and the result is shown then.</p>`}
        <p><a href="${proposalUrl(m, p.proposalId)}">Back to the proposal</a></p>`,
    });
  });
};

/** The count as a chart and a table, and in words: enough voters (quorum)? enough for (threshold)? */
function resultBody(p: Proposal, t: Tallies, weights: string): Html {
  const closed = p.result !== null;
  const electorate = p.result?.electorate ?? p.electorate;
  const ballots = p.result?.ballots ?? p.ballotsCast;
  const decided = t.for + t.against;
  const quorumMet = p.result?.quorumMet ?? (ballots > 0 && ballots * 100 >= p.quorumPercent * electorate);
  const thresholdMet = t.for > t.against && t.for * 100 >= p.thresholdPercent * decided;
  const when = closed ? '' : ' so far';
  const chart = barChart({
    id: 'votes',
    title: `Weighted votes${when} on "${p.title}"`,
    description: `For: ${votes(t.for)}. Against: ${votes(t.against)}. Abstain: ${votes(t.abstain)}. Each vote is weighted by the member's class.`,
    bars: [
      { label: 'For', value: t.for },
      { label: 'Against', value: t.against },
      { label: 'Abstain', value: t.abstain },
    ],
    format: (v) => String(v),
  });
  const quorum = `${ballots} of ${electorate} member${electorate === 1 ? '' : 's'} voted${when} (${percent(ballots, electorate)}%). At least ${p.quorumPercent}% had to vote, so the quorum ${quorumMet ? 'was met' : 'was not met'}${closed ? '' : ' yet'}.`;
  const threshold =
    decided === 0
      ? `No votes were cast for or against${when}, so the threshold of ${p.thresholdPercent}% ${closed ? 'was not met' : 'is not met yet'}.`
      : `Of the ${votes(decided)} for and against, ${percent(t.for, decided)}% were for. At least ${p.thresholdPercent}% had to be for, and more for than against, so the threshold ${thresholdMet ? (closed ? 'was met' : 'is met so far') : closed ? 'was not met' : 'is not met so far'}.`;
  return html`${closed ? html`<p class="figure">${p.result!.passed ? 'Passed' : 'Not passed'}</p><p>${p.result!.passed ? `The proposal passed: the co-op may pay ${p.amount.pounds} to ${p.payee}.` : 'The proposal did not pass: the money will not be spent on it.'}</p>` : html`<p>Voting is still open until ${ukTime(p.closesAt)}; these figures can change.</p>`}
    <h2>Enough members voting</h2><p>${quorum}</p>
    <h2>Enough votes for</h2><p>${threshold} Abstentions count towards the quorum but not towards the threshold.</p>
    <h2>The votes</h2>
    <p>Each member's vote counts by their class: ${weights}.</p>
    ${chart}`;
}
