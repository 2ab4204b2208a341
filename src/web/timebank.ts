// A time-bank member's pages: their balance in hours and minutes, what is waiting for them, recent
// exchanges, logging an hour given or received, confirming or disputing what others logged, giving
// time to the community chest, and a statement to print or download. A coordinator uses the same pages for a member (?for=personId).
import type { FastifyPluginAsync } from 'fastify';
import type { Hearth } from '../hearth.ts';
import { html, type Html } from '../http/html.ts';
import { sendCsv } from '../http/csv.ts';
import { formatMinutes } from '../units.ts';
import { addDays, today } from '../dates.ts';
import { dateField, dateValues, durationField, errorSummary, form, formState, posted, radioField, readChoice, readDate, readDuration, readText, selectField, textArea, type FormState } from './forms.ts';
import { networkCrumbs, pageFor, submit, type Membership, type Page } from './page.ts';
import { hoursAndMinutes, longDate } from './words.ts';
import type { Journey } from './index.ts';
import { disputeReason, settleForms } from './settle.ts';
import { checkAnswers, stepOf } from './answers.ts';
import type { Exchange } from '../timebank/reads.ts';

interface Account {
  balanceMinutes: number;
  lowerMinutes: number;
  upperMinutes: number;
}

interface Statement {
  name: string | null;
  from: string;
  to: string;
  opening: { minutes: number };
  closing: { minutes: number };
  entries: Array<{ date: string; minutes: number; reason: string; category: string | null; description: string | null; with: string }>;
}

const statusWords: Record<Exchange['status'], string> = {
  logged: 'waiting to be confirmed',
  disputed: 'disputed',
  confirming: 'being confirmed: the hours are moving',
  confirmed: 'confirmed',
  cancelled: 'cancelled',
  reversing: 'being reversed: the hours are going back',
  reversed: 'reversed',
};

const done: Record<string, { title: string; say: (x: Exchange, self: string) => string }> = {
  logged: { title: 'Exchange logged', say: (x, self) => `${otherName(x, self)} will be asked to confirm it. The hours move when they do.` },
  confirmed: { title: 'Exchange confirmed', say: () => 'The hours have moved between the two accounts.' },
  disputed: { title: 'Exchange disputed', say: () => 'Nothing has moved. A coordinator will look at it with you both.' },
  reversed: { title: 'Exchange reversed', say: () => 'The hours have gone back to where they were. The exchange and its reversal both stay in the records, with your reason.' },
};

const otherName = (x: Exchange, self: string) => (x.providerId === self ? x.receiverName : x.providerName);
const sentence = (x: Exchange, self: string) =>
  x.providerId === self ? `You gave ${hoursAndMinutes(x.minutes)} to ${x.receiverName}` : x.receiverId === self ? `You received ${hoursAndMinutes(x.minutes)} from ${x.providerName}` : `${x.providerName} gave ${hoursAndMinutes(x.minutes)} to ${x.receiverName}`;

function balanceWords(minutes: number): string {
  if (minutes === 0) return 'You have given as much time as you have received.';
  return minutes > 0 ? `You have given ${hoursAndMinutes(minutes)} more than you have received.` : `You have received ${hoursAndMinutes(minutes)} more than you have given.`;
}

