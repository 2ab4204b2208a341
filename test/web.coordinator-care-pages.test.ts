// Pages for what a person does in their role and had no page before: declining a request to join
// and asking again, safeguarding (the policy, DBS checks and flags), the community chest, reversing
// an exchange, and a co-op's income and suspended withdrawals. As a browser posts them: what is
// sent is recorded, mistakes come back beside their fields, and only the role reaches the pages.
import t from 'tap';
import { browserOf, joined, openApp, send, setUp, signUp } from './support/http.ts';
import { serverFirstDatabase } from './support/db.ts';
import { careCoopRules } from './support/coop.ts';

const { hearth, app, close } = await openApp(await serverFirstDatabase());
t.teardown(close);
// Taken afresh for each test, so that a run across midnight does not date one step yesterday and the next today.
let today = new Date().toISOString().slice(0, 10);
t.beforeEach(() => {
  today = new Date().toISOString().slice(0, 10);
});
const events = async (type: string) => (await hearth.store.readAll()).filter((e) => e.type === type);

const cath = await signUp(app, 'Cath Coordinator');
const browser = await browserOf(app, cath);
const networkId = (await setUp(send(app, 'POST', '/api/v1/networks', { name: 'Headingley Time Bank', kind: 'time_bank' }, cath.auth), 201)).json().networkId as string;
const api = `/api/v1/networks/${networkId}`;
const ann = await joined(app, networkId, cath, 'Ann Whitaker');

t.test('a request to join declined beside Approve; the person sees it and may ask again', async (t) => {
  const rita = await signUp(app, 'Rita Requester');
  const ritasBrowser = await browserOf(app, rita);
  const join = `/networks/${networkId}/join`;
  const asked = await ritasBrowser.post(join, {});
  t.equal(asked.statusCode, 303, 'asked at the address a coordinator gives out');
  t.match((await ritasBrowser.get(asked.headers.location as string)).body, /You have asked to join Headingley Time Bank/);
  t.match((await ritasBrowser.get(join)).body, /You have asked to join\. A coordinator will approve or decline/, 'asking twice is not offered');
  const people = `/networks/${networkId}/setup/people`;
  t.match((await browser.get(people)).body, /Decline Rita Requester/);
  const declined = await browser.post(`/networks/${networkId}/setup/people/${rita.personId}/decline`, {}, people);
  t.equal(declined.statusCode, 303);
  t.match((await browser.get(declined.headers.location as string)).body, /Rita Requester is not a member/);
  t.match(await events('access.MembershipDeclined'), [{ data: { personId: rita.personId, declinedBy: cath.personId } }]);
  const ritasHome = (await ritasBrowser.get('/')).body;
  t.match(ritasHome, /declined your request to join/);
  t.match(ritasHome, new RegExp(`href="${join}"`), 'with a way to ask again');
  t.notMatch((await browser.get(people)).body, /Decline Rita Requester/, 'no longer waiting');
  t.match((await ritasBrowser.get(join)).body, /declined your earlier request/);
  t.equal((await ritasBrowser.post(join, {})).statusCode, 303, 'she asks again');
  t.match((await browser.get(people)).body, /Decline Rita Requester/, 'waiting once more');
});

