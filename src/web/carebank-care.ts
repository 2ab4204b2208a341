// Care given, as a care-bank volunteer and the person they cared for meet it: the volunteer logs
// care (for whom, when, how long, what kind), checks their answers and sends it; it waits until the
// person cared for (or a coordinator who is no party to it) confirms it and the hours are banked,
// or disputes it. Who may confirm is the API's to say: the page offers what it would accept.
import type { FastifyPluginAsync } from 'fastify';
import { html, type Html } from '../http/html.ts';
import { today } from '../dates.ts';
import { careActivities } from '../carebank/scheme.ts';
import { dateField, dateValues, durationField, errorSummary, form, formState, hasErrors, posted, radioField, readChoice, readDate, readDuration, readText, selectField, type FormState } from './forms.ts';
import { networkCrumbs, pageFor, submit, type Membership, type Page } from './page.ts';
import { checkAnswers, stepOf } from './answers.ts';
import { disputeReason, settleForms } from './settle.ts';
import { hoursAndMinutes, longDate } from './words.ts';

const activities = careActivities;
type Activity = (typeof activities)[number];
const activityWords: Record<Activity, string> = {
  befriending: 'Befriending: a visit, a chat, company',
  shopping: 'Shopping or errands',
  lifts: 'A lift somewhere',
  gardening: 'Gardening',
  household: 'Help around the home',
  other: 'Something else',
};

type Status = 'logged' | 'disputed' | 'confirming' | 'confirmed';
const statusWords: Record<Status, string> = { logged: 'waiting to be confirmed', disputed: 'disputed', confirming: 'being confirmed: the hours are being banked', confirmed: 'confirmed and banked' };

export interface Care {
  careId: string;
  volunteerId: string;
  volunteerName: string;
  recipientId: string;
  recipientName: string;
  minutes: number;
  activity: Activity;
  occurredOn: string;
  status: Status;
  youMayConfirm: boolean;
  /** On the record itself, not the lists. */
  lastRefusal?: { problem: string; detail: string } | null;
}

const done: Record<string, { title: string; say: (c: Care) => string }> = {
  logged: { title: 'Care logged', say: (c) => `${c.recipientName} will be asked to confirm it. The hours are banked for you when they do.` },
  confirmed: { title: 'Care confirmed', say: (c) => `The hours are banked for ${c.volunteerName}.` },
  disputed: { title: 'Care disputed', say: () => 'Nothing is banked. A coordinator will look at it with you both.' },
};

const home = (networkId: string) => `/networks/${networkId}/care`;
const crumbs = (m: Membership) => [...networkCrumbs(m), { href: home(m.networkId), label: 'Your care bank' }];
const recordPath = (networkId: string, careId: string) => `${home(networkId)}/given/${careId}`;
const sentence = (c: Care, self: string) =>
  c.volunteerId === self ? `You gave ${hoursAndMinutes(c.minutes)} of care to ${c.recipientName}` : c.recipientId === self ? `${c.volunteerName} gave you ${hoursAndMinutes(c.minutes)} of care` : `${c.volunteerName} gave ${hoursAndMinutes(c.minutes)} of care to ${c.recipientName}`;

/** The care bank's home page's part about care: what waits for the reader, and care they gave. */
export async function careSections(page: Page, m: Membership, after: string | undefined): Promise<Html> {
  const { items } = await page.api.read<{ items: Care[] }>(`/networks/${m.networkId}/carebank/care`, { after });
  const self = page.me.personId;
  const forMe = items.filter((c) => c.youMayConfirm);
  const given = items.filter((c) => c.volunteerId === self);
  const link = (c: Care) => html`<a href="${recordPath(m.networkId, c.careId)}">${sentence(c, self)} on ${longDate(c.occurredOn)}</a>`;
  return html`<p><a class="button" href="${home(m.networkId)}/log">Log care you gave</a></p>
    <h2>Waiting for you to confirm</h2>
    ${forMe.length === 0 ? html`<p>Nothing is waiting for you.</p>` : html`<ul class="actions">${forMe.map((c) => html`<li>${link(c)}: check and confirm</li>`)}</ul>`}
    <h2>Care you gave</h2>
    ${given.length === 0 ? html`<p>You have not logged any care yet.</p>` : html`<ul>${given.map((c) => html`<li>${link(c)}: ${statusWords[c.status]}</li>`)}</ul>`}`;
}

