// Offers and requests as pages: finding them (words, kind of help, area), one post in full,
// posting and changing one (checked before it is sent), pausing, renewing and closing it, one's
// own posts, a coordinator posting for a member (?for=personId) and the requests nobody has
// answered. Leaving the time bank is here too, since it closes one's posts. Every rule is the
// API's; these pages only ask and show.
import type { FastifyPluginAsync } from 'fastify';
import type { Hearth } from '../hearth.ts';
import { html, type Html } from '../http/html.ts';
import { dateField, dateValues, errorSummary, form, formState, posted, radioField, readChoice, readDate, readText, selectField, textArea, textField, type FormState } from './forms.ts';
import { networkCrumbs, pageFor, submit, type Membership, type Page } from './page.ts';
import { longDate } from './words.ts';
import type { Journey } from './index.ts';
import { checkAnswers, stepOf } from './answers.ts';
import { weekdays } from '../timebank/post.ts';
import type { PostSummary, readPost } from '../timebank/posts-app.ts';

/** What the API answers, as the use cases shape it. */
type Summary = PostSummary;
type Full = Awaited<ReturnType<typeof readPost>>;

const kindWords = { offer: 'Offer', request: 'Request' } as const;
const statusWords: Record<Summary['status'], string> = { open: 'open', paused: 'paused', arranged: 'help arranged', closed: 'closed' };
const dayName = (d: string) => d[0]!.toUpperCase() + d.slice(1);

/** Several values of one field (checkboxes), whether posted as repeats or carried as one joined value. */
function many(body: unknown, name: string): string {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  const all = Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : [];
  return all.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean).join(',');
}
const listOf = (value: string | undefined) => (value ? value.split(',').filter(Boolean) : []);

function checkboxes(state: FormState, spec: { name: string; label: string; hint?: string; options: Array<{ value: string; label: string }> }): Html {
  const chosen = listOf(state.values[spec.name]);
  const error = state.errors[spec.name];
  return html`<div class="${error ? 'field invalid' : 'field'}"><fieldset${spec.hint ? html` aria-describedby="f-${spec.name}-hint"` : html``}><legend>${spec.label}</legend>${spec.hint ? html`<p class="hint" id="f-${spec.name}-hint">${spec.hint}</p>` : html``}${error ? html`<p class="error" id="f-${spec.name}-error"><span class="visually-hidden">Error: </span>${error}</p>` : html``}${spec.options.map(
    (o, i) => html`<div class="choice"><input type="checkbox" id="f-${spec.name}${i === 0 ? '' : `-${i}`}" name="${spec.name}" value="${o.value}"${chosen.includes(o.value) ? html` checked` : html``}><label for="f-${spec.name}${i === 0 ? '' : `-${i}`}">${o.label}</label></div>`,
  )}</fieldset></div>`;
}

function postLine(networkId: string, p: Summary, forQuery = ''): Html {
  return html`<li><a href="/networks/${networkId}/posts/${p.postId}${forQuery ? `?${forQuery}` : ''}">${kindWords[p.kind]}: ${p.title}</a>
    <span class="hint">${p.category}${p.area ? `, ${p.area}` : ''}; by ${p.ownerName}${p.fromNetwork ? ` of ${p.fromNetwork}` : ''}${p.neededBy ? `; needed by ${longDate(p.neededBy)}` : ''}${p.status === 'open' ? '' : `; ${statusWords[p.status]}`}</span></li>`;
}