t.test('safeguarding: the policy as it stands, a DBS check recorded, a member flagged and cleared', async (t) => {
  const home = `/networks/${networkId}/safeguarding`;
  t.match((await browser.get('/')).body, new RegExp(`href="${home}"`), 'linked from the home page');
  t.match((await browser.get(home)).body, /Now: no DBS check is required/);
  const policy = await browser.post(`${home}/policy`, { policy: 'yes' }, home);
  t.equal(policy.statusCode, 303);
  t.match((await browser.get(policy.headers.location as string)).body, /A current DBS check is now needed/);
  t.match((await browser.get(home)).body, /Now: a current DBS check is needed/, 'the network read carries the policy');

  const dbs = `${home}/members/${ann.personId}/dbs`;
  const wrong = await browser.post(dbs, { checkType: 'enhanced', 'issuedOn-day': '1', 'issuedOn-month': '3', 'issuedOn-year': '2026', 'expiresOn-day': '1', 'expiresOn-month': '3', 'expiresOn-year': '2025' });
  t.equal(wrong.statusCode, 422);
  t.match(wrong.body, /id="f-expiresOn-error"[^>]*>.*The expiry date must come after the issue date/, "the API's refusal beside its field");
  const missing = await browser.post(dbs, {});
  t.match(missing.body, /Choose what kind of check it is/);
  const recorded = await browser.post(dbs, { checkType: 'enhanced', 'issuedOn-day': '1', 'issuedOn-month': '3', 'issuedOn-year': '2026', 'expiresOn-day': '1', 'expiresOn-month': '3', 'expiresOn-year': '2029' });
  t.equal(recorded.statusCode, 303);
  t.match((await browser.get(recorded.headers.location as string)).body, /current until 1 March 2029/);

  const flag = `${home}/members/${ann.personId}/flag`;
  const flagged = await browser.post(flag, { needs: 'yes' }, home);
  t.equal(flagged.statusCode, 303);
  t.match((await browser.get(flagged.headers.location as string)).body, /Ann Whitaker needs safeguarding/);
  t.match((await browser.get(home)).body, /Clear the flag for Ann Whitaker/);
  const cleared = await browser.post(flag, { needs: 'no' }, home);
  t.match((await browser.get(cleared.headers.location as string)).body, /Ann Whitaker is no longer flagged/);
  t.match(await events('access.SafeguardingFlagged'), [{ data: { needsSafeguarding: true } }, { data: { needsSafeguarding: false } }]);

  t.equal((await (await browserOf(app, ann)).get(home)).statusCode, 403, 'a member is not shown the pages');
});

t.test('the community chest: a grant checked, then recorded once', async (t) => {
  await setUp(send(app, 'PUT', `${api}/timebank/limits`, { lowerMinutes: -600, upperMinutes: 6000, maxExchangeMinutes: 480, reason: 'Agreed at the AGM' }, cath.auth), 200);
  const give = `/networks/${networkId}/time/give`;
  t.match((await browser.get(`/networks/${networkId}/time`)).body, new RegExp(`href="${give}"`), "linked from a member's own time");
  const gift = { 'duration-hours': '3', 'duration-minutes': '0' };
  t.match((await browser.post(give, gift)).body, /Check this before you give the time/);
  const given = await browser.post(give, { ...gift, _step: 'confirm' }, give);
  t.equal(given.statusCode, 303);
  t.match((await browser.get(given.headers.location as string)).body, /Your balance is now minus 3 hours/);
  const chest = `/networks/${networkId}/chest`;
  t.match((await browser.get(`/networks/${networkId}/coordinate`)).body, new RegExp(`href="${chest}"`), 'linked from the coordinating page');
  const missing = await browser.post(chest, { 'duration-hours': '1' });
  t.match(missing.body, /Choose who the time is for/);
  const grant = { person: ann.personId, 'duration-hours': '2', 'duration-minutes': '0' };
  const check = await browser.post(chest, grant);
  t.match(check.body, /Check your answers/);
  t.match(check.body, /Ann Whitaker/);
  const grants = async () => (await events('timebank.Posted')).filter((e) => (e.data as { reason: string }).reason === 'grant').length;
  t.equal(await grants(), 0, 'nothing granted before the check');
  const token = /name="_key" value="([^"]+)"/.exec(check.body)![1]!;
  const sent = await browser.post(chest, { ...grant, _key: token, _step: 'confirm' });
  t.equal(sent.statusCode, 303);
  t.match((await browser.get(sent.headers.location as string)).body, /Their balance is now 2 hours/);
  const again = await browser.post(chest, { ...grant, _key: token, _step: 'confirm' });
  t.equal(again.statusCode, 303, 'sent twice');
  t.equal(await grants(), 2, 'recorded once: a posting to the member and one from the chest');
  const tooMuch = await browser.post(chest, { ...grant, 'duration-hours': '5', _step: 'confirm' });
  t.equal(tooMuch.statusCode, 422, 'the chest holds only what was given');
});

