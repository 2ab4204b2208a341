// A time-bank member's pages for answers and arrangements: answering a post, the answers to their
// posts and their own answers, a thread with its messages (accepting or withdrawing there), their
// arrangements and logging one in one step, checked before it is sent. A coordinator's pages:
// brokering an arrangement between two members, and the figures of offers, requests and
// arrangements. Every rule is the API's; these pages only ask, show and pass on.
import type { FastifyPluginAsync } from 'fastify';
import type { Hearth } from '../hearth.ts';
import { html, type Html } from '../http/html.ts';
import { dateField, dateValues, durationField, errorSummary, form, formState, hasErrors, posted, readDate, readDuration, readText, selectField, textArea, type FormState } from './forms.ts';
import { networkCrumbs, pageFor, submit, type Membership, type Page } from './page.ts';
import { hoursAndMinutes, longDate, plural, ukTime } from './words.ts';
import type { Journey } from './index.ts';
import { checkAnswers, stepOf } from './answers.ts';
import type { AnswerRow, ArrangementRow, MessageRow } from '../timebank/answers-app.ts';

/** What the API answers, as the use cases shape it. */
type AnswerItem = Omit<AnswerRow, 'position'>;
interface Thread extends AnswerItem {
  thread: MessageRow[];
}
type ArrangementItem = Omit<ArrangementRow, 'position'>;
interface Arrangement extends ArrangementItem {
  prefill: { minutes: number; occurredOn: string; category: string };
}
interface OpenPost {
  postId: string;
  title: string;
  kind: string;
  ownerId: string;
  category: string;
}
interface Figures {
  open: Array<{ category: string; offers: number; requests: number }>;
  months: Array<{ month: string; category: string; offers: number; requests: number; answers: number; arrangements: number; exchanges: number }>;
}

const statusWords: Record<AnswerItem['status'], string> = { open: 'open', withdrawn: 'withdrawn', accepted: 'accepted' };
const kindWord = (kind: string) => (kind === 'offer' ? 'offer' : 'request');

/** Names of the network's members by id; someone of another time bank is named as such. */
async function namesIn(page: Page, networkId: string): Promise<(personId: string) => string> {
  const directory = await page.api.readAll<{ personId: string; name: string }>(`/networks/${networkId}/directory`);
  const names = new Map(directory.items.map((p) => [p.personId, p.name]));
  return (personId: string) => (personId === page.me.personId ? 'You' : (names.get(personId) ?? 'A member of a partner time bank'));
}

const timeCrumbs = (m: Membership) => [...networkCrumbs(m), { href: `/networks/${m.networkId}/time`, label: 'Your time' }];
const answersCrumbs = (m: Membership) => [...timeCrumbs(m), { href: `/networks/${m.networkId}/time/answers`, label: 'Answers' }];
const arrangementsCrumbs = (m: Membership) => [...timeCrumbs(m), { href: `/networks/${m.networkId}/time/arrangements`, label: 'Your arrangements' }];

