// What a co-op member does, beside reading their shares and voting: apply for shares, give notice
// to withdraw them, and propose spending, each checked before it is sent; and for the board,
// deciding applications for shares. Amounts are typed in pounds and sent in pence; whether a
// member may do each is the API's to decide, and a refusal is shown beside the field it names.
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { html, type Html } from '../http/html.ts';
import { addDays, today } from '../dates.ts';
import { formatPence } from '../units.ts';
import { ReadFailed, type Answer } from './api.ts';
import { dateField, dateValues, errorSummary, form, formState, hasErrors, moneyField, posted, radioField, readChoice, readDate, readPounds, readText, textArea, textField, type FormState } from './forms.ts';
import { pageFor, submit, type Membership, type Page } from './page.ts';
import { checkAnswers, stepOf, type AnswerRow } from './answers.ts';
import { coopCrumbs, type Money } from './coop-votes.ts';
import { longDate, ukTime } from './words.ts';
import type { Link } from './index.ts';

interface CoopRules {
  name: string;
  rules: { memberClasses: Array<{ name: string }>; membershipSharePence: number; minHoldingPence: number; maxHoldingPence: number; withdrawalNoticeDays: number };
}

interface Application {
  applicationId: string;
  name: string;
  memberClass: string;
  amount: Money;
  status: string;
  appliedOn: string;
}

/** The terms a member's proposal is put to the vote on: a majority, with half the members voting. */
const proposalTerms = { source: { kind: 'funds' }, quorumPercent: 50, thresholdPercent: 50, secret: false, hideResultsUntilClose: false } as const;
/** Voting closes at midday (UTC) on the day the member chooses; the page says the UK time. */
const closingOn = (date: string) => `${date}T12:00:00.000Z`;

const isBoard = (m: Membership) => m.roles.includes('board');

/** The home page's links to these pages. */
export const taskLinks = (m: Membership): Link[] =>
  m.kind === 'co_operative'
    ? [
        { href: `/networks/${m.networkId}/coop/apply`, label: 'Apply for shares' },
        { href: `/networks/${m.networkId}/coop/propose`, label: 'Propose spending' },
        ...(isBoard(m) ? [{ href: `/networks/${m.networkId}/coop/applications`, label: 'Applications for shares' }] : []),
        ...(isBoard(m) || m.roles.includes('treasurer') ? [{ href: `/networks/${m.networkId}/coop/withdrawals`, label: 'Withdrawals to pay' }] : []),
        ...(m.roles.includes('coordinator') ? [{ href: `/networks/${m.networkId}/coop/apply-for`, label: 'Apply for shares for a member who is not online' }] : []),
        ...(m.roles.includes('treasurer') ? [{ href: `/networks/${m.networkId}/coop/income`, label: 'Record money the co-op received' }] : []),
        ...(isBoard(m)
          ? [
              { href: `/networks/${m.networkId}/coop/suspend`, label: 'Suspend paying withdrawals' },
              { href: `/networks/${m.networkId}/coop/resume`, label: 'Resume paying withdrawals' },
              { href: `/networks/${m.networkId}/coop/ended`, label: 'Record that a membership ended' },
              { href: `/networks/${m.networkId}/coop/interest`, label: 'Declare interest on shares' },
              { href: `/networks/${m.networkId}/coop/transfer`, label: 'Record a transfer of shares' },
              { href: `/networks/${m.networkId}/coop/dividend`, label: 'Declare a dividend by time in the time bank' },
              { href: `/networks/${m.networkId}/coop/dividend-services`, label: 'Declare a dividend by services used' },
            ]
          : []),
      ]
    : [];

const done: Record<string, { title: string; say: (q: Record<string, string | undefined>) => string }> = {
  applied: { title: 'Application sent', say: () => 'The board will issue your shares once you have paid for them. You will see them on your co-op page.' },
  'applied-for': { title: 'Application sent', say: () => 'The board will issue the shares once they are paid for. The member sees the application, and that you made it, in their history.' },
  notice: { title: 'Notice given', say: (q) => `Your shares can be paid back to you from ${q.due ? longDate(q.due) : 'the end of the notice'}. Until then they stay yours.` },
  issued: { title: 'Shares issued', say: () => 'The shares are on the register from the day you gave.' },
  declined: { title: 'Application declined', say: () => 'The applicant can see that it was declined, and why.' },
  income: { title: 'Money recorded', say: () => "It is in the co-op's funds from the day it was received." },
  suspended: { title: 'Withdrawals suspended', say: () => 'No withdrawal is paid until the board resumes them. Notices already given still count.' },
  'withdrawal-paid': { title: 'Withdrawal paid', say: () => 'What was paid leaves the register today, and the member sees it in their holding.' },
  resumed: { title: 'Withdrawals resumed', say: () => 'Withdrawals whose notice has run can be paid again.' },
  ended: { title: 'Membership ended', say: () => 'Their membership share is kept by the co-op, in its reserves. Withdrawable shares they hold are paid back after notice, or transferred.' },
  interest: { title: 'Interest paid', say: () => "Each member's interest is in their account, shared by the shares they held over the period." },
  transferred: { title: 'Transfer recorded', say: () => 'The shares are on the register under their new holder from the day you gave. Both members see it in their history.' },
  dividend: { title: 'Dividend paid', say: (q) => `Paid to ${q.members ?? 'the'} member${q.members === '1' ? '' : 's'} who took part in the period, in proportion to how much they took part.` },
};