t.test('a confirmed exchange reversed by a coordinator from its page, with a reason', async (t) => {
  const bob = await joined(app, networkId, cath, 'Bob Okafor');
  await setUp(send(app, 'PUT', `${api}/timebank/categories/shopping`, { ratePercent: 100 }, cath.auth), 200);
  const logged = (await setUp(send(app, 'POST', `${api}/timebank/exchanges`, { providerId: ann.personId, receiverId: bob.personId, minutes: 60, category: 'shopping', occurredOn: new Date().toISOString().slice(0, 10) }, ann.auth), 201)).json();
  await setUp(send(app, 'POST', `${api}/timebank/exchanges/${logged.exchangeId}/confirmation`, undefined, bob.auth), 200);
  await hearth.engine.waitFor(['timebank'], await hearth.store.headPosition(), 10_000);
  const figures = await (await browserOf(app, bob)).get(`/networks/${networkId}/time/figures`);
  t.match(figures.body, /Exchanges by month[\s\S]*<td class="num">1 hour<\/td>/, "the time bank's figures, for any member");
  const page = `/networks/${networkId}/time/exchanges/${logged.exchangeId}?for=${ann.personId}`;
  t.match((await browser.get(page)).body, /Reverse the exchange/);
  t.notMatch((await (await browserOf(app, bob)).get(`/networks/${networkId}/time/exchanges/${logged.exchangeId}`)).body, /Reverse the exchange/, 'not offered to a member');
  const reverse = `/networks/${networkId}/time/exchanges/${logged.exchangeId}/reverse?for=${ann.personId}`;
  const noReason = await browser.post(reverse, {}, page);
  t.equal(noReason.statusCode, 422);
  t.match(noReason.body, /Say why it is being reversed/);
  const reversed = await browser.post(reverse, { reason: 'Logged twice' }, page);
  t.equal(reversed.statusCode, 303);
  t.match((await browser.get(reversed.headers.location as string)).body, /Exchange reversed/);
  t.match(await events('timebank.ExchangeReversed'), [{ data: { reason: 'Logged twice' } }]);

  const csv = await browser.get(`/networks/${networkId}/coordinate/exchanges.csv`);
  t.match(csv.headers['content-type'], /text\/csv/);
  t.match(csv.body, /Ann Whitaker/, 'every exchange, downloaded by a coordinator');
  t.equal((await (await browserOf(app, bob)).get(`/networks/${networkId}/coordinate/exchanges.csv`)).statusCode, 403, 'not by a member');
});