export const memberJourney: Journey = {
  links: (m: Membership) => (m.kind === 'time_bank' ? [{ href: `/networks/${m.networkId}/time`, label: 'Your time: balance, exchanges and statement' }] : []),
  routes: (_hearth: Hearth): FastifyPluginAsync => async (app) => {
    const base = '/networks/:networkId/time';
    type Params = { networkId: string; exchangeId?: string };

    /** Whose account the page is about: one's own, or, for a coordinator, the member named in ?for=. */
    function subjectOf(page: Page, m: Membership): { personId: string; forQuery: string; onBehalfOf?: string } {
      const wanted = (page.request.query as { for?: string }).for;
      if (!wanted || wanted === page.me.personId) return { personId: page.me.personId, forQuery: '' };
      // The API decides whether a coordinator may act for this person; the page only passes it on.
      return { personId: wanted, forQuery: `for=${encodeURIComponent(wanted)}`, onBehalfOf: m.roles.includes('coordinator') ? wanted : undefined };
    }
    const withQuery = (path: string, ...parts: string[]) => {
      const query = parts.filter(Boolean).join('&');
      return query ? `${path}?${query}` : path;
    };

    app.get(base, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const { networkId } = request.params as Params;
      const m = page.memberOf(networkId);
      const who = subjectOf(page, m);
      const after = (request.query as { after?: string }).after;
      const exchanges = `/networks/${networkId}/timebank/accounts/${who.personId}/exchanges`;
      // Everything still waiting, and the newest twenty of the rest: older ones are on the statement.
      const [account, waiting, recent] = await Promise.all([
        page.api.read<Account>(`/networks/${networkId}/timebank/accounts/${who.personId}`, { after }),
        page.api.readAll<Exchange>(exchanges, { after, state: 'waiting' }),
        page.api.read<{ items: Exchange[] }>(exchanges, { after, state: 'settled', limit: 20 }),
      ]);
      const list = { waiting: waiting.items, recent: recent.items };
      const self = who.personId;
      const forMe = list.waiting.filter((x) => x.status === 'logged' && x.loggedBy !== self);
      const forOthers = list.waiting.filter((x) => !forMe.includes(x));
      const link = (x: Exchange) => withQuery(`/networks/${networkId}/time/exchanges/${x.exchangeId}`, who.forQuery);
      return page.show({
        title: who.onBehalfOf ? 'Their time' : 'Your time',
        crumbs: networkCrumbs(m),
        body: html`<h2>Balance</h2>
          <p class="figure">${account.balanceMinutes < 0 ? 'minus ' : ''}${hoursAndMinutes(account.balanceMinutes)}</p>
          <p>${balanceWords(account.balanceMinutes)} The most you can go below zero is ${hoursAndMinutes(account.lowerMinutes)}.</p>
          <p><a class="button" href="${withQuery(`/networks/${networkId}/time/log`, who.forQuery)}">Log time given or received</a>
             <a class="button secondary" href="${withQuery(`/networks/${networkId}/time/statement`, who.forQuery)}">Statement</a>
             <a class="button secondary" href="${withQuery(`/networks/${networkId}/time/give`, who.forQuery)}">Give time to the community chest</a>
             <a class="button secondary" href="/networks/${networkId}/time/figures">The time bank’s figures</a></p>
          <h2>Waiting for you to confirm</h2>
          ${forMe.length === 0 ? html`<p>Nothing is waiting for you.</p>` : html`<ul class="actions">${forMe.map((x) => html`<li><a href="${link(x)}">${sentence(x, self)} on ${longDate(x.occurredOn)}</a>: check and confirm</li>`)}</ul>`}
          ${forOthers.length === 0 ? html`` : html`<h2>Waiting for others</h2><ul>${forOthers.map((x) => html`<li><a href="${link(x)}">${sentence(x, self)} on ${longDate(x.occurredOn)}</a>: ${statusWords[x.status]}</li>`)}</ul>`}
          <h2>Recent exchanges</h2>
          ${list.recent.length === 0 ? html`<p>No exchanges yet.</p>` : exchangeTable(list.recent, self, link)}`,
      });
    });

    // Giving time to the community chest, checked before it is sent: the chest's coordinators grant
    // it on to members who need it.

    const givePage = (page: Page, m: Membership, state: FormState) => {
      const who = subjectOf(page, m);
      return page.show({
        title: 'Give time to the community chest',
        crumbs: [...networkCrumbs(m), { href: withQuery(`/networks/${m.networkId}/time`, who.forQuery), label: who.onBehalfOf ? 'Their time' : 'Your time' }],
        hasErrors: Object.keys(state.errors).length > 0 || state.general !== undefined,
        body: html`${errorSummary(state)}<p>Time given to the chest leaves ${who.onBehalfOf ? 'their' : 'your'} balance. A coordinator grants it to a member who needs it.</p>
          ${form(withQuery(`/networks/${m.networkId}/time/give`, who.forQuery), state, page.csrfToken, durationField(state, { name: 'duration', label: 'How much time?', hint: 'For example, 1 hour 0 minutes' }), 'Continue')}`,
      });
    };

    app.get(`${base}/give`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      return givePage(page, page.memberOf((request.params as Params).networkId), formState());
    });

    app.post(`${base}/give`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const m = page.memberOf((request.params as Params).networkId);
      const who = subjectOf(page, m);
      const state = posted(request.body);
      if (stepOf(state) === 'change') return givePage(page, m, state);
      const minutes = readDuration(state, 'duration', 'Enter how much time to give');
      const action = withQuery(`/networks/${m.networkId}/time/give`, who.forQuery);
      if (stepOf(state) !== 'confirm' && Object.keys(state.errors).length === 0) {
        return page.show({
          title: 'Check your answers',
          crumbs: networkCrumbs(m),
          body: html`<p>Check this before you give the time.</p>${checkAnswers(action, state, page.csrfToken, [{ question: 'Time to give to the chest', answer: hoursAndMinutes(minutes!) }], 'Give the time')}`,
        });
      }
      return submit<{ position: number }>(
        page,
        state,
        () => page.api.send('POST', `/networks/${m.networkId}/timebank/chest/donations`, { minutes }, { key: state.values._key!, onBehalfOf: who.onBehalfOf }),
        { minutes: 'duration' },
        (s) => givePage(page, m, s),
        (body) => withQuery(`/networks/${m.networkId}/time/given`, `after=${body.position}`, who.forQuery),
      );
    });

    app.get(`${base}/given`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const m = page.memberOf((request.params as Params).networkId);
      const who = subjectOf(page, m);
      const account = await page.api.read<Account>(`/networks/${m.networkId}/timebank/accounts/${who.personId}`, { after: (request.query as { after?: string }).after });
      return page.show({
        title: 'Time given',
        crumbs: networkCrumbs(m),
        body: html`<div class="panel" role="status"><h2>The time is in the community chest</h2><p>${who.onBehalfOf ? 'Their' : 'Your'} balance is now ${account.balanceMinutes < 0 ? 'minus ' : ''}${hoursAndMinutes(account.balanceMinutes)}.</p></div>
          <p><a href="${withQuery(`/networks/${m.networkId}/time`, who.forQuery)}">Back to ${who.onBehalfOf ? 'their' : 'your'} time</a></p>`,
      });
    });

    const logForm = async (page: Page, m: Membership, state: FormState) => {
      const { networkId } = m;
      const who = subjectOf(page, m);
      const [directory, settings] = await Promise.all([
        page.api.readAll<{ personId: string; name: string }>(`/networks/${networkId}/directory`),
        page.api.read<{ categories: Array<{ category: string }>; maxExchangeMinutes: number }>(`/networks/${networkId}/timebank/settings`),
      ]);
      const others = directory.items.filter((p) => p.personId !== who.personId).map((p) => ({ value: p.personId, label: p.name }));
      const forName = directory.items.find((p) => p.personId === who.personId)?.name;
      return page.show({
        title: who.onBehalfOf ? `Log time for ${forName ?? 'a member'}` : 'Log time given or received',
        crumbs: [...networkCrumbs(m), { href: withQuery(`/networks/${networkId}/time`, who.forQuery), label: who.onBehalfOf ? 'Their time' : 'Your time' }],
        hasErrors: Object.keys(state.errors).length > 0 || state.general !== undefined,
        body: html`${errorSummary(state)}
          ${form(
            withQuery(`/networks/${networkId}/time/log`, who.forQuery),
            state,
            page.csrfToken,
            html`${radioField(state, { name: 'direction', label: who.onBehalfOf ? 'Did they give time or receive it?' : 'Did you give time or receive it?', options: [{ value: 'gave', label: who.onBehalfOf ? 'They gave time' : 'I gave time' }, { value: 'received', label: who.onBehalfOf ? 'They received time' : 'I received time' }] })}
              ${selectField(state, { name: 'other', label: 'Who with?', options: others, prompt: 'Choose a member' })}
              ${selectField(state, { name: 'category', label: 'What kind of help?', options: settings.categories.map((c) => ({ value: c.category, label: c.category })), prompt: 'Choose one' })}
              ${dateField(state, { name: 'date', label: 'When was it?' })}
              ${durationField(state, { name: 'duration', label: 'How long?', hint: `For example, 1 hour 30 minutes. At most ${hoursAndMinutes(settings.maxExchangeMinutes)}.` })}
              ${textArea(state, { name: 'description', label: 'What was done (optional)', hint: 'A few words, for example "weeded the front garden"' })}`,
            'Log it',
          )}`,
      });
    };

    app.get(`${base}/log`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const m = page.memberOf((request.params as Params).networkId);
      return logForm(page, m, formState(dateValues('date', today())));
    });

    app.post(`${base}/log`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const m = page.memberOf((request.params as Params).networkId);
      const who = subjectOf(page, m);
      const state = posted(request.body);
      const direction = readChoice(state, 'direction', ['gave', 'received'] as const, 'Say whether time was given or received');
      const other = readText(state, 'other', 'Choose who the time was with', 64);
      const category = readText(state, 'category', 'Choose what kind of help it was', 100);
      const occurredOn = readDate(state, 'date', 'Enter the date it happened');
      const minutes = readDuration(state, 'duration', 'Enter how long it took');
      const [providerId, receiverId] = direction === 'received' ? [other, who.personId] : [who.personId, other];
      return submit<{ exchangeId: string; position: number }>(
        page,
        state,
        () =>
          page.api.send(
            'POST',
            `/networks/${m.networkId}/timebank/exchanges`,
            { providerId, receiverId, minutes, category, occurredOn, description: state.values.description ?? '' },
            { key: state.values._key!, onBehalfOf: who.onBehalfOf },
          ),
        // A refusal about the other person goes beside their name; one about oneself, at the top.
        { [direction === 'received' ? 'providerId' : 'receiverId']: 'other', minutes: 'duration', category: 'category', occurredOn: 'date', description: 'description' },
        (s) => logForm(page, m, s),
        (body) => withQuery(`/networks/${m.networkId}/time/exchanges/${body.exchangeId}`, `after=${body.position}`, 'done=logged', who.forQuery),
      );
    });

    const exchangePage = async (page: Page, m: Membership, exchangeId: string, state: FormState) => {
      const who = subjectOf(page, m);
      const query = page.request.query as { after?: string; done?: string };
      const x = await page.api.read<Exchange>(`/networks/${m.networkId}/timebank/exchanges/${exchangeId}`, { after: query.after });
      const self = who.personId;
      const outcome = query.done ? done[query.done] : undefined;
      const canSettle = x.status === 'logged' && x.loggedBy !== self && (x.providerId === self || x.receiverId === self);
      // A confirmed exchange is corrected by reversing it, which only a coordinator does.
      const canReverse = x.status === 'confirmed' && m.roles.includes('coordinator');
      const action = (verb: string) => withQuery(`/networks/${m.networkId}/time/exchanges/${x.exchangeId}/${verb}`, who.forQuery);
      return page.show({
        title: outcome?.title ?? 'Exchange',
        crumbs: [...networkCrumbs(m), { href: withQuery(`/networks/${m.networkId}/time`, who.forQuery), label: who.onBehalfOf ? 'Their time' : 'Your time' }],
        hasErrors: Object.keys(state.errors).length > 0 || state.general !== undefined,
        body: html`${errorSummary(state)}
          ${outcome ? html`<div class="panel" role="status"><h2>${sentence(x, self)}</h2><p>${outcome.say(x, self)}</p></div>` : html``}
          <dl class="summary">
            <dt>Given by</dt><dd>${x.providerName}</dd>
            <dt>Received by</dt><dd>${x.receiverName}</dd>
            <dt>Time</dt><dd>${hoursAndMinutes(x.minutes)}${x.creditedMinutes !== x.minutes ? html` (counts as ${hoursAndMinutes(x.creditedMinutes)})` : html``}</dd>
            <dt>Kind of help</dt><dd>${x.category}</dd>
            <dt>Date</dt><dd>${longDate(x.occurredOn)}</dd>
            ${x.description ? html`<dt>What was done</dt><dd>${x.description}</dd>` : html``}
            <dt>Status</dt><dd>${statusWords[x.status]}</dd>
          </dl>
          ${canSettle ? settleForms({ confirm: action('confirm'), dispute: action('dispute') }, state, page.csrfToken, 'the hours move') : html``}
          ${canReverse ? html`<h2>Put a mistake right</h2>${form(action('reverse'), state, page.csrfToken, textArea(state, { name: 'reason', label: 'Why is it being reversed?', hint: 'For example, "logged twice"' }), 'Reverse the exchange', { buttonClass: 'warning' })}` : html``}
          <p><a href="${withQuery(`/networks/${m.networkId}/time`, who.forQuery)}">Back to ${who.onBehalfOf ? 'their' : 'your'} time</a></p>`,
      });
    };

    app.get(`${base}/exchanges/:exchangeId`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const { networkId, exchangeId } = request.params as Params;
      return exchangePage(page, page.memberOf(networkId), exchangeId!, formState());
    });

    const sent = { confirm: 'confirmed', dispute: 'disputed', reverse: 'reversed' } as const;
    for (const verb of ['confirm', 'dispute', 'reverse'] as const) {
      app.post(`${base}/exchanges/:exchangeId/${verb}`, { schema: { hide: true } }, async (request, reply) => {
        const page = await pageFor(app, request, reply);
        const { networkId, exchangeId } = request.params as Params;
        const m = page.memberOf(networkId);
        const who = subjectOf(page, m);
        const state = posted(request.body);
        const reason = verb === 'dispute' ? disputeReason(state) : verb === 'reverse' ? readText(state, 'reason', 'Say why it is being reversed') : undefined;
        return submit<{ position: number }>(
          page,
          state,
          () =>
            verb === 'confirm'
              ? page.api.send('POST', `/networks/${networkId}/timebank/exchanges/${exchangeId}/confirmation`, undefined, { key: state.values._key!, onBehalfOf: who.onBehalfOf })
              : verb === 'dispute'
                ? page.api.send('POST', `/networks/${networkId}/timebank/exchanges/${exchangeId}/dispute`, { reason }, { key: state.values._key!, onBehalfOf: who.onBehalfOf })
                : // A coordinator reverses as themselves, never in a member's name.
                  page.api.send('POST', `/networks/${networkId}/timebank/exchanges/${exchangeId}/reversal`, { reason }, { key: state.values._key! }),
          { reason: 'reason' },
          (s) => exchangePage(page, m, exchangeId!, s),
          (body) => withQuery(`/networks/${networkId}/time/exchanges/${exchangeId}`, `after=${body.position}`, `done=${sent[verb]}`, who.forQuery),
        );
      });
    }

    async function statementOf(page: Page, m: Membership) {
      const who = subjectOf(page, m);
      const query = page.request.query as Record<string, string | undefined>;
      const state = formState({ ...dateValues('from', addDays(today(), -90)), ...dateValues('to', today()), ...query });
      const from = readDate(state, 'from', 'Enter the first day');
      const to = readDate(state, 'to', 'Enter the last day');
      if (from && to && to < from) state.errors.to = 'The last day must be on or after the first day';
      const statement = from && to && !state.errors.to ? await page.api.read<Statement>(`/networks/${m.networkId}/timebank/accounts/${who.personId}/statement`, { from, to }) : undefined;
      return { who, state, statement };
    }

    app.get(`${base}/statement`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const m = page.memberOf((request.params as Params).networkId);
      const { who, state, statement } = await statementOf(page, m);
      const csv = statement ? withQuery(`/networks/${m.networkId}/time/statement.csv`, `from=${statement.from}`, `to=${statement.to}`, who.forQuery) : '';
      return page.show({
        title: 'Statement',
        crumbs: [...networkCrumbs(m), { href: withQuery(`/networks/${m.networkId}/time`, who.forQuery), label: who.onBehalfOf ? 'Their time' : 'Your time' }],
        hasErrors: Object.keys(state.errors).length > 0,
        body: html`${errorSummary(state)}
          <form method="get" action="/networks/${m.networkId}/time/statement" class="no-print">
            ${who.onBehalfOf ? html`<input type="hidden" name="for" value="${who.personId}">` : html``}
            ${dateField(state, { name: 'from', label: 'From' })}${dateField(state, { name: 'to', label: 'To' })}
            <button type="submit" class="secondary">Show statement</button>
          </form>
          ${statement ? html`<dl class="summary"><dt>Member</dt><dd>${statement.name ?? 'Not known'}</dd><dt>Network</dt><dd>${m.networkName ?? 'Not known'}</dd></dl>${statementTable(statement)}` : html``}
          ${statement ? html`<p class="no-print"><a href="${csv}" download>Download this statement as a spreadsheet (CSV)</a>. To print it, use your browser's Print.</p>` : html``}`,
      });
    });

    // The time bank's figures by month, for every member: what it is doing, not who did it.
    app.get(`${base}/figures`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const m = page.memberOf((request.params as Params).networkId);
      const figures = await page.api.read<{ months: Array<{ month: string; exchanges: number; minutes: number; activeMembers: number }> }>(`/networks/${m.networkId}/timebank/figures`);
      return page.show({
        title: 'The time bank’s figures',
        crumbs: networkCrumbs(m),
        body: figures.months.length === 0
          ? html`<p>No exchange counts in the figures yet: they count once confirmed.</p>`
          : html`<div class="table-scroll"><table><caption>Exchanges by month</caption>
              <thead><tr><th scope="col">Month</th><th scope="col" class="num">Exchanges</th><th scope="col" class="num">Time given</th><th scope="col" class="num">Members taking part</th></tr></thead>
              <tbody>${figures.months.map((f) => html`<tr><th scope="row">${f.month}</th><td class="num">${f.exchanges}</td><td class="num">${hoursAndMinutes(f.minutes)}</td><td class="num">${f.activeMembers}</td></tr>`)}</tbody></table></div>`,
      });
    });

    app.get(`${base}/statement.csv`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const m = page.memberOf((request.params as Params).networkId);
      const { statement } = await statementOf(page, m);
      if (!statement) return reply.redirect(`/networks/${m.networkId}/time/statement`, 303);
      // Hours as people read them (h:mm), gave and received apart so that each column sums.
      let balance = statement.opening.minutes;
      const rows = [
        ['date', 'with', 'kind of help', 'what was done', 'gave (h:mm)', 'received (h:mm)', 'balance (h:mm)'],
        [statement.from, '', '', 'balance brought forward', '', '', formatMinutes(balance)],
        ...statement.entries.map((e) => [e.date, e.with, e.category ?? e.reason, e.description ?? '', e.minutes > 0 ? formatMinutes(e.minutes) : '', e.minutes < 0 ? formatMinutes(-e.minutes) : '', formatMinutes((balance += e.minutes))]),
      ];
      return sendCsv(reply, `time-statement-${statement.from}-${statement.to}`, rows);
    });
  },
};

