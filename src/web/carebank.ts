// A care-bank member's pages: the hours they have banked by caring for older people, entry by
// entry; pledging some of them to a named relative; and claiming care funded from them.
import type { FastifyPluginAsync } from 'fastify';
import type { Hearth } from '../hearth.ts';
import { html, type Html } from '../http/html.ts';
import type { Answer } from './api.ts';
import { durationField, errorSummary, form, formState, posted, readDuration, readText, selectField, type FormState } from './forms.ts';
import { networkCrumbs, pageFor, submit, type Membership, type Page } from './page.ts';
import { hoursAndMinutes, longDate } from './words.ts';
import type { Journey } from './index.ts';
import { carePages, careSections } from './carebank-care.ts';
import { answersForScheme, obligationPath, obligationRoutes } from './carebank-obligation.ts';

type Kind = 'banked' | 'pledged' | 'pledge-received' | 'donated' | 'pool-received' | 'claimed';

interface Entry {
  date: string;
  minutes: number;
  kind: Kind;
  with: string | null;
}

interface Bank {
  balanceMinutes: number;
  entries: Entry[];
}

const entryWords: Record<Kind, (e: Entry) => string> = {
  banked: (e) => `Care you gave${e.with ? ` to ${e.with}` : ''}`,
  pledged: (e) => `Pledged to ${e.with ?? 'a relative'}`,
  'pledge-received': (e) => `Pledged to you by ${e.with ?? 'a relative'}`,
  donated: () => "Given to the scheme's pool",
  'pool-received': () => "From the scheme's pool",
  claimed: () => 'Care you claimed',
};

const done = {
  pledged: { title: 'Hours pledged', say: (e: Entry) => `You pledged ${hoursAndMinutes(e.minutes)} to ${e.with ?? 'your relative'}` },
  claimed: { title: 'Care claimed', say: (e: Entry) => `You claimed ${hoursAndMinutes(e.minutes)} of care` },
  donated: { title: 'Hours given', say: (e: Entry) => `You gave ${hoursAndMinutes(e.minutes)} to the scheme's pool` },
} as const;

const bankedWords = (minutes: number) => (minutes === 0 ? 'no hours' : hoursAndMinutes(minutes));