t.test("a co-op's treasurer records income; its board suspends and resumes withdrawals, declares interest and records a membership ended", async (t) => {
  const coopId = (await setUp(send(app, 'POST', '/api/v1/networks', { name: 'Holbeck Care Co-op', kind: 'co_operative' }, cath.auth), 201)).json().networkId as string;
  await setUp(send(app, 'POST', `/api/v1/networks/${coopId}/coop`, { name: 'Holbeck Care Co-op Ltd', rules: { ...careCoopRules, withdrawalNoticeDays: 0 }, foundedOn: '2025-01-06' }, cath.auth), 201);
  const tess = await joined(app, coopId, cath, 'Tess Treasurer', 'treasurer');
  const bert = await joined(app, coopId, cath, 'Bert Board', 'board');
  const coop = `/networks/${coopId}/coop`;
  const tessBrowser = await browserOf(app, tess);
  t.match((await tessBrowser.get('/')).body, new RegExp(`href="${coop}/income"`), "linked from the treasurer's home page");
  const income = { source: 'Leeds City Council', reference: 'Care contract Q3', amount: '500.00', 'receivedOn-day': '2', 'receivedOn-month': '3', 'receivedOn-year': '2026' };
  t.match((await tessBrowser.post(`${coop}/income`, income)).body, /Check your answers/);
  const recorded = await tessBrowser.post(`${coop}/income`, { ...income, _step: 'confirm' }, `${coop}/income`);
  t.equal(recorded.statusCode, 303);
  t.match(await events('coop.IncomeReceived'), [{ data: { pence: 50_000, source: 'Leeds City Council', receivedOn: '2026-03-02' } }]);

  const bertBrowser = await browserOf(app, bert);
  t.match((await bertBrowser.post(`${coop}/suspend`, {})).body, /Say why withdrawals are suspended/);
  const suspended = await bertBrowser.post(`${coop}/suspend`, { reason: 'Until the audit is done', _step: 'confirm' }, `${coop}/suspend`);
  t.equal(suspended.statusCode, 303);
  t.match((await bertBrowser.get(suspended.headers.location as string)).body, /No withdrawal is paid until the board resumes them/);
  const resumed = await bertBrowser.post(`${coop}/resume`, { _step: 'confirm' }, `${coop}/resume`);
  t.equal(resumed.statusCode, 303);
  t.equal((await events('coop.WithdrawalsSuspended')).length + (await events('coop.WithdrawalsResumed')).length, 2);
  const cat = await joined(app, coopId, cath, 'Cat Cawthorne');
  const { applicationId } = (await setUp(send(app, 'POST', `/api/v1/networks/${coopId}/coop/applications`, { memberClass: careCoopRules.memberClasses[0]!.name, pence: 5_000 }, cat.auth), 201)).json();
  await setUp(send(app, 'POST', `/api/v1/networks/${coopId}/coop/applications/${applicationId}/issue`, { issuedOn: today }, bert.auth), 200);
  const overCap = await bertBrowser.post(`${coop}/interest`, { rate: '6', 'periodFrom-day': '1', 'periodFrom-month': '4', 'periodFrom-year': '2025', 'periodTo-day': '31', 'periodTo-month': '3', 'periodTo-year': '2026', _step: 'confirm' }, `${coop}/interest`);
  t.match(overCap.body, /The rules allow at most 5% a year/, "the rules' cap, beside the rate");
  t.match((await bertBrowser.get(`${coop}/interest`)).body, /at most 5%/);
  const interest = await bertBrowser.post(`${coop}/interest`, { rate: '2.5', 'periodFrom-day': '1', 'periodFrom-month': '4', 'periodFrom-year': '2025', 'periodTo-day': '31', 'periodTo-month': '3', 'periodTo-year': '2026', _step: 'confirm' }, `${coop}/interest`);
  t.equal(interest.statusCode, 303);
  t.match(await events('coop.InterestPaid'), [{ data: { rateBasisPoints: 250, periodFrom: '2025-04-01' } }]);
  const [year, month, day] = today.split('-').map(Number);
  const ending = { person: cat.personId, reason: 'left', 'on-day': String(day), 'on-month': String(month), 'on-year': String(year) };
  t.match((await bertBrowser.post(`${coop}/ended`, ending)).body, /Cat Cawthorne/, 'the member named in the answers to check');
  const ended = await bertBrowser.post(`${coop}/ended`, { ...ending, _step: 'confirm' }, `${coop}/ended`);
  t.equal(ended.statusCode, 422);
  t.match(ended.body, /withdraw or transfer it first/, "the API's rule, shown on the page");
  t.equal((await events('coop.MembershipEnded')).length, 0, 'nothing recorded');
  const olwen = (await setUp(send(app, 'POST', `/api/v1/networks/${coopId}/members`, { name: 'Olwen Offline' }, cath.auth), 201)).json().personId as string;
  t.match((await browser.get('/')).body, new RegExp(`href="${coop}/apply-for"`), "linked from the coordinator's home page");
  const forOlwen = { person: olwen, memberClass: 'supporters', amount: '20.00' };
  t.match((await browser.post(`${coop}/apply-for`, forOlwen)).body, /Olwen Offline/, 'the member named in the answers to check');
  const appliedFor = await browser.post(`${coop}/apply-for`, { ...forOlwen, _step: 'confirm' }, `${coop}/apply-for`);
  t.equal(appliedFor.statusCode, 303);
  const [application] = (await hearth.store.readAll()).filter((e) => e.type === 'coop.SharesApplied' && (e.data as { personId: string }).personId === olwen);
  t.match(application?.metadata, { actor: cath.personId, onBehalfOf: olwen }, 'in her name, as made by the coordinator');
  await setUp(send(app, 'POST', `/api/v1/networks/${coopId}/coop/withdrawals`, { pence: 5_000 }, cat.auth), 201);
  const waiting = (await tessBrowser.get(`${coop}/withdrawals`)).body;
  t.match(waiting, /Cat Cawthorne[\s\S]*£50\.00/, 'the treasurer sees the notice');
  t.match((await tessBrowser.get('/')).body, new RegExp(`href="${coop}/withdrawals"`));
  const pay = /href="([^"]+\/pay)"/.exec(waiting)![1]!;
  t.match((await tessBrowser.get(pay)).body, /Check this before you pay/);
  const paid = await tessBrowser.post(pay, { _step: 'confirm' });
  t.equal(paid.statusCode, 303);
  t.match(await events('coop.WithdrawalPaid'), [{ data: { personId: cat.personId, pence: 5_000 } }]);
  t.match((await tessBrowser.get(`${coop}/withdrawals`)).body, /No withdrawal is waiting to be paid/);
  const refused = await tessBrowser.post(`${coop}/suspend`, { reason: 'x', _step: 'confirm' }, `${coop}/income`);
  t.equal(refused.statusCode, 422, "the API's refusal shown on the form");
  t.equal((await events('coop.WithdrawalsSuspended')).length, 1, 'a treasurer does not suspend withdrawals');
});

