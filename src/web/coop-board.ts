// Two pages that hang off a proposal: recording a member's written proxy for its vote (the board or
// a coordinator, who holds the signed paper), checked before it is sent; and who has voted, which
// the API shows by name while voting is open and ballot by ballot once it has closed. Whether the
// proxy is valid (both in the electorate, voting still open) is the API's to decide.
import type { FastifyPluginAsync } from 'fastify';
import { html } from '../http/html.ts';
import { checkAnswers, stepOf, type AnswerRow } from './answers.ts';
import { coopCrumbs } from './coop-votes.ts';
import { errorSummary, form, formState, hasErrors, posted, radioField, readText, textField, type FormState } from './forms.ts';
import { pageFor, submit, type Membership, type Page } from './page.ts';
import { ukTime } from './words.ts';

interface ProposalHead {
  proposalId: string;
  title: string;
  status: 'draft' | 'open' | 'closing' | 'closed';
  secret: boolean;
}

interface BallotLine {
  voterId: string;
  name: string;
  choice: 'for' | 'against' | 'abstain' | null;
  castBy?: string;
  castAt?: string;
}

const choiceWords = { for: 'For', against: 'Against', abstain: 'Abstain' } as const;

export const boardPages: FastifyPluginAsync = async (app) => {
  const base = '/networks/:networkId/coop/proposals/:proposalId';
  type Params = { networkId: string; proposalId: string };
  const proposalUrl = (m: Membership, proposalId: string) => `/networks/${m.networkId}/coop/proposals/${proposalId}`;
  const readProposal = (page: Page, m: Membership, proposalId: string) => page.api.read<ProposalHead>(proposalUrl(m, proposalId));
  const crumbs = (m: Membership, p: ProposalHead) => [...coopCrumbs(m), { href: `/networks/${m.networkId}/coop/proposals`, label: 'Votes on spending' }, { href: proposalUrl(m, p.proposalId), label: p.title }];

  // The board reads the register; a coordinator reads the members list instead, the only list of
  // people each may read. Members not in the electorate are refused by the API, beside the field.
  const peopleOf = async (page: Page, m: Membership) =>
    m.roles.includes('board')
      ? (await page.api.read<{ members: Array<{ personId: string; name: string }> }>(`/networks/${m.networkId}/coop/register`)).members
      : (await page.api.readAll<{ personId: string; name: string | null; status: string }>(`/networks/${m.networkId}/members`)).items
          .filter((p) => p.status === 'active' && p.name)
          .map((p) => ({ personId: p.personId, name: p.name! }));

  const proxyPage = async (page: Page, m: Membership, p: ProposalHead, state: FormState) => {
    const options = (await peopleOf(page, m)).map((x) => ({ value: x.personId, label: x.name }));
    return page.show({
      title: `Record a proxy for: ${p.title}`,
      crumbs: crumbs(m, p),
      hasErrors: hasErrors(state),
      body: html`${errorSummary(state)}<p>A member who cannot vote may name another member, in writing, to vote for them on this proposal. Record it here once you hold the signed paper.</p>
        ${form(`${proposalUrl(m, p.proposalId)}/proxy`, state, page.csrfToken, html`${radioField(state, { name: 'grantor', label: 'Who is giving the proxy?', options })}
          ${radioField(state, { name: 'proxy', label: 'Who will vote for them?', options })}
          ${textField(state, { name: 'documentReference', label: 'Reference of the signed proxy', hint: 'As it is filed, for example "Proxy 2026/14"' })}`, 'Continue')}`,
    });
  };

  app.get(`${base}/proxy`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, proposalId } = request.params as Params;
    const m = page.memberOf(networkId);
    return proxyPage(page, m, await readProposal(page, m, proposalId), formState());
  });

  app.post(`${base}/proxy`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, proposalId } = request.params as Params;
    const m = page.memberOf(networkId);
    const p = await readProposal(page, m, proposalId);
    const state = posted(request.body);
    if (stepOf(state) === 'change') return proxyPage(page, m, p, state);
    const body = {
      grantorId: readText(state, 'grantor', 'Choose who is giving the proxy', 40),
      proxyId: readText(state, 'proxy', 'Choose who will vote for them', 40),
      documentReference: readText(state, 'documentReference', 'Enter the reference of the signed proxy', 140),
    };
    if (stepOf(state) !== 'confirm' && !hasErrors(state)) {
      const people = await peopleOf(page, m);
      const nameOf = (id: string | undefined) => people.find((x) => x.personId === id)?.name ?? 'Not a member';
      const answers: AnswerRow[] = [
        { question: 'Proposal', answer: p.title },
        { question: 'Giving the proxy', answer: nameOf(body.grantorId) },
        { question: 'Voting for them', answer: nameOf(body.proxyId) },
        { question: 'Signed proxy', answer: body.documentReference! },
      ];
      return page.show({ title: 'Check your answers', crumbs: crumbs(m, p), body: html`<p>Check these before you record them.</p>${checkAnswers(`${proposalUrl(m, proposalId)}/proxy`, state, page.csrfToken, answers, 'Record the proxy')}` });
    }
    return submit<{ position: number }>(
      page,
      state,
      () => page.api.send('POST', `${proposalUrl(m, proposalId)}/proxies`, body, { key: state.values._key! }),
      { grantorId: 'grantor', proxyId: 'proxy', documentReference: 'documentReference' },
      (s) => proxyPage(page, m, p, s),
      (answer) => `${proposalUrl(m, proposalId)}?after=${answer.position}&done=proxy`,
    );
  });

  app.get(`${base}/ballots`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, proposalId } = request.params as Params;
    const m = page.memberOf(networkId);
    const after = (request.query as { after?: string }).after;
    const [p, { items }] = await Promise.all([page.api.read<ProposalHead>(proposalUrl(m, proposalId), { after }), page.api.read<{ items: BallotLine[] }>(`${proposalUrl(m, proposalId)}/ballots`, { after })]);
    const closed = p.status === 'closed';
    const byName = new Map(items.map((b) => [b.voterId, b.name]));
    // Once closed, each ballot says who cast it: the member, or the proxy named for them.
    const castWords = (b: BallotLine) => (b.castBy === b.voterId ? 'Themselves' : `${byName.get(b.castBy!) ?? 'Another member'}, as their proxy`);
    const choice = (b: BallotLine) => (b.choice ? choiceWords[b.choice] : p.secret ? 'Secret' : 'Not shown until voting closes');
    return page.show({
      title: `Who has voted: ${p.title}`,
      crumbs: crumbs(m, p),
      body: html`<p>${closed ? 'Every ballot in the order it was cast, changed votes included.' : 'Each member who has voted so far, once. When and in what order are shown once voting closes.'}</p>
        ${items.length === 0
          ? html`<p>Nobody has voted yet.</p>`
          : html`<div class="table-scroll"><table><caption>${closed ? 'Ballots, in order' : 'Members who have voted'}</caption>
            <thead><tr><th scope="col">Member</th><th scope="col">Vote</th>${closed ? html`<th scope="col">Cast by</th><th scope="col">When</th>` : html``}</tr></thead>
            <tbody>${items.map((b) => html`<tr><th scope="row">${b.name}</th><td>${choice(b)}</td>${closed ? html`<td>${castWords(b)}</td><td>${b.castAt ? ukTime(b.castAt) : ''}</td>` : html``}</tr>`)}</tbody></table></div>`}
        <p><a href="${proposalUrl(m, proposalId)}">Back to the proposal</a></p>`,
    });
  });
};