export const careBankJourney: Journey = {
  links: (m: Membership) =>
    m.kind === 'care_bank_scheme'
      ? [
          { href: `/networks/${m.networkId}/care`, label: 'Your care bank: hours banked, pledges and claims' },
          { href: `/networks/${m.networkId}/care/log`, label: 'Log care you gave' },
          ...(answersForScheme(m) ? [{ href: obligationPath(m.networkId), label: "The scheme's obligation: hours banked and not yet claimed" }] : []),
        ]
      : [],
  routes: (_hearth: Hearth): FastifyPluginAsync => async (app) => {
    const base = '/networks/:networkId/care';
    type Params = { networkId: string; what?: string };
    const home = (networkId: string) => `/networks/${networkId}/care`;
    const crumbs = (m: Membership) => [...networkCrumbs(m), { href: home(m.networkId), label: 'Your care bank' }];
    // The balance and the newest entries: the page shows the latest page, as it always has.
    const bankOf = async (page: Page, m: Membership, after?: string): Promise<Bank> => {
      const { balanceMinutes, items } = await page.api.read<{ balanceMinutes: number; items: Bank['entries'] }>(`/networks/${m.networkId}/carebank/accounts/${page.me.personId}/entries`, { after });
      return { balanceMinutes, entries: items };
    };
    const hasErrors = (state: FormState) => Object.keys(state.errors).length > 0 || state.general !== undefined;

    app.get(base, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const m = page.memberOf((request.params as Params).networkId);
      const after = (request.query as { after?: string }).after;
      const [bank, care] = await Promise.all([bankOf(page, m, after), careSections(page, m, after)]);
      return page.show({
        title: 'Your care bank',
        crumbs: networkCrumbs(m),
        body: html`<h2>Hours banked</h2>
          <p class="figure">${hoursAndMinutes(bank.balanceMinutes)}</p>
          <p>Each hour of care you give, once the person you cared for confirms it, is banked for you. An hour banked keeps its value: an hour today is still an hour in twenty years.</p>
          ${care}
          <h2>What you can do</h2>
          ${bank.balanceMinutes > 0
            ? html`<ul class="actions">
                <li><a class="button" href="${home(m.networkId)}/claim">Claim care from your hours</a></li>
                <li><a class="button secondary" href="${home(m.networkId)}/pledge">Pledge hours to a relative</a></li>
                <li><a class="button secondary" href="${home(m.networkId)}/give">Give hours to the scheme's pool</a></li>
              </ul>`
            : html`<p>Once you have hours banked, you can claim care for yourself from them, or pledge them to a relative.</p>`}
          ${answersForScheme(m) ? html`<h2>For those who run the scheme</h2><p><a href="${obligationPath(m.networkId)}">The scheme's obligation: hours banked and not yet claimed, by age band, as at a date</a></p>` : html``}
          <h2>Your bank, newest first</h2>
          ${bank.entries.length === 0 ? html`<p>Nothing is banked yet.</p>` : entriesTable(bank.entries)}`,
      });
    });

    /** Says what is banked plainly when the API finds too little, rather than in fractions of an hour. */
    const plainly = (bank: Bank) => async (sent: Promise<Answer<{ position: number }>>) => {
      const answer = await sent;
      if (!answer.ok && answer.problem.type === '/problems/not-enough-banked') {
        answer.problem.detail = bank.balanceMinutes > 0 ? `You have ${hoursAndMinutes(bank.balanceMinutes)} banked. Enter that or less.` : 'You have no hours banked yet.';
      }
      return answer;
    };

    // Pledging hours to a relative.

    const pledgePage = async (page: Page, m: Membership, state: FormState) => {
      const [bank, directory] = await Promise.all([bankOf(page, m), page.api.readAll<{ personId: string; name: string }>(`/networks/${m.networkId}/directory`)]);
      const relatives = directory.items.filter((p) => p.personId !== page.me.personId).map((p) => ({ value: p.personId, label: p.name }));
      return page.show({
        title: 'Pledge hours to a relative',
        crumbs: crumbs(m),
        hasErrors: hasErrors(state),
        body: html`${errorSummary(state)}
          <p>Hours you pledge move from your bank to your relative's, for them to claim care with. You cannot take them back.</p>
          ${form(
            `${home(m.networkId)}/pledge`,
            state,
            page.csrfToken,
            html`${selectField(state, { name: 'relative', label: 'Who are you pledging hours to?', hint: 'They must be a member of this care bank. If they are not listed, ask your coordinator to add them.', options: relatives, prompt: 'Choose your relative' })}
              ${durationField(state, { name: 'duration', label: 'How many hours?', hint: `You have ${bankedWords(bank.balanceMinutes)} banked. For example, 2 hours 0 minutes.` })}`,
            'Pledge these hours',
          )}`,
      });
    };

    app.get(`${base}/pledge`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      return pledgePage(page, page.memberOf((request.params as Params).networkId), formState());
    });

    app.post(`${base}/pledge`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const m = page.memberOf((request.params as Params).networkId);
      const state = posted(request.body);
      const relativeId = readText(state, 'relative', 'Choose the relative you are pledging hours to', 64);
      const minutes = readDuration(state, 'duration', 'Enter how many hours you are pledging');
      const bank = await bankOf(page, m);
      return submit(
        page,
        state,
        () => plainly(bank)(page.api.send<{ position: number }>('POST', `/networks/${m.networkId}/carebank/pledges`, { relativeId, minutes }, { key: state.values._key! })),
        { relativeId: 'relative', minutes: 'duration' },
        (s) => pledgePage(page, m, s),
        (body) => `${home(m.networkId)}/done/pledged?after=${body.position}`,
      );
    });

    // Claiming care, and giving hours to the scheme's pool: hours out of one's own bank, nothing else asked.

    const fromOwnHours = [
      {
        what: 'claimed',
        title: 'Claim care from your hours',
        say: 'The hours you claim come out of your bank now, and your coordinator arranges the care with you.',
        label: 'How much care do you want to claim?',
        example: '1 hour 30 minutes',
        missing: 'Enter how much care you want to claim',
        button: 'Claim this care',
        api: 'claims',
      },
      {
        what: 'donated',
        title: "Give hours to the scheme's pool",
        say: "Hours you give leave your bank for the scheme's pool, which its coordinators give to members who need care and have too few hours. You cannot take them back.",
        label: 'How many hours do you want to give?',
        example: '2 hours 0 minutes',
        missing: 'Enter how many hours you want to give',
        button: 'Give these hours',
        api: 'pool-donations',
      },
    ] as const;

    for (const task of fromOwnHours) {
      const path = task.what === 'claimed' ? 'claim' : 'give';
      const taskPage = async (page: Page, m: Membership, state: FormState) => {
        const bank = await bankOf(page, m);
        return page.show({
          title: task.title,
          crumbs: crumbs(m),
          hasErrors: hasErrors(state),
          body: html`${errorSummary(state)}
            <p>${task.say}</p>
            ${form(
              `${home(m.networkId)}/${path}`,
              state,
              page.csrfToken,
              durationField(state, { name: 'duration', label: task.label, hint: `You have ${bankedWords(bank.balanceMinutes)} banked. For example, ${task.example}.` }),
              task.button,
            )}`,
        });
      };

      app.get(`${base}/${path}`, { schema: { hide: true } }, async (request, reply) => {
        const page = await pageFor(app, request, reply);
        return taskPage(page, page.memberOf((request.params as Params).networkId), formState());
      });

      app.post(`${base}/${path}`, { schema: { hide: true } }, async (request, reply) => {
        const page = await pageFor(app, request, reply);
        const m = page.memberOf((request.params as Params).networkId);
        const state = posted(request.body);
        const minutes = readDuration(state, 'duration', task.missing);
        const bank = await bankOf(page, m);
        return submit(
          page,
          state,
          () => plainly(bank)(page.api.send<{ position: number }>('POST', `/networks/${m.networkId}/carebank/${task.api}`, { minutes }, { key: state.values._key! })),
          { minutes: 'duration' },
          (s) => taskPage(page, m, s),
          (body) => `${home(m.networkId)}/done/${task.what}?after=${body.position}`,
        );
      });
    }

    await app.register(carePages);
    obligationRoutes(app);

    // What a pledge, claim or gift did: the newest entry of its kind, and what is left.

    app.get(`${base}/done/:what`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const { networkId, what } = request.params as Params;
      const m = page.memberOf(networkId);
      if (what !== 'pledged' && what !== 'claimed' && what !== 'donated') return reply.redirect(home(networkId), 303);
      const bank = await bankOf(page, m, (request.query as { after?: string }).after);
      const entry = bank.entries.find((e) => e.kind === what);
      const outcome = done[what];
      return page.show({
        title: outcome.title,
        crumbs: crumbs(m),
        body: html`<div class="panel" role="status">
            ${entry ? html`<h2>${outcome.say({ ...entry, minutes: -entry.minutes })}</h2>` : html``}
            <p>You now have ${bankedWords(bank.balanceMinutes)} banked.</p>
          </div>
          <p><a href="${home(m.networkId)}">Back to your care bank</a></p>`,
      });
    });
  },
};

function entriesTable(entries: Entry[]): Html {
  return html`<div class="table-scroll"><table><caption>Hours into and out of your bank</caption>
    <thead><tr><th scope="col">Date</th><th scope="col">What happened</th><th scope="col" class="num">Hours in</th><th scope="col" class="num">Hours out</th></tr></thead>
    <tbody>${entries.map(
      (e) => html`<tr><td>${longDate(e.date)}</td><td>${entryWords[e.kind](e)}</td><td class="num">${e.minutes > 0 ? hoursAndMinutes(e.minutes) : ''}</td><td class="num">${e.minutes < 0 ? hoursAndMinutes(e.minutes) : ''}</td></tr>`,
    )}</tbody></table></div>`;
}
