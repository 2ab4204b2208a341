// Offers and requests in a real browser, by keyboard alone and without JavaScript: Ann posts an
// offer, checks her answers, finds it by a word, pauses it; the coordinator sees the request
// nobody has answered. Every page is checked by axe and for reflow.
import t from 'tap';
import { browserHearth, checkPage, choose, freshPage, press, screenshot, select, signIn, typeInto } from './support/browser.ts';
import { joined, send, signUp } from './support/http.ts';

const served = await browserHearth(t);
if (served) {
  const { app, hearth, browser, url } = served;
  const cath = await signUp(app, 'Cath Coordinator');
  const networkId = (await send(app, 'POST', '/api/v1/networks', { name: 'Armley Time Bank', kind: 'time_bank' }, cath.auth)).json().networkId as string;
  const ann = await joined(app, networkId, cath, 'Ann Atkinson');
  const bob = await joined(app, networkId, cath, 'Bob Butterworth');
  for (const category of ['gardening', 'shopping']) await send(app, 'PUT', `/api/v1/networks/${networkId}/timebank/categories/${category}`, {}, cath.auth);
  await send(app, 'POST', `/api/v1/networks/${networkId}/timebank/posts`, { kind: 'request', title: 'A lift to the surgery', category: 'shopping', area: 'Armley' }, bob.auth);
  const page = await freshPage(browser, url);

  t.test('Ann posts an offer, finds it, and pauses it', async (t) => {
    await hearth.engine.waitFor(hearth.engine.projections.map((p) => p.name), await hearth.store.headPosition(), 10_000);
    await signIn(page, ann);
    await press(page, page.getByRole('link', { name: 'Offers and requests: find help, or offer it' }));
    t.equal(await page.locator('h1').innerText(), 'Offers and requests');
    t.match(await page.locator('main').innerText(), /A lift to the surgery/);
    await checkPage(t, page, 'offers and requests');
    await screenshot(page, 'posts');

    await press(page, page.getByRole('link', { name: 'Post an offer or a request' }));
    await choose(page, page.getByLabel('Offering help'));
    await typeInto(page, page.getByLabel('Title'), 'Weeding and mowing');
    await select(page, page.getByLabel('What kind of help?'), 'gardening');
    await typeInto(page, page.getByLabel('Tags (optional)'), 'lawn, hedges');
    await typeInto(page, page.getByLabel('Area (optional)'), 'LS12 3AB');
    await press(page, page.getByRole('button', { name: 'Continue' }));
    t.equal(await page.locator('h1').innerText(), 'Check your answers');
    await press(page, page.getByRole('button', { name: 'Post it' }));
    t.match(await page.locator('.error-summary').innerText(), /postcode district/, 'a full postcode comes back beside its field');
    await checkPage(t, page, 'posting, with a mistake');
    await typeInto(page, page.getByLabel('Area (optional)'), 'LS12');
    await press(page, page.getByRole('button', { name: 'Continue' }));
    await checkPage(t, page, 'check your answers');
    await press(page, page.getByRole('button', { name: 'Post it' }));
    t.equal(await page.locator('h1').innerText(), 'Offer: Weeding and mowing');
    t.match(await page.locator('[role=status]').innerText(), /Your post is up/);
    await checkPage(t, page, 'one post');

    await page.goto(`/networks/${networkId}/posts`);
    await typeInto(page, page.getByLabel('Words to look for'), 'mowing');
    await press(page, page.getByRole('button', { name: 'Search' }));
    t.same(await page.locator('main ul.actions li a').allInnerTexts(), ['Offer: Weeding and mowing'], 'found by a word');

    await press(page, page.getByRole('link', { name: 'Offer: Weeding and mowing' }));
    await press(page, page.getByRole('button', { name: 'Pause it' }));
    t.match(await page.locator('[role=status]').innerText(), /paused/);
    await page.goto(`/networks/${networkId}/posts/mine`);
    t.match(await page.locator('main').innerText(), /Weeding and mowing[\s\S]*paused/);
    await checkPage(t, page, 'your offers and requests');
  });

  t.test('the coordinator sees the request nobody has answered', async (t) => {
    const coordinator = await freshPage(browser, url);
    await signIn(coordinator, cath);
    await press(coordinator, coordinator.getByRole('link', { name: 'Requests nobody has answered' }));
    await typeInto(coordinator, coordinator.getByLabel('Waiting for at least how many days?'), '0');
    await press(coordinator, coordinator.getByRole('button', { name: 'Show' }));
    t.match(await coordinator.locator('main').innerText(), /A lift to the surgery/);
    await checkPage(t, coordinator, 'requests nobody has answered');
  });
}