export const carePages: FastifyPluginAsync = async (app) => {
  const base = '/networks/:networkId/care';
  type Params = { networkId: string; careId?: string };

  const people = async (page: Page, m: Membership) => {
    const directory = await page.api.readAll<{ personId: string; name: string }>(`/networks/${m.networkId}/directory`);
    return directory.items.filter((p) => p.personId !== page.me.personId).map((p) => ({ value: p.personId, label: p.name }));
  };

  const logForm = async (page: Page, m: Membership, state: FormState) =>
    page.show({
      title: 'Log care you gave',
      crumbs: crumbs(m),
      hasErrors: hasErrors(state),
      body: html`${errorSummary(state)}
        <p>The person you cared for is asked to confirm it. Once they do, the hours are banked for you.</p>
        ${form(
          `${home(m.networkId)}/log`,
          state,
          page.csrfToken,
          html`${selectField(state, { name: 'recipient', label: 'Who did you care for?', hint: 'If they are not listed, ask your coordinator to add them to the care bank.', options: await people(page, m), prompt: 'Choose a person' })}
            ${radioField(state, { name: 'activity', label: 'What kind of care?', options: activities.map((a) => ({ value: a, label: activityWords[a] })) })}
            ${dateField(state, { name: 'date', label: 'When was it?' })}
            ${durationField(state, { name: 'duration', label: 'How long?', hint: 'For example, 1 hour 30 minutes' })}`,
          'Continue',
        )}`,
    });

  app.get(`${base}/log`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    return logForm(page, page.memberOf((request.params as Params).networkId), formState(dateValues('date', today())));
  });

  app.post(`${base}/log`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const m = page.memberOf((request.params as Params).networkId);
    const state = posted(request.body);
    if (stepOf(state) === 'change') return logForm(page, m, state);
    const recipientId = readText(state, 'recipient', 'Choose the person you cared for', 64);
    const activity = readChoice(state, 'activity', activities, 'Choose what kind of care it was');
    const occurredOn = readDate(state, 'date', 'Enter the date you gave the care');
    const minutes = readDuration(state, 'duration', 'Enter how long you gave care for');
    if (stepOf(state) !== 'confirm' && !hasErrors(state)) {
      const name = (await people(page, m)).find((p) => p.value === recipientId)?.label ?? 'someone not in this care bank';
      return page.show({
        title: 'Check your answers',
        crumbs: crumbs(m),
        body: html`<p>Check the care you are logging before you send it.</p>
          ${checkAnswers(
            `${home(m.networkId)}/log`,
            state,
            page.csrfToken,
            [
              { question: 'Who you cared for', answer: name },
              { question: 'Kind of care', answer: activityWords[activity!] },
              { question: 'Date', answer: longDate(occurredOn!) },
              { question: 'How long', answer: hoursAndMinutes(minutes!) },
            ],
            'Log this care',
          )}`,
      });
    }
    return submit<{ careId: string; position: number }>(
      page,
      state,
      () => page.api.send('POST', `/networks/${m.networkId}/carebank/care`, { volunteerId: page.me.personId, recipientId, minutes, activity, occurredOn }, { key: state.values._key! }),
      { recipientId: 'recipient', volunteerId: 'recipient', minutes: 'duration', activity: 'activity', occurredOn: 'date' },
      (s) => logForm(page, m, s),
      (body) => `${recordPath(m.networkId, body.careId)}?after=${body.position}&done=logged`,
    );
  });

  const recordPage = async (page: Page, m: Membership, careId: string, state: FormState) => {
    const query = page.request.query as { done?: string };
    const c = await page.api.read<Care>(`/networks/${m.networkId}/carebank/care/${careId}`);
    const outcome = query.done ? done[query.done] : undefined;
    const self = page.me.personId;
    const action = (verb: string) => `${recordPath(m.networkId, careId)}/${verb}`;
    return page.show({
      title: outcome?.title ?? 'Care given',
      crumbs: crumbs(m),
      hasErrors: hasErrors(state),
      body: html`${errorSummary(state)}
        ${outcome ? html`<div class="panel" role="status"><h2>${sentence(c, self)}</h2><p>${outcome.say(c)}</p></div>` : html``}
        <dl class="summary">
          <dt>Given by</dt><dd>${c.volunteerName}</dd>
          <dt>Cared for</dt><dd>${c.recipientName}</dd>
          <dt>Kind of care</dt><dd>${activityWords[c.activity]}</dd>
          <dt>Date</dt><dd>${longDate(c.occurredOn)}</dd>
          <dt>How long</dt><dd>${hoursAndMinutes(c.minutes)}</dd>
          <dt>Status</dt><dd>${statusWords[c.status]}</dd>
        </dl>
        ${c.lastRefusal ? html`<h2>The hours could not be banked</h2><p>${c.lastRefusal.detail} The care waits to be confirmed, as before.</p>` : html``}
        ${c.youMayConfirm ? settleForms({ confirm: action('confirm'), dispute: action('dispute') }, state, page.csrfToken, `the hours are banked for ${c.volunteerName}`) : html``}
        <p><a href="${home(m.networkId)}">Back to your care bank</a></p>`,
    });
  };

  app.get(`${base}/given/:careId`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, careId } = request.params as Params;
    return recordPage(page, page.memberOf(networkId), careId!, formState());
  });

  for (const verb of ['confirm', 'dispute'] as const) {
    app.post(`${base}/given/:careId/${verb}`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const { networkId, careId } = request.params as Params;
      const m = page.memberOf(networkId);
      const state = posted(request.body);
      const reason = verb === 'dispute' ? disputeReason(state) : undefined;
      return submit<{ position: number }>(
        page,
        state,
        () =>
          verb === 'confirm'
            ? page.api.send('POST', `/networks/${networkId}/carebank/care/${careId}/confirmation`, undefined, { key: state.values._key! })
            : page.api.send('POST', `/networks/${networkId}/carebank/care/${careId}/dispute`, { reason }, { key: state.values._key! }),
        { reason: 'reason' },
        (s) => recordPage(page, m, careId!, s),
        (body) => `${recordPath(networkId, careId!)}?after=${body.position}&done=${verb === 'confirm' ? 'confirmed' : 'disputed'}`,
      );
    });
  }
};
