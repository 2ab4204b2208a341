// Answers and arrangements in a real browser, by keyboard alone and without JavaScript: a member
// answers a request, the owner reads the thread, writes back, accepts, and logs the exchange from
// the arrangement (checked first); a coordinator brokers and reads the figures. Every page axe clean.
import t from 'tap';
import { browserHearth, checkPage, freshPage, press, select, signIn, typeInto } from './support/browser.ts';
import { joined, send, signUp } from './support/http.ts';
import { publishPost } from './support/posts.ts';

const served = await browserHearth(t);
if (served) {
  const { app, hearth, browser, url } = served;
  const coordinator = await signUp(app, 'Cath Coordinator');
  const networkId = (await send(app, 'POST', '/api/v1/networks', { name: 'Kirkstall Time Bank', kind: 'time_bank' }, coordinator.auth)).json().networkId;
  await send(app, 'PUT', `/api/v1/networks/${networkId}/timebank/categories/transport`, {}, coordinator.auth);
  const ann = await joined(app, networkId, coordinator, 'Ann Armitage');
  const bob = await joined(app, networkId, coordinator, 'Bob Brearley');
  const postId = await publishPost(hearth, networkId, ann.personId);
  await publishPost(hearth, networkId, ann.personId, { kind: 'offer', title: 'Help with the garden', category: 'transport' });

  t.test('a member answers a request', async (t) => {
    const page = await freshPage(browser, url);
    await signIn(page, bob);
    await page.goto(`/networks/${networkId}/time/posts/${postId}/answer`);
    await checkPage(t, page, 'answer a post');
    await press(page, page.getByRole('button', { name: 'Send your answer' }));
    t.match(await page.locator('.error-summary').innerText(), /Write a message/, 'an empty answer is refused beside its field');
    await typeInto(page, page.getByLabel('Your message'), 'I can drive you on Thursday');
    await press(page, page.getByRole('button', { name: 'Send your answer' }));
    t.match(await page.locator('main').innerText(), /I can drive you on Thursday/, 'the thread opens with the answer');
    await checkPage(t, page, 'thread');
    await page.close();
  });

  t.test('the owner writes back, accepts, and logs the exchange from the arrangement', async (t) => {
    const page = await freshPage(browser, url);
    await signIn(page, ann);
    await press(page, page.getByRole('link', { name: /Answers to your offers and requests/ }));
    await checkPage(t, page, 'answers');
    await press(page, page.getByRole('link', { name: /Lift to the surgery/ }));
    await typeInto(page, page.getByLabel('Write a message'), 'Lovely, 9am please');
    await press(page, page.getByRole('button', { name: 'Send the message' }));
    t.match(await page.locator('main').innerText(), /Lovely, 9am please/);
    await press(page, page.getByRole('button', { name: 'Accept this answer' }));
    t.match(await page.locator('main').innerText(), /Log this exchange/, 'on to the arrangement, ready to log');
    await checkPage(t, page, 'arrangement');
    await press(page, page.getByRole('button', { name: 'Continue' }));
    await checkPage(t, page, 'check your answers');
    t.match(await page.locator('.summary').innerText(), /1 hour/, 'an hour prefilled');
    await press(page, page.getByRole('button', { name: 'Log the exchange' }));
    t.match(await page.locator('main').innerText(), /Bob Brearley will be asked to confirm it/, 'logged, and waiting for Bob to confirm');
    await page.goto(`/networks/${networkId}/time/arrangements`);
    await checkPage(t, page, 'arrangements');
    await page.close();
  });

  t.test('a coordinator brokers and reads the figures', async (t) => {
    const page = await freshPage(browser, url);
    await signIn(page, coordinator);
    await press(page, page.getByRole('link', { name: 'Arrange help between two members' }));
    await checkPage(t, page, 'brokering');
    await select(page, page.getByLabel('Which offer or request?'), 'Help with the garden (offer from Ann Armitage)');
    await select(page, page.getByLabel('Which member?'), 'Bob Brearley');
    await press(page, page.getByRole('button', { name: 'Continue' }));
    await press(page, page.getByRole('button', { name: 'Arrange it' }));
    t.match(await page.locator('main').innerText(), /Help arranged/);
    await checkPage(t, page, 'figures');
    await page.close();
  });
}