function exchangeTable(rows: Exchange[], self: string, link: (x: Exchange) => string): Html {
  return html`<div class="table-scroll"><table><caption>Your latest exchanges, newest first</caption>
    <thead><tr><th scope="col">Date</th><th scope="col">What happened</th><th scope="col">Kind of help</th><th scope="col">Status</th></tr></thead>
    <tbody>${rows.map((x) => html`<tr><td>${longDate(x.occurredOn)}</td><td><a href="${link(x)}">${sentence(x, self)}</a></td><td>${x.category}</td><td>${statusWords[x.status]}</td></tr>`)}</tbody></table></div>`;
}

function statementTable(s: Statement): Html {
  const signed = (m: number) => (m === 0 ? 'none' : `${m < 0 ? 'minus ' : ''}${hoursAndMinutes(m)}`);
  return html`<div class="table-scroll"><table><caption>From ${longDate(s.from)} to ${longDate(s.to)}</caption>
    <thead><tr><th scope="col">Date</th><th scope="col">With</th><th scope="col">What</th><th scope="col">Gave or received</th></tr></thead>
    <tbody><tr><td>${longDate(s.from)}</td><td></td><td>Balance at the start</td><td>${signed(s.opening.minutes)}</td></tr>
    ${s.entries.map((e) => html`<tr><td>${longDate(e.date)}</td><td>${e.with}</td><td>${e.category ?? e.reason}${e.description ? html`: ${e.description}` : html``}</td><td>${e.reason === 'exchange' ? (e.minutes > 0 ? 'Gave ' : 'Received ') : e.minutes > 0 ? 'Added ' : 'Taken off '}${hoursAndMinutes(e.minutes)}</td></tr>`)}
    <tr><td>${longDate(s.to)}</td><td></td><td><strong>Balance at the end</strong></td><td><strong>${signed(s.closing.minutes)}</strong></td></tr></tbody></table></div>`;
}
