// A co-op member's journey in a real browser, by keyboard alone and without JavaScript: sign in,
// see their shares in pounds and the co-op's funds, open a proposal, vote For and see it confirmed,
// change to Against, and after the board closes the vote read the result as a chart with the same
// figures in a table. A plain member is turned away from the register; the board reads it as at a
// past day and downloads it.
import t from 'tap';
import { browserHearth, checkPage, choose, freshPage, press, screenshot, signIn, typeDate } from './support/browser.ts';
import { joined, send, signUp, type Person } from './support/http.ts';
import { careCoopRules } from './support/coop.ts';

const served = await browserHearth(t);
if (served) {
  const { app, hearth, browser, url } = served;
  const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
  const coordinator = await signUp(app, 'Cath Coordinator');
  const networkId = (await send(app, 'POST', '/api/v1/networks', { name: 'Holbeck Care Co-op', kind: 'co_operative' }, coordinator.auth)).json().networkId as string;
  const coop = `/api/v1/networks/${networkId}/coop`;
  async function ok(method: 'POST' | 'PUT', path: string, body: unknown, who: Person) {
    const res = await send(app, method, `${coop}${path}`, body, who.auth);
    if (res.statusCode >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${res.body}`);
    return res.json();
  }
  const board = await joined(app, networkId, coordinator, 'Bert Board', 'board');
  const treasurer = await joined(app, networkId, coordinator, 'Tess Treasurer', 'treasurer');
  const ann = await joined(app, networkId, coordinator, 'Ann Ackroyd');
  const bob = await joined(app, networkId, coordinator, 'Bob Brierley');
  const cat = await joined(app, networkId, coordinator, 'Cat Cawthorne');
  await ok('POST', '', { name: 'Holbeck Care Co-op Ltd', rules: careCoopRules, foundedOn: daysAgo(400) }, coordinator);
  const admit = async (who: Person, memberClass: string, pence: number, issuedOn: string) => {
    const { applicationId } = await ok('POST', '/applications', { memberClass, pence }, who);
    await ok('POST', `/applications/${applicationId}/issue`, { issuedOn }, board);
  };
  // Workers' votes weigh 3, those receiving care 2, supporters 1.
  await admit(ann, 'workers', 10_000, daysAgo(50));
  await admit(bob, 'receiving care', 20_000, daysAgo(40));
  await admit(cat, 'supporters', 5_000, daysAgo(30));
  await admit(ann, 'workers', 2_500, daysAgo(15));
  await ok('POST', '/income', { pence: 50_000, source: 'Leeds City Council', reference: 'Care contract Q3', receivedOn: daysAgo(5) }, treasurer);
  await ok('POST', '/interest', { rateBasisPoints: 500, periodFrom: daysAgo(365), periodTo: daysAgo(1) }, board);
  const { proposalId } = await ok(
    'POST',
    '/proposals',
    {
      title: 'A ramp for the minibus', pence: 20_000, payee: 'Leeds Mobility Ltd', purpose: 'Wheelchair access to outings', source: { kind: 'funds' },
      closesAt: new Date(Date.now() + 3 * 3_600_000).toISOString(), quorumPercent: 50, thresholdPercent: 60, secret: false, hideResultsUntilClose: false,
    },
    bob,
  );
  await ok('POST', `/proposals/${proposalId}/opening`, undefined, board);
  await ok('POST', `/proposals/${proposalId}/votes`, { choice: 'for' }, bob);
  await ok('POST', `/proposals/${proposalId}/votes`, { choice: 'against' }, cat);

  const page = await freshPage(browser, url);
  const annsBallots = async () =>
    (await hearth.store.readAll()).filter((e) => e.type === 'coop.VoteCast' && (e.data as { voterId: string }).voterId === ann.personId).map((e) => (e.data as { choice: string }).choice);

  t.test("the member's shares and the co-op's funds", async (t) => {
    await signIn(page, ann);
    await checkPage(t, page, 'home page of a co-op member');
    t.equal(await page.getByRole('link', { name: 'Register of members' }).count(), 0, 'a plain member is not offered the register');
    await press(page, page.getByRole('link', { name: /Your co-op/ }));
    await checkPage(t, page, 'your co-op');
    t.equal(await page.locator('h1').innerText(), 'Your co-op');
    t.equal(await page.locator('.figure').innerText(), '£125.00', "Ann's withdrawable shares, in pounds");
    const main = await page.locator('main').innerText();
    t.match(main, /in the class "workers"/);
    t.match(main, /Membership share\s+£1\.00/);
    const shares = await page.locator('table', { hasText: 'Every change to your shares' }).innerText();
    t.match(shares, new RegExp(`Shares issued to you\\s+£100\\.00`));
    t.match(shares, new RegExp(`Shares issued to you\\s+£25\\.00`));
    // 5% a year for the days each share was held (actual/365): £100 for 35 days and £125 for the last 15,
    // (10,000 * 35 + 12,500 * 15) * 0.05 / 365 = 73.6p -> 73p.
    t.match(await page.locator('table', { hasText: 'Interest and dividends' }).innerText(), /Interest on your shares\s+£0\.73/, "5% a year on Ann's shares, for the days she held them");
    t.match(main, /Share capital\s+£378\.00/, "the co-op's share capital: £375 of withdrawable shares and three £1 membership shares");
    // Interest: Ann 73p, Bob £200 for 40 days 109p, Cat £50 for 30 days 20p: £2.02 in all.
    t.match(main, /Funds\s+£875\.98/, 'shares and income, less the interest paid');
    await screenshot(page, 'coop-member');
  });

  t.test('a plain member may not see the register', async (t) => {
    const res = await page.goto(`/networks/${networkId}/coop/register`);
    t.equal(res?.status(), 403);
    t.equal(await page.locator('h1').innerText(), 'This page is not open to you');
    await checkPage(t, page, 'register, not open to a member');
  });

  t.test('voting For, confirmed, then changing to Against', async (t) => {
    await page.goto(`/networks/${networkId}/coop`);
    await press(page, page.getByRole('link', { name: 'Votes on spending' }));
    await checkPage(t, page, 'votes on spending');
    t.match(await page.locator('table').innerText(), /A ramp for the minibus\s+£200\.00\s+open for voting/);
    await press(page, page.getByRole('link', { name: 'A ramp for the minibus' }));
    await checkPage(t, page, 'a proposal');
    t.match(await page.locator('main').innerText(), /Paid to\s+Leeds Mobility Ltd/);
    t.match(await page.locator('main').innerText(), /You have not voted yet/);

    await press(page, page.getByRole('link', { name: 'Vote', exact: true }));
    await checkPage(t, page, 'ballot');
    await press(page, page.getByRole('button', { name: 'Record my vote' }));
    t.match(await page.title(), /^Error: /);
    t.match(await page.locator('#f-choice-error').innerText(), /Choose For, Against or Abstain/, 'a ballot sent empty says why beside the choice');
    await checkPage(t, page, 'ballot with an error');
    t.same(await annsBallots(), [], 'nothing is recorded from an empty ballot');

    await choose(page, page.getByLabel('For', { exact: false }).first());
    await press(page, page.getByRole('button', { name: 'Record my vote' }));
    t.equal(await page.locator('h1').innerText(), 'Your vote is recorded');
    const panel = await page.locator('.panel[role=status]').innerText();
    t.match(panel, /Your vote is recorded: For\. You can change it until \d{1,2}:\d{2}[ap]m on \d{1,2} \w+ \d{4}\./);
    await checkPage(t, page, 'vote recorded');
    t.same(await annsBallots(), ['for']);

    await press(page, page.getByRole('link', { name: 'Change your vote' }));
    t.ok(await page.locator('input[name=choice][value=for]').isChecked(), 'the ballot shows the vote already cast');
    await choose(page, page.locator('input[name=choice][value=against]'));
    await press(page, page.getByRole('button', { name: 'Record my vote' }));
    t.match(await page.locator('.panel[role=status]').innerText(), /Your vote is recorded: Against\./);
    await checkPage(t, page, 'vote changed');
    t.same(await annsBallots(), ['for', 'against'], 'both ballots are kept; the latest counts');
    t.match(await page.locator('main').innerText(), /You voted Against at/);
  });

  t.test('the board reads the register, today and as at a past day, and closes the vote', async (t) => {
    const boardPage = await freshPage(browser, url);
    await signIn(boardPage, board);
    await press(boardPage, boardPage.getByRole('link', { name: 'Register of members' }));
    await checkPage(t, boardPage, 'register');
    const today = await boardPage.locator('table').innerText();
    t.match(today, /Ann Ackroyd\s+workers\s+.*£1\.00\s+£125\.00/);
    t.match(today, /Bob Brierley\s+receiving care\s+.*£1\.00\s+£200\.00/);
    t.match(today, /Cat Cawthorne\s+supporters\s+.*£1\.00\s+£50\.00/);
    t.match(today, /Share capital\s+£378\.00/);

    await typeDate(boardPage, 'asAt', daysAgo(45));
    await press(boardPage, boardPage.getByRole('button', { name: 'Show the register' }));
    await checkPage(t, boardPage, 'register as at a past day');
    const then = await boardPage.locator('table').innerText();
    t.match(then, /Ann Ackroyd\s+workers\s+.*£1\.00\s+£100\.00/, "Ann's first shares only");
    t.notMatch(then, /Bob Brierley|Cat Cawthorne/, 'nobody admitted later');
    t.match(then, /Share capital\s+£101\.00/);
    const csvLink = boardPage.getByRole('link', { name: /Download the register/ });
    t.match(await csvLink.getAttribute('href'), new RegExp(`asAt=${daysAgo(45)}$`));
    const csv = await (await boardPage.request.get((await csvLink.getAttribute('href'))!)).text();
    t.match(csv, new RegExp(`${ann.personId},Ann Ackroyd,workers,${daysAgo(50)},1\\.00,100\\.00`));
    t.notMatch(csv, /Bob Brierley/);

    await boardPage.goto(`/networks/${networkId}/coop/proposals/${proposalId}`);
    await press(boardPage, boardPage.getByRole('button', { name: 'Close the vote now' }));
    t.equal(await boardPage.locator('.panel[role=status] h2').innerText(), 'The vote is closed');
    await checkPage(t, boardPage, 'vote closed');
    const closed = (await hearth.store.readAll()).filter((e) => e.type === 'coop.ProposalClosed');
    t.match(closed, [{ data: { for: 2, against: 4, abstain: 0, passed: false } }], 'the close is recorded once, with the weighted count');
    await boardPage.context().close();
  });

  t.test('the member reads the result: a chart, the same figures in a table, and plain words', async (t) => {
    await page.goto(`/networks/${networkId}/coop/proposals/${proposalId}`);
    await press(page, page.getByRole('link', { name: 'See the result, with a chart' }));
    await checkPage(t, page, 'result');
    t.equal(await page.locator('h1').innerText(), 'Result: A ramp for the minibus');
    t.equal(await page.locator('.figure').innerText(), 'Not passed');
    const svg = page.locator('figure.chart svg');
    t.match(await svg.locator('title').textContent(), /Weighted votes on "A ramp for the minibus"/);
    t.equal(await svg.locator('desc').textContent(), "For: 2 votes. Against: 4 votes. Abstain: 0 votes. Each vote is weighted by the member's class.");
    const rows = await page.locator('table tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => (c as HTMLElement).innerText.trim())));
    t.same(rows, [['For', '2'], ['Against', '4'], ['Abstain', '0']], 'the table holds the same figures as the chart');
    const main = await page.locator('main').innerText();
    t.match(main, /3 of 3 members voted \(100%\)\. At least 50% had to vote, so the quorum was met\./);
    t.match(main, /Of the 6 votes for and against, 33% were for\. At least 60% had to be for, and more for than against, so the threshold was not met\./);
    t.match(main, /workers 3 votes, receiving care 2 votes, supporters 1 vote/);
  });
}