export const answersJourney: Journey = {
  links: (m: Membership) =>
    m.kind !== 'time_bank'
      ? []
      : [
          { href: `/networks/${m.networkId}/time/answers`, label: 'Answers to your offers and requests, and your answers' },
          { href: `/networks/${m.networkId}/time/arrangements`, label: 'Your arrangements: help agreed, to log once given' },
          ...(m.roles.includes('coordinator')
            ? [
                { href: `/networks/${m.networkId}/time/brokering`, label: 'Arrange help between two members' },
                { href: `/networks/${m.networkId}/time/post-figures`, label: 'Offers, requests and arrangements: the figures' },
              ]
            : []),
        ],
  routes: (_hearth: Hearth): FastifyPluginAsync => async (app) => {
    const base = '/networks/:networkId/time';
    type Params = { networkId: string; postId?: string; answerId?: string; arrangementId?: string };
    const after = (q: unknown) => (q as { after?: string }).after;

    // ---- answering ----

    const answerForm = (page: Page, m: Membership, postId: string, state: FormState) =>
      page.show({
        title: 'Answer this post',
        crumbs: answersCrumbs(m),
        hasErrors: hasErrors(state),
        body: html`${errorSummary(state)}<p>Say how you can help, or what you need. Only the member who posted it, and the time bank’s coordinators, read it.</p>
          ${form(`/networks/${m.networkId}/time/posts/${postId}/answer`, state, page.csrfToken, textArea(state, { name: 'message', label: 'Your message', hint: 'For example, "I can drive you on Thursday morning"', rows: 4 }), 'Send your answer')}`,
      });

    app.get(`${base}/posts/:postId/answer`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const { networkId, postId } = request.params as Params;
      return answerForm(page, page.memberOf(networkId), postId!, formState());
    });

    app.post(`${base}/posts/:postId/answer`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const { networkId, postId } = request.params as Params;
      const m = page.memberOf(networkId);
      const state = posted(request.body);
      const message = readText(state, 'message', 'Write a message to go with your answer', 1000);
      return submit<{ answerId: string; position: number }>(
        page,
        state,
        () => page.api.send('POST', `/networks/${networkId}/timebank/posts/${postId}/answers`, { message }, { key: state.values._key! }),
        { message: 'message' },
        (s) => answerForm(page, m, postId!, s),
        (body) => `/networks/${networkId}/time/answers/${postId}/${body.answerId}?after=${body.position}`,
      );
    });

    // ---- lists ----

    const answerList = (m: Membership, items: AnswerItem[], name: (id: string) => string, who: 'answerer' | 'owner', caption: string): Html =>
      items.length === 0
        ? html`<p>None yet.</p>`
        : html`<ul class="actions">${items.map(
            (a) =>
              html`<li><a href="/networks/${m.networkId}/time/answers/${a.postId}/${a.answerId}">${a.postTitle || 'A post'}<span class="visually-hidden"> (${caption})</span></a>: ${who === 'answerer' ? `${name(a.answererId)} answered your ${kindWord(a.postKind)}` : `your answer to ${name(a.ownerId) === 'You' ? 'your' : `${name(a.ownerId)}’s`} ${kindWord(a.postKind)}`}; ${plural(a.messages, 'message')}, ${statusWords[a.status]}</li>`,
          )}</ul>`;

    app.get(`${base}/answers`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const { networkId } = request.params as Params;
      const m = page.memberOf(networkId);
      const [toMe, mine, name] = await Promise.all([
        page.api.read<{ items: AnswerItem[] }>(`/networks/${networkId}/timebank/answers`, { which: 'toMe', after: after(request.query) }),
        page.api.read<{ items: AnswerItem[] }>(`/networks/${networkId}/timebank/answers`, { which: 'mine', after: after(request.query) }),
        namesIn(page, networkId),
      ]);
      return page.show({
        title: 'Answers',
        crumbs: timeCrumbs(m),
        body: html`<h2>Answers to your offers and requests</h2>${answerList(m, toMe.items, name, 'answerer', 'answer to your post')}
          <h2>Your answers</h2>${answerList(m, mine.items, name, 'owner', 'your answer')}
          <p><a href="/networks/${networkId}/time/arrangements">Your arrangements</a></p>`,
      });
    });

    // ---- a thread ----

    const threadPage = async (page: Page, m: Membership, postId: string, answerId: string, state: FormState) => {
      const [t, name] = await Promise.all([
        page.api.read<Thread>(`/networks/${m.networkId}/timebank/posts/${postId}/answers/${answerId}`, { after: after(page.request.query) }),
        namesIn(page, m.networkId),
      ]);
      const self = page.me.personId;
      const action = (verb: string) => `/networks/${m.networkId}/time/answers/${postId}/${answerId}/${verb}`;
      const canAccept = t.status === 'open' && t.ownerId === self;
      const canWithdraw = t.status === 'open' && t.answererId === self;
      return page.show({
        title: t.postTitle || 'An answer',
        crumbs: answersCrumbs(m),
        hasErrors: hasErrors(state),
        body: html`${errorSummary(state)}
          <p>${name(t.answererId)} answered ${t.ownerId === self ? 'your' : `${name(t.ownerId)}’s`} ${kindWord(t.postKind)}. This answer is ${statusWords[t.status]}.</p>
          <h2>Messages</h2>
          <ol class="thread">${t.thread.map((msg) => html`<li><p><strong>${name(msg.fromId)}</strong>, ${ukTime(msg.sentAt)}</p><p>${msg.text}</p></li>`)}</ol>
          ${t.status === 'withdrawn' ? html`` : form(action('messages'), state, page.csrfToken, textArea(state, { name: 'message', label: 'Write a message', rows: 3 }), 'Send the message')}
          ${canAccept ? html`<h2>Accept this answer</h2>${form(action('accept'), formState(), page.csrfToken, html`<p>Accepting it arranges the help with ${name(t.answererId)}. Other answers to this post stay unaccepted.</p>`, 'Accept this answer')}` : html``}
          ${canWithdraw ? html`<h2>Withdraw your answer</h2>${form(action('withdraw'), formState(), page.csrfToken, html`<p>If you can no longer help, withdraw it.</p>`, 'Withdraw your answer', { buttonClass: 'secondary' })}` : html``}
          ${t.status === 'accepted' ? html`<p><a href="/networks/${m.networkId}/time/arrangements">See your arrangements</a></p>` : html``}`,
      });
    };

    app.get(`${base}/answers/:postId/:answerId`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const { networkId, postId, answerId } = request.params as Params;
      return threadPage(page, page.memberOf(networkId), postId!, answerId!, formState());
    });

    app.post(`${base}/answers/:postId/:answerId/messages`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const { networkId, postId, answerId } = request.params as Params;
      const m = page.memberOf(networkId);
      const state = posted(request.body);
      const message = readText(state, 'message', 'Write a message', 1000);
      return submit<{ position: number }>(
        page,
        state,
        () => page.api.send('POST', `/networks/${networkId}/timebank/posts/${postId}/answers/${answerId}/messages`, { message }, { key: state.values._key! }),
        { message: 'message' },
        (s) => threadPage(page, m, postId!, answerId!, s),
        (body) => `/networks/${networkId}/time/answers/${postId}/${answerId}?after=${body.position}`,
      );
    });

    for (const verb of ['accept', 'withdraw'] as const) {
      app.post(`${base}/answers/:postId/:answerId/${verb}`, { schema: { hide: true } }, async (request, reply) => {
        const page = await pageFor(app, request, reply);
        const { networkId, postId, answerId } = request.params as Params;
        const m = page.memberOf(networkId);
        const state = posted(request.body);
        return submit<{ position: number; arrangementId?: string }>(
          page,
          state,
          () => page.api.send('POST', `/networks/${networkId}/timebank/posts/${postId}/answers/${answerId}/${verb === 'accept' ? 'acceptance' : 'withdrawal'}`, undefined, { key: state.values._key! }),
          {},
          (s) => threadPage(page, m, postId!, answerId!, s),
          (body) => (body.arrangementId ? `/networks/${networkId}/time/arrangements/${body.arrangementId}?after=${body.position}` : `/networks/${networkId}/time/answers/${postId}/${answerId}?after=${body.position}`),
        );
      });
    }

    // ---- arrangements ----

    const sentence = (a: ArrangementItem, name: (id: string) => string) => {
      const [giver, receiver] = [name(a.providerId), name(a.receiverId)];
      return giver === 'You' ? `you help ${receiver}` : `${giver} helps ${receiver === 'You' ? 'you' : receiver}`;
    };

    app.get(`${base}/arrangements`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const { networkId } = request.params as Params;
      const m = page.memberOf(networkId);
      const [list, name] = await Promise.all([page.api.read<{ items: ArrangementItem[] }>(`/networks/${networkId}/timebank/arrangements`, { after: after(request.query) }), namesIn(page, networkId)]);
      const waiting = list.items.filter((a) => a.exchangeId === null);
      const loggedOnes = list.items.filter((a) => a.exchangeId !== null);
      const link = (a: ArrangementItem) => `/networks/${networkId}/time/arrangements/${a.arrangementId}`;
      return page.show({
        title: 'Your arrangements',
        crumbs: timeCrumbs(m),
        body: html`<h2>Waiting to be logged</h2>
          ${waiting.length === 0 ? html`<p>Nothing is waiting to be logged.</p>` : html`<ul class="actions">${waiting.map((a) => html`<li><a href="${link(a)}">${a.postTitle || 'Help arranged'}</a>: ${sentence(a, name)} (${a.category}). Log it once the help has been given.</li>`)}</ul>`}
          <h2>Logged</h2>
          ${loggedOnes.length === 0 ? html`<p>None yet.</p>` : html`<ul>${loggedOnes.map((a) => html`<li><a href="/networks/${networkId}/time/exchanges/${a.exchangeId}">${a.postTitle || 'Help arranged'}</a>: ${sentence(a, name)} (${a.category})</li>`)}</ul>`}`,
      });
    });

    const logPage = async (page: Page, m: Membership, arrangementId: string, state: FormState | null) => {
      const [a, name] = await Promise.all([page.api.read<Arrangement>(`/networks/${m.networkId}/timebank/arrangements/${arrangementId}`, { after: after(page.request.query) }), namesIn(page, m.networkId)]);
      const shown = state ?? formState({ ...dateValues('date', a.prefill.occurredOn), 'duration-hours': String(Math.floor(a.prefill.minutes / 60)), 'duration-minutes': String(a.prefill.minutes % 60), description: a.postTitle });
      return page.show({
        title: a.postTitle || 'Help arranged',
        crumbs: arrangementsCrumbs(m),
        hasErrors: hasErrors(shown),
        body: html`${errorSummary(shown)}
          <dl class="summary">
            <dt>Given by</dt><dd>${name(a.providerId)}</dd>
            <dt>Received by</dt><dd>${name(a.receiverId)}</dd>
            <dt>Kind of help</dt><dd>${a.category}</dd>
            <dt>Arranged</dt><dd>${ukTime(a.arrangedAt)}${a.brokered ? ' by a coordinator' : ''}</dd>
          </dl>
          ${a.exchangeId
            ? html`<p>This has been logged. <a href="/networks/${m.networkId}/time/exchanges/${a.exchangeId}">See the exchange</a></p>`
            : html`<h2>Log this exchange</h2><p>Once the help has been given, log it here. The other person, or a coordinator, then confirms it and the hours move.</p>
              ${form(
                `/networks/${m.networkId}/time/arrangements/${arrangementId}/log`,
                shown,
                page.csrfToken,
                html`${dateField(shown, { name: 'date', label: 'When was it?' })}
                  ${durationField(shown, { name: 'duration', label: 'How long?', hint: 'For example, 1 hour 30 minutes' })}
                  ${textArea(shown, { name: 'description', label: 'What was done (optional)' })}`,
                'Continue',
              )}`}`,
      });
    };

    app.get(`${base}/arrangements/:arrangementId`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const { networkId, arrangementId } = request.params as Params;
      return logPage(page, page.memberOf(networkId), arrangementId!, null);
    });

    app.post(`${base}/arrangements/:arrangementId/log`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const { networkId, arrangementId } = request.params as Params;
      const m = page.memberOf(networkId);
      const state = posted(request.body);
      if (stepOf(state) === 'change') return logPage(page, m, arrangementId!, state);
      const occurredOn = readDate(state, 'date', 'Enter the date the help was given');
      const minutes = readDuration(state, 'duration', 'Enter how long it took');
      const action = `/networks/${networkId}/time/arrangements/${arrangementId}/log`;
      if (stepOf(state) !== 'confirm' && !hasErrors(state)) {
        return page.show({
          title: 'Check your answers',
          crumbs: arrangementsCrumbs(m),
          body: html`<p>Check this before you log it.</p>${checkAnswers(action, state, page.csrfToken, [
            { question: 'When', answer: longDate(occurredOn!) },
            { question: 'How long', answer: hoursAndMinutes(minutes!) },
            { question: 'What was done', answer: state.values.description || 'Nothing said' },
          ], 'Log the exchange')}`,
        });
      }
      return submit<{ exchangeId: string; position: number }>(
        page,
        state,
        () => page.api.send('POST', `/networks/${networkId}/timebank/arrangements/${arrangementId}/exchange`, { minutes, occurredOn, description: state.values.description ?? '' }, { key: state.values._key! }),
        { minutes: 'duration', occurredOn: 'date', description: 'description' },
        (s) => logPage(page, m, arrangementId!, s),
        (body) => `/networks/${networkId}/time/exchanges/${body.exchangeId}?after=${body.position}&done=logged`,
      );
    });

    // ---- a coordinator's ----

    const brokerPage = async (page: Page, m: Membership, state: FormState) => {
      const [directory, open, name] = await Promise.all([
        page.api.readAll<{ personId: string; name: string }>(`/networks/${m.networkId}/directory`),
        page.api.readAll<OpenPost>(`/networks/${m.networkId}/timebank/arrangements/open-posts`).then(({ items }) => ({ posts: items })),
        namesIn(page, m.networkId),
      ]);
      return page.show({
        title: 'Arrange help between two members',
        crumbs: networkCrumbs(m),
        hasErrors: hasErrors(state),
        body: html`${errorSummary(state)}<p>Match a member with an open offer or request, for members who are not online or who asked you to. It is recorded as arranged by you.</p>
          ${form(
            `/networks/${m.networkId}/time/brokering`,
            state,
            page.csrfToken,
            html`${selectField(state, { name: 'post', label: 'Which offer or request?', options: open.posts.map((p) => ({ value: p.postId, label: `${p.title} (${kindWord(p.kind)} from ${name(p.ownerId)})` })), prompt: 'Choose one' })}
              ${selectField(state, { name: 'person', label: 'Which member?', hint: 'The member who will give the help for a request, or receive it for an offer', options: directory.items.map((p) => ({ value: p.personId, label: p.name })), prompt: 'Choose a member' })}`,
            'Continue',
          )}`,
      });
    };

    app.get(`${base}/brokering`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      return brokerPage(page, page.memberOf((request.params as Params).networkId), formState());
    });

    app.post(`${base}/brokering`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const { networkId } = request.params as Params;
      const m = page.memberOf(networkId);
      const state = posted(request.body);
      if (stepOf(state) === 'change') return brokerPage(page, m, state);
      const postId = readText(state, 'post', 'Choose the offer or request', 64);
      const personId = readText(state, 'person', 'Choose the member', 64);
      if (stepOf(state) !== 'confirm' && !hasErrors(state)) {
        const [open, name] = await Promise.all([page.api.readAll<OpenPost>(`/networks/${networkId}/timebank/arrangements/open-posts`).then(({ items }) => ({ posts: items })), namesIn(page, networkId)]);
        const post = open.posts.find((p) => p.postId === postId);
        return page.show({
          title: 'Check your answers',
          crumbs: networkCrumbs(m),
          body: html`<p>Check this before you arrange it.</p>${checkAnswers(`/networks/${networkId}/time/brokering`, state, page.csrfToken, [
            { question: 'Offer or request', answer: post ? `${post.title}, from ${name(post.ownerId)}` : 'Not open any more' },
            { question: 'Member', answer: name(personId!) },
          ], 'Arrange it')}`,
        });
      }
      return submit<{ arrangementId: string; position: number }>(
        page,
        state,
        () => page.api.send('POST', `/networks/${networkId}/timebank/arrangements`, { postId, personId }, { key: state.values._key! }),
        { postId: 'post', personId: 'person' },
        (s) => brokerPage(page, m, s),
        (body) => `/networks/${networkId}/time/post-figures?after=${body.position}&done=arranged`,
      );
    });

    app.get(`${base}/post-figures`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const { networkId } = request.params as Params;
      const m = page.memberOf(networkId);
      const figures = await page.api.read<Figures>(`/networks/${networkId}/timebank/arrangements/figures`, { after: after(request.query) });
      const done = (request.query as { done?: string }).done === 'arranged';
      return page.show({
        title: 'Offers, requests and arrangements',
        crumbs: networkCrumbs(m),
        body: html`${done ? html`<div class="panel" role="status"><h2>Help arranged</h2><p>Both members can see it in their arrangements, and log it once the help has been given.</p></div>` : html``}
          <h2>Open now</h2>
          ${figures.open.length === 0
            ? html`<p>No offers or requests are open.</p>`
            : html`<div class="table-scroll"><table><caption>Open offers and requests by kind of help</caption>
              <thead><tr><th scope="col">Kind of help</th><th scope="col" class="num">Offers</th><th scope="col" class="num">Requests</th></tr></thead>
              <tbody>${figures.open.map((f) => html`<tr><th scope="row">${f.category}</th><td class="num">${f.offers}</td><td class="num">${f.requests}</td></tr>`)}</tbody></table></div>`}
          <h2>By month</h2>
          ${figures.months.length === 0
            ? html`<p>Nothing posted yet.</p>`
            : html`<div class="table-scroll"><table><caption>Posted, answered, arranged and logged, by month and kind of help</caption>
              <thead><tr><th scope="col">Month</th><th scope="col">Kind of help</th><th scope="col" class="num">Offers</th><th scope="col" class="num">Requests</th><th scope="col" class="num">Answers</th><th scope="col" class="num">Arranged</th><th scope="col" class="num">Logged</th></tr></thead>
              <tbody>${figures.months.map((f) => html`<tr><th scope="row">${f.month}</th><td>${f.category}</td><td class="num">${f.offers}</td><td class="num">${f.requests}</td><td class="num">${f.answers}</td><td class="num">${f.arrangements}</td><td class="num">${f.exchanges}</td></tr>`)}</tbody></table></div>`}
          <p><a href="/networks/${networkId}/time/brokering">Arrange help between two members</a></p>`,
      });
    });
  },
};