export const taskPages: FastifyPluginAsync = async (app) => {
  const base = '/networks/:networkId/coop';
  type Params = { networkId: string; applicationId?: string };
  const home = (m: Membership) => `/networks/${m.networkId}/coop`;
  const coopOf = (page: Page, m: Membership) => page.api.read<CoopRules>(`/networks/${m.networkId}/coop`);

  /** The kind of member and the amount, asked of the applicant or of a coordinator applying for them. */
  async function shareFields(page: Page, m: Membership, state: FormState, who: 'you' | 'they') {
    const { rules } = await coopOf(page, m);
    return html`${radioField(state, { name: 'memberClass', label: `Which kind of member are ${who}?`, options: rules.memberClasses.map((c) => ({ value: c.name, label: c.name })) })}
      ${moneyField(state, { name: 'amount', label: `How much do ${who} want to put in shares?`, hint: `In pounds, from ${formatPence(rules.minHoldingPence)} to ${formatPence(rules.maxHoldingPence)} in all, for example 50.00` })}`;
  }
  const readShares = (state: FormState, who: 'you' | 'they') => ({
    memberClass: readText(state, 'memberClass', `Choose which kind of member ${who} are`, 60),
    pence: readPounds(state, 'amount', `Enter how much ${who} want to put in shares`),
  });
  const shareAnswers = (body: { memberClass: string; pence: number }): AnswerRow[] => [
    { question: 'Kind of member', answer: body.memberClass },
    { question: 'Shares', answer: formatPence(body.pence) },
  ];

  /** The same three steps for every task: the form, the answers to check, then the command. */
  /** What was read, once nothing is missing. */
  type Complete<B> = { [K in keyof B]: Exclude<B[K], undefined> };
  type Sent = { position: number; proposalId?: string; dueOn?: string; allocations?: unknown[] };
  function task<B>(spec: {
    path: string;
    title: string;
    intro: (page: Page, m: Membership) => Promise<string>;
    fields: (page: Page, m: Membership, state: FormState) => Promise<Html>;
    start: () => FormState;
    /** What the API is sent; complete only when the state has no errors. */
    read: (state: FormState) => B;
    answers: (page: Page, m: Membership, body: Complete<B>) => Promise<AnswerRow[]>;
    send: string;
    command: (page: Page, m: Membership, body: B, key: string) => Promise<Answer<Sent>>;
    apiFields: Record<string, string>;
    next: (m: Membership, answer: Sent) => string;
  }) {
    const show = async (page: Page, m: Membership, state: FormState) =>
      page.show({
        title: spec.title,
        crumbs: coopCrumbs(m),
        hasErrors: hasErrors(state),
        body: html`${errorSummary(state)}<p>${await spec.intro(page, m)}</p>${form(`${home(m)}/${spec.path}`, state, page.csrfToken, await spec.fields(page, m, state), 'Continue')}`,
      });
    app.get(`${base}/${spec.path}`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      return show(page, page.memberOf((request.params as Params).networkId), spec.start());
    });
    app.post(`${base}/${spec.path}`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const m = page.memberOf((request.params as Params).networkId);
      const state = posted(request.body);
      if (stepOf(state) === 'change') return show(page, m, state);
      const body = spec.read(state);
      if (stepOf(state) !== 'confirm' && !hasErrors(state)) {
        return page.show({
          title: 'Check your answers',
          crumbs: coopCrumbs(m),
          body: html`<p>Check these before you send them.</p>${checkAnswers(`${home(m)}/${spec.path}`, state, page.csrfToken, await spec.answers(page, m, body as Complete<B>), spec.send)}`,
        });
      }
      return submit(page, state, () => spec.command(page, m, body, state.values._key!), spec.apiFields, (s) => show(page, m, s), (answer) => spec.next(m, answer));
    });
  }

  task({
    path: 'apply',
    title: 'Apply for shares',
    intro: async (page, m) => {
      const { name, rules } = await coopOf(page, m);
      return `Shares in ${name} are bought at their face value and can be paid back to you later, after notice. When you first join, a membership share of ${formatPence(rules.membershipSharePence)} is added; it cannot be paid back.`;
    },
    fields: (page, m, state) => shareFields(page, m, state, 'you'),
    start: () => formState(),
    read: (state) => readShares(state, 'you'),
    answers: async (_page, _m, body) => shareAnswers(body),
    send: 'Send the application',
    command: (page, m, body, key) => page.api.send<Sent>('POST', `/networks/${m.networkId}/coop/applications`, body, { key }),
    apiFields: { memberClass: 'memberClass', pence: 'amount' },
    next: (m, answer) => `${home(m)}/done/applied?after=${answer.position}`,
  });

  // A coordinator applies for a member who is not online, in their name: the API decides whether
  // the coordinator may act for them, and records both.
  const forWhom = (page: Page, m: Membership) =>
    page.api.readAll<{ personId: string; name: string | null; status: string }>(`/networks/${m.networkId}/members`).then((r) => r.items.filter((p) => p.status === 'active' && p.personId !== page.me.personId && p.name));
  task({
    path: 'apply-for',
    title: 'Apply for shares for a member',
    intro: async () => 'For a member who is not online, with their agreement. The application is recorded in their name, and as made by you.',
    fields: async (page, m, state) =>
      html`${radioField(state, { name: 'person', label: 'Who is applying?', options: (await forWhom(page, m)).map((p) => ({ value: p.personId, label: p.name! })) })}${await shareFields(page, m, state, 'they')}`,
    start: () => formState(),
    read: (state) => ({ personId: readText(state, 'person', 'Choose who is applying', 40), ...readShares(state, 'they') }),
    answers: async (page, m, body) => [{ question: 'For', answer: (await forWhom(page, m)).find((p) => p.personId === body.personId)?.name ?? 'Not a member' }, ...shareAnswers(body)],
    send: 'Send the application',
    command: (page, m, { personId, ...body }, key) => page.api.send<Sent>('POST', `/networks/${m.networkId}/coop/applications`, body, { key, onBehalfOf: personId }),
    apiFields: { memberClass: 'memberClass', pence: 'amount' },
    next: (m, answer) => `${home(m)}/done/applied-for?after=${answer.position}`,
  });

  task({
    path: 'withdraw',
    title: 'Give notice to withdraw shares',
    intro: async (page, m) => {
      const { rules } = await coopOf(page, m);
      return `Withdrawable shares are paid back to you ${rules.withdrawalNoticeDays} days after you give notice. Your membership share stays with the co-op while you are a member.`;
    },
    fields: async (_page, _m, state) => moneyField(state, { name: 'amount', label: 'How much do you want to withdraw?' }),
    start: () => formState(),
    read: (state) => ({ pence: readPounds(state, 'amount', 'Enter how much you want to withdraw') }),
    answers: async (page, m, body) => {
      const { rules } = await coopOf(page, m);
      return [
        { question: 'To withdraw', answer: formatPence(body.pence) },
        { question: 'Notice', answer: `${rules.withdrawalNoticeDays} days` },
      ];
    },
    send: 'Give notice',
    command: (page, m, body, key) => page.api.send<Sent>('POST', `/networks/${m.networkId}/coop/withdrawals`, body, { key }),
    apiFields: { pence: 'amount' },
    next: (m, answer) => `${home(m)}/done/notice?after=${answer.position}&due=${answer.dueOn}`,
  });

  task({
    path: 'propose',
    title: 'Propose spending',
    intro: async () => "Say what the co-op's money should pay for. The board opens it for members to vote on; it passes if at least half of the members vote and more vote for it than against.",
    fields: async (_page, _m, state) =>
      html`${textField(state, { name: 'title', label: 'What is it?', hint: 'A short name, for example "Minibus repairs"' })}
        ${moneyField(state, { name: 'amount', label: 'How much will it cost?' })}
        ${textField(state, { name: 'payee', label: 'Who will be paid?', hint: 'A business or organisation, for example "Kirkstall Garage"' })}
        ${textArea(state, { name: 'purpose', label: 'Why should the co-op pay for it?', hint: 'What it is for and who it helps' })}
        ${dateField(state, { name: 'closes', label: 'When should voting close?', hint: 'Voting closes at midday on that day. For example, 27 3 2027' })}`,
    start: () => formState(dateValues('closes', addDays(today(), 14))),
    read: (state) => {
      const closes = readDate(state, 'closes', 'Enter the day voting should close');
      if (closes && closes <= today()) state.errors.closes = 'Voting must close on a day after today';
      return {
        title: readText(state, 'title', 'Say what the money is for', 200),
        pence: readPounds(state, 'amount', 'Enter how much it will cost'),
        payee: readText(state, 'payee', 'Say who will be paid', 200),
        purpose: readText(state, 'purpose', 'Say why the co-op should pay for it', 1000),
        closesAt: closes ? closingOn(closes) : undefined,
        ...proposalTerms,
      };
    },
    answers: async (_page, _m, body) => [
      { question: 'What it is', answer: body.title },
      { question: 'How much', answer: formatPence(body.pence) },
      { question: 'Paid to', answer: body.payee },
      { question: 'Why', answer: body.purpose },
      { question: 'Voting closes', answer: ukTime(body.closesAt) },
    ],
    send: 'Send the proposal',
    command: (page, m, body, key) => page.api.send<Sent>('POST', `/networks/${m.networkId}/coop/proposals`, body, { key }),
    apiFields: { title: 'title', pence: 'amount', payee: 'payee', purpose: 'purpose', closesAt: 'closes' },
    next: (m, answer) => `${home(m)}/proposals/${answer.proposalId}?after=${answer.position}&done=proposed`,
  });

  task({
    path: 'income',
    title: 'Record money the co-op received',
    intro: async () => 'Money that came in from outside: a grant, a donation, fees. Shares bought by members are recorded when the board issues them.',
    fields: async (_page, _m, state) =>
      html`${textField(state, { name: 'source', label: 'Who was it from?', hint: 'For example, "Leeds Community Foundation"' })}
        ${textField(state, { name: 'reference', label: 'Reference', hint: 'As on the bank statement' })}
        ${moneyField(state, { name: 'amount', label: 'How much?' })}
        ${dateField(state, { name: 'receivedOn', label: 'When did it arrive?' })}`,
    start: () => formState(dateValues('receivedOn', today())),
    read: (state) => ({
      source: readText(state, 'source', 'Say who it was from', 200),
      reference: readText(state, 'reference', 'Enter the reference', 140),
      pence: readPounds(state, 'amount', 'Enter how much was received'),
      receivedOn: readDate(state, 'receivedOn', 'Enter the day it arrived'),
    }),
    answers: async (_page, _m, body) => [
      { question: 'From', answer: body.source },
      { question: 'Reference', answer: body.reference },
      { question: 'How much', answer: formatPence(body.pence) },
      { question: 'Arrived', answer: longDate(body.receivedOn) },
    ],
    send: 'Record the money',
    command: (page, m, body, key) => page.api.send<Sent>('POST', `/networks/${m.networkId}/coop/income`, body, { key }),
    apiFields: { source: 'source', reference: 'reference', pence: 'amount', receivedOn: 'receivedOn' },
    next: (m, answer) => `${home(m)}/done/income?after=${answer.position}`,
  });

  task({
    path: 'suspend',
    title: 'Suspend paying withdrawals',
    intro: async () => "The board may stop paying withdrawals for a time, to protect the co-op's money. Members can still give notice.",
    fields: async (_page, _m, state) => textArea(state, { name: 'reason', label: 'Why?', hint: 'Members who are waiting see this' }),
    start: () => formState(),
    read: (state) => ({ reason: readText(state, 'reason', 'Say why withdrawals are suspended') }),
    answers: async (_page, _m, body) => [{ question: 'Why', answer: body.reason }],
    send: 'Suspend withdrawals',
    command: (page, m, body, key) => page.api.send<Sent>('POST', `/networks/${m.networkId}/coop/withdrawals/suspension`, body, { key }),
    apiFields: { reason: 'reason' },
    next: (m, answer) => `${home(m)}/done/suspended?after=${answer.position}`,
  });

  task({
    path: 'resume',
    title: 'Resume paying withdrawals',
    intro: async () => 'Withdrawals whose notice has run can then be paid again.',
    fields: async () => html``,
    start: () => formState(),
    read: () => ({}),
    answers: async () => [{ question: 'Withdrawals', answer: 'Paid again, once their notice has run' }],
    send: 'Resume withdrawals',
    command: (page, m, _body, key) => page.api.send<Sent>('POST', `/networks/${m.networkId}/coop/withdrawals/resumption`, undefined, { key }),
    apiFields: {},
    next: (m, answer) => `${home(m)}/done/resumed?after=${answer.position}`,
  });

  const leaving = [
    { value: 'left', label: 'They left' },
    { value: 'died', label: 'They died' },
    { value: 'expelled', label: 'They were expelled, under the rules' },
  ] as const;
  const registerOf = (page: Page, m: Membership) => page.api.read<{ members: Array<{ personId: string; name: string }> }>(`/networks/${m.networkId}/coop/register`).then((r) => r.members);

  task({
    path: 'ended',
    title: 'Record that a membership ended',
    intro: async () => 'Their membership share is kept by the co-op. Withdrawable shares stay theirs until paid back or transferred.',
    fields: async (page, m, state) =>
      html`${radioField(state, { name: 'person', label: 'Whose membership ended?', options: (await registerOf(page, m)).map((p) => ({ value: p.personId, label: p.name })) })}
        ${radioField(state, { name: 'reason', label: 'Why?', options: leaving.map((l) => ({ ...l })) })}
        ${dateField(state, { name: 'on', label: 'On what day?' })}`,
    start: () => formState(dateValues('on', today())),
    read: (state) => ({
      personId: readText(state, 'person', 'Choose whose membership ended', 40),
      reason: readChoice(state, 'reason', leaving.map((l) => l.value), 'Choose why it ended'),
      on: readDate(state, 'on', 'Enter the day it ended'),
    }),
    answers: async (page, m, body) => [
      { question: 'Member', answer: (await registerOf(page, m)).find((p) => p.personId === body.personId)?.name ?? 'Not on the register' },
      { question: 'Why', answer: leaving.find((l) => l.value === body.reason)!.label },
      { question: 'On', answer: longDate(body.on) },
    ],
    send: 'Record it',
    command: (page, m, body, key) => page.api.send<Sent>('POST', `/networks/${m.networkId}/coop/leavers`, body, { key }),
    apiFields: { personId: 'person', reason: 'reason', on: 'on' },
    next: (m, answer) => `${home(m)}/done/ended?after=${answer.position}`,
  });

  task({
    path: 'interest',
    title: 'Declare interest on shares',
    intro: async (page, m) => {
      const { rules } = await page.api.read<{ rules: { interestCapBasisPoints: number } }>(`/networks/${m.networkId}/coop`);
      return `Interest is paid on withdrawable shares for the period, at a yearly rate of at most ${rules.interestCapBasisPoints / 100}% under the rules.`;
    },
    fields: async (_page, _m, state) =>
      html`${textField(state, { name: 'rate', label: 'Yearly rate, in per cent', hint: 'For example, 2.5', inputmode: 'decimal', width: '6em' })}
        ${dateField(state, { name: 'periodFrom', label: 'From' })}
        ${dateField(state, { name: 'periodTo', label: 'To' })}`,
    start: () => formState(),
    read: (state) => {
      const rate = state.values.rate?.trim() ?? '';
      const rateBasisPoints = /^\d{1,3}(\.\d{1,2})?$/.test(rate) && Number(rate) <= 100 ? Math.round(Number(rate) * 100) : void (state.errors.rate = rate ? 'Enter a rate from 0 to 100, for example 2.5' : 'Enter the yearly rate');
      const periodFrom = readDate(state, 'periodFrom', 'Enter the first day of the period');
      const periodTo = readDate(state, 'periodTo', 'Enter the last day of the period');
      if (periodFrom && periodTo && periodTo < periodFrom) state.errors.periodTo = 'The last day must be on or after the first day';
      return { rateBasisPoints, periodFrom, periodTo };
    },
    answers: async (_page, _m, body) => [
      { question: 'Yearly rate', answer: `${body.rateBasisPoints / 100}%` },
      { question: 'Period', answer: `${longDate(body.periodFrom)} to ${longDate(body.periodTo)}` },
    ],
    send: 'Declare and pay it',
    command: (page, m, body, key) => page.api.send<Sent>('POST', `/networks/${m.networkId}/coop/interest`, body, { key }),
    apiFields: { rateBasisPoints: 'rate', periodFrom: 'periodFrom', periodTo: 'periodTo' },
    next: (m, answer) => `${home(m)}/done/interest?after=${answer.position}`,
  });

  // A transfer is between members on the register: the API decides whether the giver holds enough
  // and whether the reason and the document allow it.
  const transferReasons = [
    { value: 'nomination', label: 'The member nominated them in writing' },
    { value: 'death', label: 'The member died' },
  ] as const;
  const nameOn = async (page: Page, m: Membership, personId: string) => (await registerOf(page, m)).find((p) => p.personId === personId)?.name ?? 'Not on the register';
  task({
    path: 'transfer',
    title: 'Record a transfer of shares',
    intro: async () => "Withdrawable shares pass to another member on a member's death, or by their written nomination. Nothing is paid out of the co-op's funds.",
    fields: async (page, m, state) => {
      const options = (await registerOf(page, m)).map((p) => ({ value: p.personId, label: p.name }));
      return html`${radioField(state, { name: 'from', label: 'Whose shares are transferred?', options })}
        ${radioField(state, { name: 'to', label: 'Who receives them?', options })}
        ${moneyField(state, { name: 'amount', label: 'How much?', hint: 'In pounds, for example 50.00' })}
        ${radioField(state, { name: 'reason', label: 'Why?', options: transferReasons.map((r) => ({ ...r })) })}
        ${textField(state, { name: 'documentReference', label: 'Reference of the document', hint: 'The written nomination or the death certificate, as filed' })}
        ${dateField(state, { name: 'on', label: 'On what day?' })}`;
    },
    start: () => formState(dateValues('on', today())),
    read: (state) => ({
      fromPersonId: readText(state, 'from', 'Choose whose shares are transferred', 40),
      toPersonId: readText(state, 'to', 'Choose who receives them', 40),
      pence: readPounds(state, 'amount', 'Enter how much is transferred'),
      reason: readChoice(state, 'reason', transferReasons.map((r) => r.value), 'Choose why the shares are transferred'),
      documentReference: readText(state, 'documentReference', 'Enter the reference of the document', 140),
      on: readDate(state, 'on', 'Enter the day of the transfer'),
    }),
    answers: async (page, m, body) => [
      { question: 'From', answer: await nameOn(page, m, body.fromPersonId) },
      { question: 'To', answer: await nameOn(page, m, body.toPersonId) },
      { question: 'Shares', answer: formatPence(body.pence) },
      { question: 'Why', answer: transferReasons.find((r) => r.value === body.reason)!.label },
      { question: 'Document', answer: body.documentReference },
      { question: 'On', answer: longDate(body.on) },
    ],
    send: 'Record the transfer',
    command: (page, m, body, key) => page.api.send<Sent>('POST', `/networks/${m.networkId}/coop/transfers`, body, { key }),
    apiFields: { fromPersonId: 'from', toPersonId: 'to', pence: 'amount', reason: 'reason', documentReference: 'documentReference', on: 'on' },
    next: (m, answer) => `${home(m)}/done/transferred?after=${answer.position}`,
  });

  // A patronage dividend is shared by taking part, never by shareholding: by the time bank's
  // minutes, which Hearth works out itself, or by the services each member used, typed in here.
  const periodOf = (state: FormState) => {
    const periodFrom = readDate(state, 'periodFrom', 'Enter the first day of the period');
    const periodTo = readDate(state, 'periodTo', 'Enter the last day of the period');
    if (periodFrom && periodTo && periodTo < periodFrom) state.errors.periodTo = 'The last day must be on or after the first day';
    return { periodFrom, periodTo };
  };
  // A period has at most one interim and one final dividend; the final one closes it.
  const kinds = [
    { value: 'final', label: 'The final dividend for the period', hint: 'No more dividends, income or spending can be dated in the period afterwards' },
    { value: 'interim', label: 'An interim dividend', hint: 'Paid during the period; the final one may follow it' },
  ];
  const dividendFields = (state: FormState) =>
    html`${moneyField(state, { name: 'amount', label: 'How much is paid in all?', hint: 'In pounds, for example 500.00' })}
      ${dateField(state, { name: 'periodFrom', label: 'From' })}
      ${dateField(state, { name: 'periodTo', label: 'To' })}
      ${radioField(state, { name: 'kind', label: 'Which dividend is it?', options: kinds })}`;
  const kindOf = (state: FormState) => (state.values.kind === 'interim' ? ('interim' as const) : ('final' as const));
  const kindWords = (kind: 'interim' | 'final') => (kind === 'interim' ? 'Interim' : 'Final');
  task({
    path: 'dividend',
    title: 'Declare a dividend',
    intro: async () => "A dividend is paid from the co-op's funds to the members who took part in the time bank over the period, shared by the minutes each gave and received. It cannot be taken back.",
    fields: async (_page, _m, state) => dividendFields(state),
    start: () => formState({ kind: 'final' }),
    read: (state) => ({ pence: readPounds(state, 'amount', 'Enter how much is paid in all'), basis: 'timebank-minutes' as const, kind: kindOf(state), ...periodOf(state) }),
    answers: async (page, m, body) => {
      const { name } = await coopOf(page, m);
      return [
        { question: 'In all', answer: formatPence(body.pence) },
        { question: 'Paid from', answer: `${name}'s funds, today` },
        { question: 'Shared by', answer: 'Minutes given and received in the time bank, in exchanges confirmed in the period' },
        { question: 'Period', answer: `${longDate(body.periodFrom)} to ${longDate(body.periodTo)}` },
        { question: 'Dividend', answer: kindWords(body.kind) },
      ];
    },
    send: 'Declare and pay it',
    command: (page, m, body, key) => page.api.send<Sent>('POST', `/networks/${m.networkId}/coop/dividends`, body, { key }),
    apiFields: { pence: 'amount', periodFrom: 'periodFrom', periodTo: 'periodTo', kind: 'kind' },
    next: (m, answer) => `${home(m)}/done/dividend?after=${answer.position}&members=${answer.allocations?.length ?? 0}`,
  });

  // Services used: one figure in pounds for each member on the register, blank for none. The
  // fields are named by the member, so the answers carry them to the check and back.
  const usedField = (personId: string) => `used-${personId}`;
  task({
    path: 'dividend-services',
    title: 'Declare a dividend by services used',
    intro: async () => "A dividend is paid from the co-op's funds to the members who used its services over the period, shared by how much each used. It cannot be taken back.",
    fields: async (page, m, state) =>
      html`${dividendFields(state)}
        <h2>Services each member used in the period</h2>
        ${(await registerOf(page, m)).map((p) => moneyField(state, { name: usedField(p.personId), label: p.name, hint: 'In pounds. Leave blank if they used none' }))}`,
    start: () => formState({ kind: 'final' }),
    read: (state) => {
      const participation = Object.keys(state.values)
        .filter((name) => name.startsWith('used-') && (state.values[name] ?? '').trim() !== '')
        .map((name) => ({ personId: name.slice('used-'.length), participation: readPounds(state, name, 'Enter what they used, or leave it blank') }));
      if (participation.length === 0) state.errors.amount ??= 'Enter the services used by at least one member';
      return { pence: readPounds(state, 'amount', 'Enter how much is paid in all'), basis: 'services-used-pence' as const, kind: kindOf(state), ...periodOf(state), participation: participation as Array<{ personId: string; participation: number }> };
    },
    answers: async (page, m, body) => {
      const register = await registerOf(page, m);
      return [
        { question: 'In all', answer: formatPence(body.pence) },
        { question: 'Period', answer: `${longDate(body.periodFrom)} to ${longDate(body.periodTo)}` },
        { question: 'Dividend', answer: kindWords(body.kind) },
        ...body.participation.map((p) => ({ question: `Used by ${register.find((r) => r.personId === p.personId)?.name ?? 'someone not on the register'}`, answer: formatPence(p.participation) })),
      ];
    },
    send: 'Declare and pay it',
    command: (page, m, body, key) => page.api.send<Sent>('POST', `/networks/${m.networkId}/coop/dividends`, body, { key }),
    apiFields: { pence: 'amount', periodFrom: 'periodFrom', periodTo: 'periodTo', kind: 'kind' },
    next: (m, answer) => `${home(m)}/done/dividend?after=${answer.position}&members=${answer.allocations?.length ?? 0}`,
  });

  // Paying a withdrawal whose notice has run: what is left of it, checked before it is paid.

  interface Withdrawal {
    withdrawalId: string;
    name: string;
    requestedOn: string;
    dueOn: string;
    left: Money;
  }
  const withdrawalsOf = (page: Page, m: Membership) => page.api.readAll<Withdrawal>(`/networks/${m.networkId}/coop/withdrawals`, { after: (page.request.query as { after?: string }).after }).then((r) => r.items);

  app.get(`${base}/withdrawals`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const m = page.memberOf((request.params as Params).networkId);
    const items = await withdrawalsOf(page, m);
    return page.show({
      title: 'Withdrawals to pay',
      crumbs: coopCrumbs(m),
      body: items.length === 0
        ? html`<p>No withdrawal is waiting to be paid.</p>`
        : html`<div class="table-scroll"><table><caption>Notices to withdraw, soonest due first</caption>
            <thead><tr><th scope="col">Member</th><th scope="col">Notice given</th><th scope="col">Can be paid from</th><th scope="col" class="num">Left to pay</th><th scope="col">Pay</th></tr></thead>
            <tbody>${items.map(
              (w) => html`<tr><th scope="row">${w.name}</th><td>${longDate(w.requestedOn)}</td><td>${longDate(w.dueOn)}</td><td class="num">${w.left.pounds}</td>
                <td>${w.dueOn <= today() ? html`<a href="${home(m)}/withdrawals/${w.withdrawalId}/pay">Pay ${w.name}</a>` : 'Not yet due'}</td></tr>`,
            )}</tbody></table></div>`,
    });
  });

  const withdrawalFor = async (page: Page, m: Membership, withdrawalId: string) => {
    const w = (await withdrawalsOf(page, m)).find((x) => x.withdrawalId === withdrawalId);
    if (!w) throw new ReadFailed({ status: 404, type: '/problems/not-found', title: 'Not found', detail: 'There is no such withdrawal waiting to be paid.' });
    return w;
  };
  const payPage = (page: Page, m: Membership, w: Withdrawal, state: FormState) =>
    page.show({
      title: `Pay ${w.name}’s withdrawal`,
      crumbs: [...coopCrumbs(m), { href: `${home(m)}/withdrawals`, label: 'Withdrawals to pay' }],
      hasErrors: hasErrors(state),
      body: html`${errorSummary(state)}<p>Check this before you pay. Pay the member from the co-op’s bank account, then record it here.</p>${checkAnswers(`${home(m)}/withdrawals/${w.withdrawalId}/pay`, state, page.csrfToken, [
        { question: 'To', answer: w.name },
        { question: 'Amount', answer: w.left.pounds },
        { question: 'Notice given', answer: longDate(w.requestedOn) },
      ], 'Record the payment')}`,
    });

  app.get(`${base}/withdrawals/:withdrawalId/pay`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, withdrawalId } = request.params as Params & { withdrawalId: string };
    const m = page.memberOf(networkId);
    return payPage(page, m, await withdrawalFor(page, m, withdrawalId), formState({ _key: randomUUID() }));
  });

  app.post(`${base}/withdrawals/:withdrawalId/pay`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, withdrawalId } = request.params as Params & { withdrawalId: string };
    const m = page.memberOf(networkId);
    const state = posted(request.body);
    if (stepOf(state) === 'change') return reply.redirect(`${home(m)}/withdrawals`, 303);
    const w = await withdrawalFor(page, m, withdrawalId);
    return submit<Sent>(
      page,
      state,
      () => page.api.send<Sent>('POST', `/networks/${m.networkId}/coop/withdrawals/${withdrawalId}/payments`, { pence: w.left.pence }, { key: state.values._key! }),
      {},
      (s) => payPage(page, m, w, s),
      (answer) => `${home(m)}/done/withdrawal-paid?after=${answer.position}`,
    );
  });

  // What an application or a notice did.

  app.get(`${base}/done/:what`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, what } = request.params as Params & { what: string };
    const m = page.memberOf(networkId);
    const outcome = done[what];
    if (!outcome || what === 'issued' || what === 'declined') return reply.redirect(home(m), 303);
    const query = request.query as Record<string, string | undefined>;
    return page.show({
      title: outcome.title,
      crumbs: coopCrumbs(m),
      body: html`<div class="panel" role="status"><p>${outcome.say(query)}</p></div><p><a href="${home(m)}?after=${query.after ?? ''}">Back to your co-op</a></p>`,
    });
  });

  // The board decides applications.

  const applicationsCrumbs = (m: Membership) => [...coopCrumbs(m), { href: `${home(m)}/applications`, label: 'Applications for shares' }];
  const waiting = (page: Page, m: Membership, after?: string) => page.api.readAll<Application>(`/networks/${m.networkId}/coop/applications`, { status: 'applied', after });

  app.get(`${base}/applications`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const m = page.memberOf((request.params as Params).networkId);
    const query = request.query as { after?: string; done?: string };
    const { items } = await waiting(page, m, query.after);
    const outcome = query.done ? done[query.done] : undefined;
    return page.show({
      title: outcome?.title ?? 'Applications for shares',
      crumbs: outcome ? applicationsCrumbs(m) : coopCrumbs(m),
      body: html`${outcome ? html`<div class="panel" role="status"><p>${outcome.say(query)}</p></div><h2>Still waiting</h2>` : html``}
        ${items.length === 0
          ? html`<p>No applications are waiting.</p>`
          : html`<div class="table-scroll"><table><caption>Applications waiting for the board, newest first</caption>
            <thead><tr><th scope="col">Applicant</th><th scope="col">Class</th><th scope="col" class="num">Shares</th><th scope="col">Applied on</th></tr></thead>
            <tbody>${items.map((a) => html`<tr><td><a href="${home(m)}/applications/${a.applicationId}">${a.name}</a></td><td>${a.memberClass}</td><td class="num">${a.amount.pounds}</td><td>${longDate(a.appliedOn)}</td></tr>`)}</tbody></table></div>`}
        <p><a href="${home(m)}/register">Register of members</a></p>`,
    });
  });

  const applicationPage = async (page: Page, m: Membership, applicationId: string, state: FormState) => {
    const a = (await waiting(page, m)).items.find((x) => x.applicationId === applicationId);
    if (!a) throw new ReadFailed({ status: 404, type: '/problems/not-found', title: 'Not found', detail: 'There is no such application waiting.' });
    const action = (verb: string) => `${home(m)}/applications/${applicationId}/${verb}`;
    const issue = state.values._form === 'decline' ? formState(dateValues('issuedOn', today())) : state;
    const decline = state.values._form === 'decline' ? state : formState();
    return page.show({
      title: `Application from ${a.name}`,
      crumbs: applicationsCrumbs(m),
      hasErrors: hasErrors(state),
      body: html`${errorSummary(state)}
        <dl class="summary">
          <dt>Applicant</dt><dd>${a.name}</dd>
          <dt>Class</dt><dd>${a.memberClass}</dd>
          <dt>Shares</dt><dd>${a.amount.pounds}</dd>
          <dt>Applied on</dt><dd>${longDate(a.appliedOn)}</dd>
        </dl>
        <h2>Issue the shares</h2>
        ${form(action('issue'), issue, page.csrfToken, dateField(issue, { name: 'issuedOn', label: 'Issued on', hint: 'The day the payment for them was received. For example, 27 3 2026' }), 'Issue the shares')}
        <h2>Decline the application</h2>
        ${form(action('decline'), decline, page.csrfToken, html`<input type="hidden" name="_form" value="decline">${textArea(decline, { name: 'reason', label: 'Why is it declined?', hint: 'The applicant will see this.' })}`, 'Decline it', { buttonClass: 'warning' })}`,
    });
  };

  app.get(`${base}/applications/:applicationId`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, applicationId } = request.params as Params;
    return applicationPage(page, page.memberOf(networkId), applicationId!, formState(dateValues('issuedOn', today())));
  });

  for (const verb of ['issue', 'decline'] as const) {
    app.post(`${base}/applications/:applicationId/${verb}`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const { networkId, applicationId } = request.params as Params;
      const m = page.memberOf(networkId);
      const state = posted(request.body);
      const body = verb === 'issue' ? { issuedOn: readDate(state, 'issuedOn', 'Enter the day the shares were issued') } : { reason: readText(state, 'reason', 'Say why the application is declined') };
      return submit<{ position: number }>(
        page,
        state,
        () => page.api.send('POST', `/networks/${networkId}/coop/applications/${applicationId}/${verb}`, body, { key: state.values._key! }),
        { issuedOn: 'issuedOn', reason: 'reason' },
        (s) => applicationPage(page, m, applicationId!, s),
        (answer) => `${home(m)}/applications?after=${answer.position}&done=${verb === 'issue' ? 'issued' : 'declined'}`,
      );
    });
  }
};