export const postsJourney: Journey = {
  links: (m: Membership) =>
    m.kind === 'time_bank'
      ? [
          { href: `/networks/${m.networkId}/posts`, label: 'Offers and requests: find help, or offer it' },
          ...(m.roles.includes('coordinator') ? [{ href: `/networks/${m.networkId}/posts/unanswered`, label: 'Requests nobody has answered' }] : []),
          { href: `/networks/${m.networkId}/leave`, label: 'Leave this time bank' },
        ]
      : [],
  routes: (_hearth: Hearth): FastifyPluginAsync => async (app) => {
    const base = '/networks/:networkId/posts';
    type Params = { networkId: string; postId: string };

    /** One's own posts, or, for a coordinator, the member named in ?for= (the API decides whether they may). */
    function subjectOf(page: Page, m: Membership): { personId: string; forQuery: string; onBehalfOf?: string } {
      const wanted = (page.request.query as { for?: string }).for;
      if (!wanted || wanted === page.me.personId || !/^[0-9a-f-]{36}$/i.test(wanted)) return { personId: page.me.personId, forQuery: '' };
      return { personId: wanted, forQuery: `for=${encodeURIComponent(wanted)}`, onBehalfOf: m.roles.includes('coordinator') ? wanted : undefined };
    }
    const withQuery = (path: string, ...parts: string[]) => {
      const query = parts.filter(Boolean).join('&');
      return query ? `${path}?${query}` : path;
    };
    const crumbs = (m: Membership) => [...networkCrumbs(m), { href: `/networks/${m.networkId}/posts`, label: 'Offers and requests' }];

    // ---- finding ----

    app.get(base, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const m = page.memberOf((request.params as Params).networkId);
      const query = request.query as Record<string, string | undefined>;
      const search = { q: query.q || undefined, kind: query.kind === 'offer' || query.kind === 'request' ? query.kind : undefined, category: query.category || undefined, area: query.area || undefined };
      const [found, settings] = await Promise.all([
        page.api.read<{ items: Summary[]; next: string | null }>(`/networks/${m.networkId}/timebank/posts`, { ...search, cursor: query.cursor || undefined, after: query.after, limit: 20 }),
        page.api.read<{ categories: Array<{ category: string }> }>(`/networks/${m.networkId}/timebank/settings`),
      ]);
      const state = formState({ q: search.q, kind: search.kind ?? '', category: search.category, area: search.area });
      const nextQuery = new URLSearchParams(Object.entries({ ...search, cursor: found.next ?? undefined }).filter((e): e is [string, string] => e[1] !== undefined));
      return page.show({
        title: 'Offers and requests',
        crumbs: networkCrumbs(m),
        body: html`<p><a class="button" href="/networks/${m.networkId}/posts/new">Post an offer or a request</a> <a class="button secondary" href="/networks/${m.networkId}/posts/mine">Your offers and requests</a></p>
          <form method="get" action="/networks/${m.networkId}/posts" role="search" aria-label="Find offers and requests">
            ${textField(state, { name: 'q', label: 'Words to look for', hint: 'For example, garden, shopping or lifts' })}
            ${radioField(state, { name: 'kind', label: 'Show', options: [{ value: '', label: 'Offers and requests' }, { value: 'offer', label: 'Only offers of help' }, { value: 'request', label: 'Only requests for help' }] })}
            ${selectField(state, { name: 'category', label: 'Kind of help', options: settings.categories.map((c) => ({ value: c.category, label: c.category })), prompt: 'Any kind' })}
            ${textField(state, { name: 'area', label: 'Area', hint: 'A postcode district, like LS12, or a neighbourhood', width: '14em' })}
            <button type="submit">Search</button>
          </form>
          <h2>${found.items.length === 0 ? 'Nothing found' : 'Newest first'}</h2>
          ${found.items.length === 0 ? html`<p>No open offers or requests match. Try fewer words, or another area.</p>` : html`<ul class="actions">${found.items.map((p) => postLine(m.networkId, p))}</ul>`}
          ${found.next ? html`<p><a href="/networks/${m.networkId}/posts?${nextQuery.toString()}">More offers and requests</a></p>` : html``}`,
      });
    });

    app.get(`${base}/mine`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const m = page.memberOf((request.params as Params).networkId);
      const mine = await page.api.readAll<Summary>(`/networks/${m.networkId}/timebank/posts/mine`, { after: (request.query as { after?: string }).after });
      return page.show({
        title: 'Your offers and requests',
        crumbs: crumbs(m),
        body: html`<p><a class="button" href="/networks/${m.networkId}/posts/new">Post an offer or a request</a></p>
          ${mine.items.length === 0 ? html`<p>You have not posted anything yet.</p>` : html`<ul class="actions">${mine.items.map((p) => postLine(m.networkId, p))}</ul>`}`,
      });
    });

    app.get(`${base}/unanswered`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const m = page.memberOf((request.params as Params).networkId);
      const raw = (request.query as { days?: string }).days;
      const days = raw && /^\d{1,3}$/.test(raw) ? Number(raw) : 7;
      const list = await page.api.readAll<Summary>(`/networks/${m.networkId}/timebank/posts/unanswered`, { days });
      const state = formState({ days: String(days) });
      return page.show({
        title: 'Requests nobody has answered',
        crumbs: crumbs(m),
        body: html`<form method="get" action="/networks/${m.networkId}/posts/unanswered">${textField(state, { name: 'days', label: 'Waiting for at least how many days?', inputmode: 'numeric', width: '6em' })}<button type="submit">Show</button></form>
          ${list.items.length === 0 ? html`<p>Every request posted at least ${days} days ago has been answered.</p>` : html`<p>Oldest first. Ring the member, or find someone to help and post for them.</p><ul class="actions">${list.items.map((p) => postLine(m.networkId, p))}</ul>`}`,
      });
    });

    // ---- posting and changing ----

    const postForm = async (page: Page, m: Membership, state: FormState, action: string, title: string, withKind: boolean) => {
      const [settings, partners] = await Promise.all([
        page.api.read<{ categories: Array<{ category: string }> }>(`/networks/${m.networkId}/timebank/settings`),
        page.api.readAll<{ partnerNetworkId: string; partnerName: string; status: string }>(`/networks/${m.networkId}/partnerships`),
      ]);
      const active = partners.items.filter((p) => p.status === 'active');
      return page.show({
        title,
        crumbs: crumbs(m),
        hasErrors: Object.keys(state.errors).length > 0 || state.general !== undefined,
        body: html`${errorSummary(state)}
          ${form(
            action,
            state,
            page.csrfToken,
            html`${withKind ? radioField(state, { name: 'kind', label: 'Are you offering help or asking for it?', options: [{ value: 'offer', label: 'Offering help' }, { value: 'request', label: 'Asking for help' }] }) : html``}
              ${textField(state, { name: 'title', label: 'Title', hint: 'A few words, for example "Lifts to the shops on Fridays"' })}
              ${selectField(state, { name: 'category', label: 'What kind of help?', options: settings.categories.map((c) => ({ value: c.category, label: c.category })), prompt: 'Choose one' })}
              ${textArea(state, { name: 'description', label: 'More about it (optional)', hint: 'Only members who may see the post read this. Do not put your address or phone number here.', rows: 4 })}
              ${textField(state, { name: 'tags', label: 'Tags (optional)', hint: 'Words people might search for, with commas between them, for example "dog walking, pets"' })}
              ${textField(state, { name: 'area', label: 'Area (optional)', hint: 'A postcode district, like LS12, or a neighbourhood. Never your full address or postcode.', width: '14em' })}
              ${textField(state, { name: 'suitsNote', label: 'When suits you (optional)', hint: 'For example, "weekday mornings"' })}
              ${checkboxes(state, { name: 'weekdays', label: 'Which days suit you? (optional)', options: weekdays.map((d) => ({ value: d, label: dayName(d) })) })}
              ${state.values.kind === 'offer' ? html`` : dateField(state, { name: 'neededBy', label: 'For a request: needed by (optional)', hint: 'Leave blank if there is no date. For example, 27 3 2027' })}
              ${active.length === 0 ? html`` : checkboxes(state, { name: 'sharedWith', label: 'Share with partner time banks (optional)', hint: 'Their members can find it too', options: active.map((p) => ({ value: p.partnerNetworkId, label: p.partnerName })) })}`,
            'Continue',
          )}`,
      });
    };

    /** What the form says, read into the API's shape; mistakes are recorded beside their fields. */
    function readPost(state: FormState) {
      const title = readText(state, 'title', 'Enter a title', 120);
      const category = readText(state, 'category', 'Choose what kind of help it is', 60);
      const description = state.values.description ?? '';
      if (description.length > 2000) state.errors.description = 'Use 2000 characters or fewer';
      const tags = [...new Set((state.values.tags ?? '').split(',').map((t) => t.trim().toLowerCase()).filter(Boolean))];
      if (tags.length > 10) state.errors.tags = 'Use 10 tags or fewer';
      const dateGiven = ['day', 'month', 'year'].some((p) => state.values[`neededBy-${p}`]);
      const neededBy = dateGiven ? readDate(state, 'neededBy', 'Enter the date the help is needed by') : null;
      return {
        title,
        category,
        description,
        tags,
        area: state.values.area || null,
        suits: { note: state.values.suitsNote ?? '', weekdays: listOf(state.values.weekdays) },
        neededBy: neededBy ?? null,
        sharedWith: listOf(state.values.sharedWith),
      };
    }
    const fields = { title: 'title', category: 'category', description: 'description', tags: 'tags', area: 'area', suits: 'suitsNote', neededBy: 'neededBy', sharedWith: 'sharedWith', kind: 'kind' };
    const stateOf = (body: unknown) => {
      const state = posted(body);
      state.values.weekdays = many(body, 'weekdays');
      state.values.sharedWith = many(body, 'sharedWith');
      return state;
    };
    const answersOf = (kind: string | undefined, d: ReturnType<typeof readPost>) => [
      ...(kind ? [{ question: 'Offering or asking', answer: kind === 'offer' ? 'Offering help' : 'Asking for help' }] : []),
      { question: 'Title', answer: d.title ?? '' },
      { question: 'Kind of help', answer: d.category ?? '' },
      { question: 'More about it', answer: d.description || 'Nothing more' },
      { question: 'Tags', answer: d.tags.join(', ') || 'None' },
      { question: 'Area', answer: d.area ?? 'Not given' },
      { question: 'When suits', answer: [d.suits.note, d.suits.weekdays.map(dayName).join(', ')].filter(Boolean).join('; ') || 'Not given' },
      ...(d.neededBy ? [{ question: 'Needed by', answer: longDate(d.neededBy) }] : []),
      ...(d.sharedWith.length > 0 ? [{ question: 'Shared with partner time banks', answer: `${d.sharedWith.length}` }] : []),
    ];

    app.get(`${base}/new`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const m = page.memberOf((request.params as Params).networkId);
      const who = subjectOf(page, m);
      return postForm(page, m, formState({ kind: 'offer' }), withQuery(`/networks/${m.networkId}/posts/new`, who.forQuery), who.onBehalfOf ? 'Post for a member' : 'Post an offer or a request', true);
    });

    app.post(`${base}/new`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const m = page.memberOf((request.params as Params).networkId);
      const who = subjectOf(page, m);
      const action = withQuery(`/networks/${m.networkId}/posts/new`, who.forQuery);
      const state = stateOf(request.body);
      const again = (s: FormState) => postForm(page, m, s, action, who.onBehalfOf ? 'Post for a member' : 'Post an offer or a request', true);
      if (stepOf(state) === 'change') return again(state);
      const kind = readChoice(state, 'kind', ['offer', 'request'] as const, 'Say whether you are offering help or asking for it');
      const details = readPost(state);
      if (kind === 'offer') details.neededBy = null;
      if (stepOf(state) !== 'confirm' && Object.keys(state.errors).length === 0) {
        return page.show({ title: 'Check your answers', crumbs: crumbs(m), body: html`<p>Check this before you post it.</p>${checkAnswers(action, state, page.csrfToken, answersOf(kind, details), 'Post it')}` });
      }
      return submit<{ postId: string; position: number }>(
        page,
        state,
        () => page.api.send('POST', `/networks/${m.networkId}/timebank/posts`, { kind, ...details }, { key: state.values._key!, onBehalfOf: who.onBehalfOf }),
        fields,
        again,
        (body) => withQuery(`/networks/${m.networkId}/posts/${body.postId}`, `after=${body.position}`, who.forQuery, 'done=posted'),
      );
    });

    const valuesOf = (p: Full): FormState['values'] => ({
      title: p.title,
      category: p.category,
      description: p.description,
      tags: p.tags.join(', '),
      area: p.area ?? '',
      suitsNote: p.suits.note,
      weekdays: p.suits.weekdays.join(','),
      sharedWith: p.sharedWith.join(','),
      kind: p.kind,
      ...(p.neededBy ? dateValues('neededBy', p.neededBy) : {}),
    });

    app.get(`${base}/:postId/edit`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const { networkId, postId } = request.params as Params;
      const m = page.memberOf(networkId);
      const who = subjectOf(page, m);
      const post = await page.api.read<Full>(`/networks/${networkId}/timebank/posts/${postId}`);
      return postForm(page, m, formState(valuesOf(post)), withQuery(`/networks/${networkId}/posts/${postId}/edit`, who.forQuery), `Change: ${post.title}`, false);
    });

    app.post(`${base}/:postId/edit`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const { networkId, postId } = request.params as Params;
      const m = page.memberOf(networkId);
      const who = subjectOf(page, m);
      const action = withQuery(`/networks/${networkId}/posts/${postId}/edit`, who.forQuery);
      const state = stateOf(request.body);
      const again = (s: FormState) => postForm(page, m, s, action, 'Change the post', false);
      if (stepOf(state) === 'change') return again(state);
      const details = readPost(state);
      if (state.values.kind === 'offer') details.neededBy = null;
      if (stepOf(state) !== 'confirm' && Object.keys(state.errors).length === 0) {
        return page.show({ title: 'Check your answers', crumbs: crumbs(m), body: html`<p>Check this before you save it.</p>${checkAnswers(action, state, page.csrfToken, answersOf(undefined, details), 'Save the changes')}` });
      }
      return submit<{ position: number }>(
        page,
        state,
        () => page.api.send('PUT', `/networks/${networkId}/timebank/posts/${postId}`, details, { key: state.values._key!, onBehalfOf: who.onBehalfOf }),
        fields,
        again,
        (body) => withQuery(`/networks/${networkId}/posts/${postId}`, `after=${body.position}`, who.forQuery, 'done=changed'),
      );
    });

    // ---- one post, and what its owner does with it ----

    const doneWords: Record<string, string> = { posted: 'Your post is up. Members can find it now.', changed: 'The changes are saved.', paused: 'The post is paused: nobody finds it until you renew it.', renewed: 'The post is open again for 90 days.', closed: 'The post is closed.' };

    app.get(`${base}/:postId`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const { networkId, postId } = request.params as Params;
      const m = page.memberOf(networkId);
      const who = subjectOf(page, m);
      const query = request.query as { after?: string; done?: string };
      const post = await page.api.read<Full>(`/networks/${networkId}/timebank/posts/${postId}`, { after: query.after });
      const act = (path: string, label: string, cls = 'secondary') =>
        form(withQuery(`/networks/${networkId}/posts/${postId}/${path}`, who.forQuery), formState(), page.csrfToken, html``, label, { cls: 'inline', buttonClass: cls });
      const said = query.done ? doneWords[query.done] : undefined;
      return page.show({
        title: `${kindWords[post.kind]}: ${post.title}`,
        crumbs: crumbs(m),
        body: html`${said ? html`<div class="panel" role="status"><p>${said}</p></div>` : html``}
          <dl class="summary">
            <dt>Posted by</dt><dd>${post.ownerName}</dd>
            <dt>Kind of help</dt><dd>${post.category}</dd>
            <dt>About it</dt><dd>${post.description || 'Nothing more'}</dd>
            ${post.tags.length > 0 ? html`<dt>Tags</dt><dd>${post.tags.join(', ')}</dd>` : html``}
            <dt>Area</dt><dd>${post.area ?? 'Not given'}</dd>
            <dt>When suits</dt><dd>${[post.suits.note, post.suits.weekdays.map(dayName).join(', ')].filter(Boolean).join('; ') || 'Not given'}</dd>
            ${post.neededBy ? html`<dt>Needed by</dt><dd>${longDate(post.neededBy)}</dd>` : html``}
            <dt>Status</dt><dd>${statusWords[post.status]}${post.status === 'open' ? `, until ${longDate(post.openUntil)}` : ''}</dd>
          </dl>
          ${post.mayChange && (post.status === 'open' || post.status === 'paused')
            ? html`<h2>Change this post</h2><p><a class="button secondary" href="${withQuery(`/networks/${networkId}/posts/${postId}/edit`, who.forQuery)}">Change what it says</a></p>
              ${post.status === 'open' ? act('pause', 'Pause it') : html``}${act('renew', post.status === 'paused' ? 'Open it again' : 'Renew it for 90 days')}${act('close', 'Close it', 'warning')}`
            : html``}
          ${post.ownerId === who.personId
            ? html`<p><a href="/networks/${networkId}/time/answers">Answers to your posts</a></p>`
            : post.status === 'open'
              ? html`<p><a class="button" href="/networks/${networkId}/time/posts/${postId}/answer">Answer this ${post.kind}</a></p>`
              : html``}
          <p><a href="/networks/${networkId}/posts">Back to offers and requests</a></p>`,
      });
    });

    for (const [path, api, done] of [
      ['pause', 'pause', 'paused'],
      ['renew', 'renewal', 'renewed'],
      ['close', 'closure', 'closed'],
    ] as const) {
      app.post(`${base}/:postId/${path}`, { schema: { hide: true } }, async (request, reply) => {
        const page = await pageFor(app, request, reply);
        const { networkId, postId } = request.params as Params;
        const m = page.memberOf(networkId);
        const who = subjectOf(page, m);
        const state = posted(request.body);
        const answer = await page.api.send<{ position: number }>('POST', `/networks/${networkId}/timebank/posts/${postId}/${api}`, path === 'close' ? {} : undefined, { key: state.values._key!, onBehalfOf: who.onBehalfOf });
        if (!answer.ok) return page.show({ title: 'That could not be done', crumbs: crumbs(m), body: html`<p>${answer.problem.detail ?? answer.problem.title}</p><p><a href="/networks/${networkId}/posts/${postId}">Back to the post</a></p>` }, answer.status);
        return reply.redirect(withQuery(`/networks/${networkId}/posts/${postId}`, `after=${answer.body.position}`, who.forQuery, `done=${done}`), 303);
      });
    }

    // ---- leaving ----

    app.get('/networks/:networkId/leave', { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const m = page.memberOf((request.params as Params).networkId);
      const who = subjectOf(page, m);
      const them = who.personId !== page.me.personId;
      return page.show({
        title: them ? 'Record that a member left' : `Leave ${m.networkName ?? 'this time bank'}`,
        crumbs: networkCrumbs(m),
        body: html`<p>${them ? 'They will no longer be a member. Their open offers and requests close.' : 'You will no longer be a member, and you will not see its pages. Your open offers and requests close. Your hours and exchanges stay in its records. You can ask to join again later.'}</p>
          ${form(withQuery(`/networks/${m.networkId}/leave`, them ? `for=${encodeURIComponent(who.personId)}` : ''), formState(), page.csrfToken, html``, them ? 'Record that they left' : 'Leave this time bank', { buttonClass: 'warning' })}
          <p><a href="/">Stay, and go back</a></p>`,
      });
    });

    app.post('/networks/:networkId/leave', { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const m = page.memberOf((request.params as Params).networkId);
      const wanted = (request.query as { for?: string }).for;
      const personId = wanted && /^[0-9a-f-]{36}$/i.test(wanted) ? wanted : page.me.personId;
      const state = posted(request.body);
      const answer = await page.api.send('POST', `/networks/${m.networkId}/members/${personId}/leaving`, {}, { key: state.values._key! });
      if (!answer.ok) return page.show({ title: 'That could not be done', crumbs: networkCrumbs(m), body: html`<p>${answer.problem.detail ?? answer.problem.title}</p>` }, answer.status);
      return reply.redirect(personId === page.me.personId ? '/' : `/networks/${m.networkId}/posts`, 303);
    });
  },
};
