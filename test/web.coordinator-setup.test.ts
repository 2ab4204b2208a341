// A coordinator sets up a time bank from pages alone, in a real browser, by keyboard and without
// JavaScript: opens it (checking the answers first), adds a kind of help, sets the usual limits,
// invites someone who accepts from their home page, and gives a member without an account a code
// that they claim at /claim. The other setup pages are covered over HTTP in
// web.coordinator-setup-pages.test.ts.
import t from 'tap';
import { browserHearth, checkPage, choose, freshPage, press, screenshot, signIn, typeInto } from './support/browser.ts';
import { send, setUp, signUp } from './support/http.ts';

const served = await browserHearth(t);
if (served) {
  const { app, hearth, browser, url } = served;
  const { db } = hearth.database;
  const cath = await signUp(app, 'Cath Coordinator');
  const dora = await signUp(app, 'Dora Dyson');
  // Dora is in another network Cath coordinates: that is how Cath finds her to invite.
  const bramley = (await setUp(send(app, 'POST', '/api/v1/networks', { name: 'Bramley Time Bank', kind: 'time_bank' }, cath.auth), 201)).json().networkId;
  await setUp(send(app, 'POST', `/api/v1/networks/${bramley}/invitations`, { personId: dora.personId }, cath.auth), 201);
  await setUp(send(app, 'POST', `/api/v1/networks/${bramley}/invitations/acceptance`, undefined, dora.auth), 200);

  const page = await freshPage(browser, url);
  const h1 = () => page.locator('h1').innerText();
  let networkId = '';

  t.test('opening a time bank: name and kind, the answers checked, then open', async (t) => {
    await signIn(page, cath);
    await press(page, page.getByRole('link', { name: 'Open a new network' }));
    await checkPage(t, page, 'open a network');
    await press(page, page.getByRole('button', { name: 'Continue' }));
    t.match(await page.locator('.error-summary').innerText(), /Enter the network’s name[\s\S]*Choose what kind of network it is/);
    await typeInto(page, page.getByLabel('Its name'), 'Kirkstall Time Bank');
    await choose(page, page.getByLabel(/^Time bank/));
    await press(page, page.getByRole('button', { name: 'Continue' }));
    t.equal(await h1(), 'Check your answers');
    await checkPage(t, page, 'check your answers');
    await press(page, page.getByRole('button', { name: 'Open the network' }));
    t.equal(await h1(), 'Network opened');
    t.match(await page.locator('.panel').innerText(), /Kirkstall Time Bank is open/);
    await checkPage(t, page, 'network opened');
    networkId = (await db.selectFrom('networks').select('network_id').where('name', '=', 'Kirkstall Time Bank').executeTakeFirstOrThrow()).network_id;
    const coordinator = await db.selectFrom('memberships').select('roles').where('network_id', '=', networkId).where('person_id', '=', cath.personId).executeTakeFirstOrThrow();
    t.ok(coordinator.roles.includes('coordinator'), 'the opener coordinates it');
  });

  t.test('a kind of help, and the usual limits', async (t) => {
    await press(page, page.getByRole('link', { name: 'Kinds of help and their rates' }));
    await checkPage(t, page, 'kinds of help');
    await typeInto(page, page.getByLabel('Kind of help'), 'gardening');
    await press(page, page.getByRole('button', { name: 'Save this kind of help' }));
    t.equal(await h1(), 'Kind of help saved');
    t.match(await page.locator('.panel').innerText(), /Members can now log gardening/);
    await page.goto(`/networks/${networkId}/time/log`);
    t.equal(await page.locator('select[name=category] option[value=gardening]').count(), 1, 'a member can now log gardening');

    await page.goto(`/networks/${networkId}/setup`);
    await press(page, page.getByRole('link', { name: 'Usual balance limits and the longest exchange' }));
    await typeInto(page, page.locator('input[name=lower-hours]'), '5');
    await typeInto(page, page.getByLabel('Why are you changing them?'), 'Agreed at the first meeting');
    await checkPage(t, page, 'usual limits');
    await press(page, page.getByRole('button', { name: 'Set the usual limits' }));
    t.equal(await h1(), 'Usual limits set');
    t.match(await page.locator('.panel').innerText(), /from minus 5 hours to 750 hours/);
  });

  t.test('an invitation, accepted from the home page', async (t) => {
    await page.goto(`/networks/${networkId}/setup`);
    await press(page, page.getByRole('link', { name: /^Invite people/ }));
    await checkPage(t, page, 'people');
    await screenshot(page, 'coordinator-setup');
    await press(page, page.getByRole('button', { name: 'Invite Dora Dyson' }));
    t.equal(await h1(), 'Invitation sent');

    const doras = await freshPage(browser, url);
    await signIn(doras, dora);
    await press(doras, doras.getByRole('link', { name: /Look at the invitation/ }));
    await checkPage(t, doras, 'an invitation');
    await press(doras, doras.getByRole('button', { name: 'Accept the invitation' }));
    t.equal(await doras.locator('h1').innerText(), 'You have joined');
    await doras.context().close();
    const membership = await db.selectFrom('memberships').select('status').where('network_id', '=', networkId).where('person_id', '=', dora.personId).executeTakeFirstOrThrow();
    t.equal(membership.status, 'active');
  });

  t.test('a code for a member without an account, claimed at /claim', async (t) => {
    const recorded = (await setUp(send(app, 'POST', `/api/v1/networks/${networkId}/members`, { name: 'Walter Whiteley' }, cath.auth), 201)).json();
    const walter = recorded.personId as string;
    // Read once the members list holds him, as a page reached from the recording would.
    await page.goto(`/networks/${networkId}/setup/people?after=${recorded.position}`);
    await press(page, page.getByRole('button', { name: 'Give Walter Whiteley a code' }));
    t.equal(await h1(), 'A way in for Walter Whiteley');
    await checkPage(t, page, 'a claim code');
    const code = await page.locator('.panel strong').innerText();

    const walters = await freshPage(browser, url);
    await walters.goto('/sign-in');
    await press(walters, walters.getByRole('link', { name: 'Set up your account with it' }));
    await typeInto(walters, walters.getByLabel('Your code'), code);
    await typeInto(walters, walters.getByLabel('Email address'), 'walter@example.org');
    await typeInto(walters, walters.getByLabel('Choose a password'), 'short');
    await press(walters, walters.getByRole('button', { name: 'Set up my account' }));
    t.match(await walters.locator('.error-summary').innerText(), /at least 12 characters/, 'a password too short is refused');
    await checkPage(t, walters, 'claim with errors');
    await typeInto(walters, walters.getByLabel('Your code'), code);
    await typeInto(walters, walters.getByLabel('Choose a password'), 'walter likes long passphrases');
    await press(walters, walters.getByRole('button', { name: 'Set up my account' }));
    t.equal(await walters.locator('h1').innerText(), 'Your account is ready');
    await signIn(walters, { personId: walter, email: 'walter@example.org', password: 'walter likes long passphrases', auth: { authorization: '' } });
    t.match(await walters.locator('main').innerText(), /Kirkstall Time Bank/, 'Walter signs in himself');
    await walters.context().close();
  });
}