t.test('erasure: a person erases themselves, a coordinator a member they may reach, once they are sure', async (t) => {
  const olga = (await setUp(send(app, 'POST', `${api}/members`, { name: 'Olga Offline' }, cath.auth), 201)).json().personId as string;
  t.match((await browser.get(`/networks/${networkId}/setup/people`)).body, new RegExp(`href="/networks/${networkId}/members/${olga}/erase"`), 'linked from the people page');
  const erase = `/networks/${networkId}/members/${olga}/erase`;
  const unsure = await browser.post(erase, {});
  t.equal(unsure.statusCode, 422);
  t.match(unsure.body, /Choose “yes” if you are sure/);
  const erased = await browser.post(erase, { sure: 'yes' });
  t.equal(erased.statusCode, 303);
  t.match((await browser.get(erased.headers.location as string)).body, /Their details are erased/);
  t.match(await events('access.PersonErased'), [{ data: { personId: olga } }]);

  const eve = await signUp(app, 'Eve Leaving');
  const evesBrowser = await browserOf(app, eve);
  t.match((await evesBrowser.get('/account')).body, /href="\/account\/erase"/);
  const gone = await evesBrowser.post('/account/erase', { sure: 'yes' });
  t.equal(gone.statusCode, 303);
  t.equal(gone.headers.location, '/erased');
  t.match((await evesBrowser.get('/erased')).body, /Your details are erased/);
  t.equal((await events('access.PersonErased')).length, 2);
});

t.test("a care-bank member gives hours to the scheme's pool, and claims care, from their own bank", async (t) => {
  const born = (age: number) => `${Number(today.slice(0, 4)) - age}-01-01`;
  const schemeId = (await setUp(send(app, 'POST', '/api/v1/networks', { name: 'Wharfedale Care Bank', kind: 'care_bank_scheme' }, cath.auth), 201)).json().networkId as string;
  const member = async (name: string, age: number) => {
    const p = await signUp(app, name, { dateOfBirth: born(age) });
    await setUp(send(app, 'POST', `/api/v1/networks/${schemeId}/invitations`, { personId: p.personId }, cath.auth), 201);
    await setUp(send(app, 'POST', `/api/v1/networks/${schemeId}/invitations/acceptance`, undefined, p.auth), 200);
    return p;
  };
  const olive = await member('Olive Older', 65);
  const edna = await member('Edna Elder', 88);
  const logged = await setUp(send(app, 'POST', `/api/v1/networks/${schemeId}/carebank/care`, { volunteerId: olive.personId, recipientId: edna.personId, minutes: 180, activity: 'befriending', occurredOn: today }, olive.auth), 201);
  await setUp(send(app, 'POST', `/api/v1/networks/${schemeId}/carebank/care/${logged.json().careId}/confirmation`, undefined, edna.auth), 200);
  const olivesBrowser = await browserOf(app, olive);
  const care = `/networks/${schemeId}/care`;
  t.match((await olivesBrowser.get(care)).body, new RegExp(`href="${care}/give"`));
  const tooMuch = await olivesBrowser.post(`${care}/give`, { 'duration-hours': '5', 'duration-minutes': '0' });
  t.equal(tooMuch.statusCode, 422);
  t.match(tooMuch.body, /You have 3 hours banked/);
  const given = await olivesBrowser.post(`${care}/give`, { 'duration-hours': '1', 'duration-minutes': '0' });
  t.equal(given.statusCode, 303);
  t.match((await olivesBrowser.get(given.headers.location as string)).body, /You gave 1 hour to the scheme&#39;s pool[\s\S]*You now have 2 hours banked/);
  const claimed = await olivesBrowser.post(`${care}/claim`, { 'duration-hours': '0', 'duration-minutes': '30' });
  t.equal(claimed.statusCode, 303);
  t.match((await olivesBrowser.get(claimed.headers.location as string)).body, /You claimed 30 minutes of care[\s\S]*You now have 1 hour 30 minutes banked/);
});
