// A care-bank volunteer and co-op members doing their tasks on pages, in a real browser, by
// keyboard alone and without JavaScript: a volunteer logs care, checks the answers and sees it
// waiting; the person cared for confirms it and the hours are banked. A member applies for shares
// and the board issues them; a member proposes spending. The rest (disputes, notice to withdraw,
// declining, changing one's answers, refusals) is posted to the pages directly, as a signed-in
// browser would.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { browserHearth, checkPage, choose, freshPage, press, screenshot, select, signIn, typeDate, typeInto } from './support/browser.ts';
import { joined, send, setUp, signUp, type Person } from './support/http.ts';
import { careCoopRules } from './support/coop.ts';

const served = await browserHearth(t);
if (served) {
  const { app, hearth, browser, url } = served;
  const now = Date.now();
  const daysAgo = (n: number) => new Date(now - n * 86_400_000).toISOString().slice(0, 10);
  const born = (age: number) => `${new Date(now).getUTCFullYear() - age}-01-01`;
  const events = async (type: string) => (await hearth.store.readAll()).filter((e) => e.type === type).map((e) => e.data as Record<string, unknown>);

  // A care bank: Vera volunteers, Nell and Nora are cared for.
  const cath = await signUp(app, 'Cath Coordinator', { dateOfBirth: born(50) });
  const careId = (await setUp(send(app, 'POST', '/api/v1/networks', { name: 'Wharfedale Care Bank', kind: 'care_bank_scheme' }, cath.auth), 201)).json().networkId as string;
  async function careMember(name: string, age: number): Promise<Person> {
    const p = await signUp(app, name, { dateOfBirth: born(age) });
    await setUp(send(app, 'POST', `/api/v1/networks/${careId}/invitations`, { personId: p.personId }, cath.auth), 201);
    await setUp(send(app, 'POST', `/api/v1/networks/${careId}/invitations/acceptance`, undefined, p.auth), 200);
    return p;
  }
  const [vera, nell, nora] = await Promise.all([careMember('Vera Volunteer', 40), careMember('Nell Neighbour', 84), careMember('Nora Neighbour', 86)]);

  // A care co-op: Bert on the board; Ann in the network but not yet holding shares.
  const coopId = (await send(app, 'POST', '/api/v1/networks', { name: 'Holbeck Care Co-op', kind: 'co_operative' }, cath.auth)).json().networkId as string;
  const coopApi = `/api/v1/networks/${coopId}/coop`;
  const [bert, ann, bob] = await Promise.all([joined(app, coopId, cath, 'Bert Board', 'board'), joined(app, coopId, cath, 'Ann Ackroyd'), joined(app, coopId, cath, 'Bob Brierley')]);
  await setUp(send(app, 'POST', coopApi, { name: 'Holbeck Care Co-op Ltd', rules: careCoopRules, foundedOn: daysAgo(400) }, cath.auth), 201);
  const bobs = (await setUp(send(app, 'POST', `${coopApi}/applications`, { memberClass: 'supporters', pence: 5_000 }, bob.auth), 201)).json().applicationId as string;
  await setUp(send(app, 'POST', `${coopApi}/applications/${bobs}/issue`, { issuedOn: daysAgo(30) }, bert.auth), 200);

  const h1 = (page: Page) => page.locator('h1').innerText();
  const panel = (page: Page) => page.locator('.panel').innerText();

  /** Posts a page's form as the browser signed in on `page` would, without rendering what comes back. */
  async function poster(page: Page) {
    const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const csrf = await page.locator('header input[name=_csrf]').inputValue();
    return {
      post: (path: string, form: Record<string, string>) =>
        app.inject({ method: 'POST', url: path, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ _csrf: csrf, _key: randomUUID(), ...form }).toString() }),
      get: (path: string) => app.inject({ method: 'GET', url: path, headers: { cookie } }),
    };
  }

  const verasPage = await freshPage(browser, url);
  const yesterday = daysAgo(1);

  t.test('a volunteer logs care, checks the answers, and sees it waiting', async (t) => {
    await signIn(verasPage, vera);
    await press(verasPage, verasPage.getByRole('link', { name: /^Your care bank/ }));
    await press(verasPage, verasPage.getByRole('link', { name: 'Log care you gave' }));
    t.equal(await h1(verasPage), 'Log care you gave');
    await checkPage(t, verasPage, 'log care');
    await press(verasPage, verasPage.getByRole('button', { name: 'Continue' }));
    t.match(await verasPage.locator('#f-recipient-error').innerText(), /Choose the person you cared for/);
    t.match(await verasPage.locator('#f-activity-error').innerText(), /Choose what kind of care it was/);
    t.match(await verasPage.locator('#f-duration-error').innerText(), /Enter how long you gave care for/);

    await select(verasPage, verasPage.getByLabel('Who did you care for?'), 'Nell Neighbour');
    await choose(verasPage, verasPage.getByLabel('Befriending: a visit, a chat, company'));
    await typeDate(verasPage, 'date', yesterday);
    await typeInto(verasPage, verasPage.getByLabel('Hours', { exact: true }), '1');
    await typeInto(verasPage, verasPage.getByLabel('Minutes', { exact: true }), '30');
    await press(verasPage, verasPage.getByRole('button', { name: 'Continue' }));
    t.equal(await h1(verasPage), 'Check your answers');
    t.match(await verasPage.locator('dl.summary').innerText(), /Who you cared for\s+Nell Neighbour\s+Kind of care\s+Befriending: a visit, a chat, company\s+Date\s+.+\s+How long\s+1 hour 30 minutes/);
    t.same(await events('carebank.CareLogged'), [], 'nothing is sent before the answers are checked');
    await checkPage(t, verasPage, 'check your answers: care');

    await press(verasPage, verasPage.getByRole('button', { name: 'Log this care' }));
    t.equal(await h1(verasPage), 'Care logged');
    t.match(await panel(verasPage), /You gave 1 hour 30 minutes of care to Nell Neighbour.*Nell Neighbour will be asked to confirm it/s);
    t.match(await verasPage.locator('dl.summary').innerText(), /Status\s+waiting to be confirmed/);
    t.match(await events('carebank.CareLogged'), [{ volunteerId: vera.personId, recipientId: nell.personId, minutes: 90, activity: 'befriending', occurredOn: yesterday }]);
    t.equal(await verasPage.getByRole('button', { name: 'Yes, confirm it' }).count(), 0, 'the volunteer is not offered to confirm it');

    await press(verasPage, verasPage.getByRole('link', { name: 'Back to your care bank' }));
    t.match(await verasPage.locator('main').innerText(), /You gave 1 hour 30 minutes of care to Nell Neighbour on .+: waiting to be confirmed/);
  });

  t.test('the person cared for confirms it, and the hours are banked', async (t) => {
    const nellsPage = await freshPage(browser, url);
    await signIn(nellsPage, nell);
    await press(nellsPage, nellsPage.getByRole('link', { name: /^Your care bank/ }));
    t.match(await nellsPage.locator('main').innerText(), /Waiting for you to confirm\s+Vera Volunteer gave you 1 hour 30 minutes of care/);
    await press(nellsPage, nellsPage.getByRole('link', { name: /^Vera Volunteer gave you 1 hour 30 minutes of care/ }));
    t.equal(await h1(nellsPage), 'Care given');
    await checkPage(t, nellsPage, 'care to confirm');
    await press(nellsPage, nellsPage.getByRole('button', { name: 'Yes, confirm it' }));
    t.equal(await h1(nellsPage), 'Care confirmed');
    t.match(await panel(nellsPage), /The hours are banked for Vera Volunteer/);
    await nellsPage.context().close();

    await verasPage.goto(`/networks/${careId}/care`);
    t.equal(await verasPage.locator('.figure').innerText(), '1 hour 30 minutes', 'banked for the volunteer');
    t.match(await verasPage.locator('main').innerText(), /to Nell Neighbour on .+: confirmed and banked/);
    await screenshot(verasPage, 'care-given');
  });

  t.test('care disputed, refused confirmations, and changing the answers, posted directly', async (t) => {
    const vera$ = await poster(verasPage);
    const form = { recipient: nora.personId, activity: 'shopping', 'date-day': yesterday.slice(8), 'date-month': yesterday.slice(5, 7), 'date-year': yesterday.slice(0, 4), 'duration-hours': '2', 'duration-minutes': '0' };
    const change = await vera$.post(`/networks/${careId}/care/log`, { ...form, _step: 'change' });
    t.equal(change.statusCode, 200);
    t.match(change.body, /<h1>Log care you gave<\/h1>/, 'changing the answers shows the form again');
    t.match(change.body, new RegExp(`<option value="${nora.personId}" selected>`), 'with what was typed');
    const key = randomUUID();
    const logged = await vera$.post(`/networks/${careId}/care/log`, { ...form, _step: 'confirm', _key: key });
    t.equal(logged.statusCode, 303);
    const again = await vera$.post(`/networks/${careId}/care/log`, { ...form, _step: 'confirm', _key: key });
    t.equal(again.headers.location, logged.headers.location, 'the same answers sent twice are one record');
    t.equal((await events('carebank.CareLogged')).length, 2);
    const record = String(logged.headers.location).split('?')[0]!;

    const own = await vera$.post(`${record}/confirm`, {});
    t.equal(own.statusCode, 422, 'the volunteer cannot confirm their own care');
    t.match(own.body, /Only the person cared for, or a coordinator, may confirm care/);

    const noraPage = await freshPage(browser, url);
    await signIn(noraPage, nora);
    const nora$ = await poster(noraPage);
    const empty = await nora$.post(`${record}/dispute`, { reason: '' });
    t.equal(empty.statusCode, 422);
    t.match(empty.body, /Say what is wrong with it/);
    const disputed = await nora$.post(`${record}/dispute`, { reason: 'Vera came for one hour, not two' });
    t.equal(disputed.statusCode, 303);
    const shown = await nora$.get(String(disputed.headers.location));
    t.match(shown.body, /<h1>Care disputed<\/h1>/);
    t.match(shown.body, /Status<\/dt><dd>disputed/);
    t.notMatch(shown.body, /Yes, confirm it/, 'disputed care waits for a coordinator');
    t.match(await events('carebank.CareDisputed'), [{ disputedBy: nora.personId }]);
    await noraPage.context().close();

    const cathPage = await freshPage(browser, url);
    await signIn(cathPage, cath);
    const cath$ = await poster(cathPage);
    const cathsBank = await cath$.get(`/networks/${careId}/care`);
    t.match(cathsBank.body, /Vera Volunteer gave 2 hours of care to Nora Neighbour/, 'a coordinator sees disputed care waiting for her');
    t.equal((await cath$.post(`${record}/confirm`, {})).statusCode, 303, 'and settles it');
    await cathPage.context().close();
  });

  const annsPage = await freshPage(browser, url);

  t.test('a member applies for shares, checking the answers', async (t) => {
    await signIn(annsPage, ann);
    await press(annsPage, annsPage.getByRole('link', { name: 'Apply for shares' }));
    t.equal(await h1(annsPage), 'Apply for shares');
    await checkPage(t, annsPage, 'apply for shares');
    await choose(annsPage, annsPage.getByLabel('workers'));
    await typeInto(annsPage, annsPage.getByLabel('How much do you want to put in shares?'), 'lots');
    await press(annsPage, annsPage.getByRole('button', { name: 'Continue' }));
    t.match(await annsPage.locator('#f-amount-error').innerText(), /Enter an amount in pounds and pence/);
    await typeInto(annsPage, annsPage.getByLabel('How much do you want to put in shares?'), '25.50');
    await press(annsPage, annsPage.getByRole('button', { name: 'Continue' }));
    t.equal(await h1(annsPage), 'Check your answers');
    t.match(await annsPage.locator('dl.summary').innerText(), /Kind of member\s+workers\s+Shares\s+£25\.50/);
    await checkPage(t, annsPage, 'check your answers: shares');
    await press(annsPage, annsPage.getByRole('button', { name: 'Send the application' }));
    t.equal(await h1(annsPage), 'Application sent');
    t.match(await events('coop.SharesApplied'), [{}, { personId: ann.personId, memberClass: 'workers', pence: 2_550 }], 'sent in whole pence');
  });

  t.test('the board issues them, and the register shows the new member', async (t) => {
    const bertsPage = await freshPage(browser, url);
    await signIn(bertsPage, bert);
    await press(bertsPage, bertsPage.getByRole('link', { name: 'Applications for shares' }));
    t.equal(await h1(bertsPage), 'Applications for shares');
    await press(bertsPage, bertsPage.getByRole('link', { name: 'Ann Ackroyd' }));
    t.equal(await h1(bertsPage), 'Application from Ann Ackroyd');
    await checkPage(t, bertsPage, 'an application');
    await press(bertsPage, bertsPage.getByRole('button', { name: 'Issue the shares' }));
    t.equal(await h1(bertsPage), 'Shares issued');
    t.match(await bertsPage.locator('main').innerText(), /No applications are waiting/);
    await press(bertsPage, bertsPage.getByRole('link', { name: 'Register of members' }));
    t.match(await bertsPage.locator('table').innerText(), /Ann Ackroyd\s+workers\s+.+\s+£1\.00\s+£25\.50/);
    await bertsPage.context().close();
  });

  t.test('a member proposes spending', async (t) => {
    await annsPage.goto(`/networks/${coopId}/coop/proposals`);
    await press(annsPage, annsPage.getByRole('link', { name: 'Propose spending' }));
    t.equal(await h1(annsPage), 'Propose spending');
    await checkPage(t, annsPage, 'propose spending');
    await typeInto(annsPage, annsPage.getByLabel('What is it?'), 'Minibus repairs');
    await typeInto(annsPage, annsPage.getByLabel('How much will it cost?'), '350');
    await typeInto(annsPage, annsPage.getByLabel('Who will be paid?'), 'Kirkstall Garage');
    await typeInto(annsPage, annsPage.getByLabel('Why should the co-op pay for it?'), 'The minibus takes members to the day centre');
    await press(annsPage, annsPage.getByRole('button', { name: 'Continue' }));
    t.equal(await h1(annsPage), 'Check your answers');
    t.match(await annsPage.locator('dl.summary').innerText(), /What it is\s+Minibus repairs\s+How much\s+£350\.00\s+Paid to\s+Kirkstall Garage\s+Why\s+The minibus takes members to the day centre\s+Voting closes\s+\d+:00pm on/);
    await screenshot(annsPage, 'propose-spending-check');
    await press(annsPage, annsPage.getByRole('button', { name: 'Send the proposal' }));
    t.equal(await h1(annsPage), 'Proposal sent');
    t.match(await panel(annsPage), /"Minibus repairs" is recorded/);
    t.match(await events('coop.ProposalMade'), [{ title: 'Minibus repairs', pence: 35_000, payee: 'Kirkstall Garage', proposedBy: ann.personId, source: { kind: 'funds' } }]);
  });

  t.test('notice to withdraw, declining, and the board only, posted directly', async (t) => {
    const ann$ = await poster(annsPage);
    const tooMuch = await ann$.post(`/networks/${coopId}/coop/withdraw`, { amount: '500', _step: 'confirm' });
    t.equal(tooMuch.statusCode, 422, 'more than is held is refused');
    t.match(tooMuch.body, /class="error-summary"/);
    const check = await ann$.post(`/networks/${coopId}/coop/withdraw`, { amount: '10' });
    t.match(check.body, /<h1>Check your answers<\/h1>/);
    t.match(check.body, /To withdraw<\/dt><dd>£10\.00/);
    const notice = await ann$.post(`/networks/${coopId}/coop/withdraw`, { amount: '10', _step: 'confirm' });
    t.equal(notice.statusCode, 303);
    t.match((await ann$.get(String(notice.headers.location))).body, /Your shares can be paid back to you from/);
    t.match(await events('coop.WithdrawalRequested'), [{ personId: ann.personId, pence: 1_000 }]);

    t.equal((await ann$.get(`/networks/${coopId}/coop/applications`)).statusCode, 403, 'a member who is not on the board is turned away from applications');
    const again = await ann$.post(`/networks/${coopId}/coop/apply`, { memberClass: 'workers', amount: '5', _step: 'confirm' });
    t.equal(again.statusCode, 303, 'a member applies for more');

    const bertsPage = await freshPage(browser, url);
    await signIn(bertsPage, bert);
    const bert$ = await poster(bertsPage);
    const [waiting] = (await app.inject({ method: 'GET', url: `${coopApi}/applications?status=applied`, headers: bert.auth })).json().items as Array<{ applicationId: string }>;
    const noReason = await bert$.post(`/networks/${coopId}/coop/applications/${waiting!.applicationId}/decline`, { _form: 'decline', reason: '' });
    t.equal(noReason.statusCode, 422);
    t.match(noReason.body, /Say why the application is declined/);
    const declined = await bert$.post(`/networks/${coopId}/coop/applications/${waiting!.applicationId}/decline`, { _form: 'decline', reason: 'Above the holding the board allows this year' });
    t.equal(declined.statusCode, 303);
    t.match((await bert$.get(String(declined.headers.location))).body, /<h1>Application declined<\/h1>/);
    t.match(await events('coop.ApplicationDeclined'), [{ applicationId: waiting!.applicationId, declinedBy: bert.personId }]);
    await bertsPage.context().close();
  });
}
