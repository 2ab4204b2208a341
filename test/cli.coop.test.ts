// A care co-operative from the hearth command, run in-process through the binary's entry point on
// one PGlite. The demo's co-op: its register as at a past day and today, rules changed, a withdrawal given notice
// of while withdrawals are suspended, income, interest and a dividend. A second co-op founded in
// the Neighbourhood Network: shares applied for, issued and declined, a vote on spending from its
// pool with a written proxy and a changed vote, paid; a member leaving. Refusals, and the audit.
import t from 'tap';
import { addDays, daysAgo } from '../src/dates.ts';
import { demoHearth } from './support/demo.ts';

const { hearthCommand: hearth, demo } = await demoHearth(t);
const as = (first: string) => ['--as', `${first}@demo.hearth.example`];
const cath = ['--as', 'coordinator@demo.hearth.example'];
const grace = as('grace');
const bill = as('bill');

const network = /Kirkstall Care Co-operative: ([0-9a-f-]{36})/.exec(demo.stdout)?.[1] ?? '';
const n = ['--network', network];
/** People's ids by name, from a register or a list of ballots. */
const ids: Record<string, string> = {};
const idsFrom = (text: string) => {
  for (const [, id, name] of text.matchAll(/^([0-9a-f-]{36})[ ,]+([A-Z][a-z]+ [A-Z][a-z]+)/gm)) ids[name!] = id!;
};

t.test('the demo has a co-op with a register, a forfeit membership share and a vote decided by proxy', async (t) => {
  t.equal(demo.status, 0, demo.stderr);
  t.ok(network, 'the co-op network is named');
  t.match(demo.stdout, /7 members, share capital £4,132\.00; funds £12,633\.00, reserves £1\.00/);
  t.match(demo.stdout, new RegExp(`Register as at ${daysAgo(200)}: 7 members, share capital £4,107\\.00`));
  t.match(demo.stdout, /Priya Shah has given notice to withdraw £50\.00 of her £100\.00 in shares/);
  t.match(demo.stdout, /"Moving and handling refresher for our care workers": passed, 7 of 7 voted \(1 by proxy, 1 vote changed\), for 8, against 1, abstain 2 by weight\n  paid £450\.00 to Leeds Care Training CIC from the co-op's funds/);
  t.match(demo.stdout, /Audit verified/);
});

t.test("the register as at a past day, and today's as CSV", async (t) => {
  const past = await hearth('coop', 'register', ...n, '--as-at', daysAgo(200), ...grace);
  t.equal(past.status, 0, past.stderr);
  t.match(past.stdout, new RegExp(`^Register of members at the end of ${daysAgo(200)}: 7 members, share capital £4,107\\.00`));
  t.match(past.stdout, /Derek Ackroyd\s+supporters\s+\d{4}-\d{2}-\d{2}\s+£1\.00\s+£1,000\.00/, 'Derek held his shares then');
  t.match(past.stdout, /Helen Ackroyd\s+supporters\s+\S+\s+£1\.00\s+£200\.00/, 'before his shares passed to her');
  t.notMatch(past.stdout, /Mary Boateng/, 'Mary was admitted later');
  idsFrom(past.stdout);
  const csv = await hearth('coop', 'register', ...n, '--csv', ...grace);
  t.equal(csv.status, 0, csv.stderr);
  t.match(csv.stdout, /^\uFEFFmember id,name,class,admitted,membership share \(£\),withdrawable shares \(£\),address\r?\n/, 'one table a file: the members');
  const summary = await hearth('coop', 'register', ...n, '--csv', '--table', 'summary', ...grace);
  t.equal(summary.status, 0, summary.stderr);
  t.match(summary.stdout, /Kirkstall Care Co-operative/);
  t.match(summary.stdout, /4132\.00/, 'and the summary: share capital');
  t.notMatch(csv.stdout, /Derek Ackroyd/, 'Derek has died');
  const today = await hearth('coop', 'register', ...n, ...grace);
  t.match(today.stdout, /Former members, and the day each ceased:\n\S+\s+Derek Ackroyd\s+supporters\s+\S+\s+£0\.00\s+£0\.00\s+ceased \d{4}-\d{2}-\d{2}/, 'he is on the register still, as a former member');
  t.match(csv.stdout, /,Helen Ackroyd,supporters,\d{4}-\d{2}-\d{2},1\.00,1200\.00/, 'his nominee holds his shares');
  t.match(csv.stdout, /,Mary Boateng,people receiving care,/);
  idsFrom(csv.stdout);
});

t.test('the rules changed; notice of withdrawal while withdrawals are suspended; income, interest and a dividend', async (t) => {
  const rules = await hearth('coop', 'rules', ...n, '--interest-cap', '2.5', '--reason', 'Agreed at the AGM', ...grace);
  t.equal(rules.status, 0, rules.stderr);
  t.match(rules.stdout, /interest on shares at most 2\.5% a year/);
  t.match(rules.stdout, /withdrawals on 90 days' notice/, 'what was not given stays as it was');
  t.match(rules.stdout, /workers \(2 votes each\), people receiving care \(2 votes each\), supporters \(1 vote each\)/);

  const notice = await hearth('coop', 'withdraw', ...n, '--amount', '100.00', ...as('ann'));
  t.equal(notice.status, 0, notice.stderr);
  t.match(notice.stdout, new RegExp(`may be paid from ${addDays(daysAgo(0), 90)}`));
  const withdrawal = /withdrawal ([0-9a-f-]{36})/.exec(notice.stdout)?.[1] ?? '';
  t.match((await hearth('coop', 'suspend-withdrawals', ...n, '--reason', 'Waiting for the council to pay', ...grace)).stdout, /suspended/);
  const suspended = await hearth('coop', 'pay-withdrawal', ...n, '--withdrawal', withdrawal, '--amount', '100.00', ...bill);
  t.equal(suspended.status, 1);
  t.match(suspended.stderr, /suspended withdrawals/);

  const income = await hearth('coop', 'income', ...n, '--amount', '1,200.00', '--source', 'Leeds City Council: home care hours', '--reference', 'LCC-HC-0650', ...bill);
  t.equal(income.status, 0, income.stderr);
  t.match(income.stdout, /Recorded income [0-9a-f-]{36}/);
  // 2% a year for the days each share was held in the year (actual/365). Grace, Priya, Ann and
  // Bill held theirs all year: £5, £2, £10 and £40. Derek held £1,000 for 320 days until it passed
  // to Helen 45 days ago: 1000.00 * 0.02 * 320 / 365 = £17.534 -> £17.53, owed to his estate.
  // Helen: £200 for 240 days and £1,200 for the last 45: (20,000 * 240 + 120,000 * 45 - 20,000 * 45)
  // = 9,300,000 pence-days * 0.02 / 365 = 509.6p -> £5.09. Edna £50 for 300 days: 82.2p -> £0.82;
  // Mary £25 for 150 days: 20.5p -> £0.20. In all £80.64 to 8 members.
  const interest = await hearth('coop', 'interest', ...n, '--rate', '2', '--from', daysAgo(365), '--to', daysAgo(1), ...grace);
  t.equal(interest.status, 0, interest.stderr);
  t.match(interest.stdout, /^Interest at 2% a year: declaration [0-9a-f-]{36}, £80\.64 to 8 members/);
  t.match(interest.stdout, /\n  Helen Ackroyd\s+£5\.09/, 'each member by name');
  t.match(interest.stdout, /\n  Derek Ackroyd\s+£17\.53/);
  t.notMatch(interest.stdout, /\n  [0-9a-f-]{36}/, 'not by id');
  const dividend = await hearth('coop', 'dividend', ...n, '--amount', '100.00', '--basis', 'services-used-pence', '--from', daysAgo(90), '--to', daysAgo(1), '--participation', `${ids['Edna Firth']}:4500,${ids['Mary Boateng']}:1500`, ...grace);
  t.equal(dividend.status, 0, dividend.stderr);
  t.match(dividend.stdout, /\n  Edna Firth\s+£75\.00  \(participation 4500\)/);
  t.match(dividend.stdout, /\n  Mary Boateng\s+£25\.00  \(participation 1500\)/);

  const shown = await hearth('coop', 'show', ...n, ...cath);
  t.equal(shown.status, 0, shown.stderr);
  t.match(shown.stdout, /^Kirkstall Care Co-operative: 7 members, share capital £4,132\.00\n  funds £13,652\.36, reserves £1\.00; withdrawals are suspended/, '+£1,200 income, -£80.64 interest, -£100 dividend');
  const ann = await hearth('coop', 'member', ...n, '--person', ids['Ann Whitaker']!, ...grace);
  t.equal(ann.status, 0, ann.stderr);
  t.match(ann.stdout, /^Ann Whitaker: supporters, a member since \d{4}-\d{2}-\d{2}\n  membership share £1\.00; shares £500\.00 \(£100\.00 under notice of withdrawal\)/);
  t.match(ann.stdout, /interest\s+£10\.00 paid to them/);
  t.match((await hearth('proposal', 'list', ...n, ...cath)).stdout, /closed\s+£450\.00  Moving and handling refresher for our care workers\s+passed/);
});

t.test('a co-op founded; shares applied for, issued and declined; a vote on spending from a pool, by proxy; a member leaves', async (t) => {
  // The Neighbourhood Network is a society too: its coordinator founds it; Harold is on its board, Joan its treasurer.
  const armley = ['--network', /Armley Neighbourhood Network: ([0-9a-f-]{36})/.exec(demo.stdout)?.[1] ?? ''];
  const harold = as('harold');
  const joan = as('joan');
  const founded = await hearth('coop', 'found', ...armley, '--name', 'Armley Community Society', '--classes', 'users:1,volunteers', '--membership-share', '1', '--min-holding', '5.00', '--notice-days', '30', '--interest-cap', '2.25%', '--date', daysAgo(10), ...cath);
  t.equal(founded.status, 0, founded.stderr);
  t.match(founded.stdout, /^Founded Armley Community Society, with these rules:\n  classes: users \(1 vote each\), volunteers \(one vote each\)\n  membership share £1\.00 \(forfeit on leaving\); shares held from £5\.00 to £100,000\.00\n  withdrawals on 30 days' notice; interest on shares at most 2\.25% a year/);

  const application = async (who: string[], amount: string) => /application ([0-9a-f-]{36})/.exec((await hearth('coop', 'apply', ...armley, '--class', 'volunteers', '--amount', amount, ...who)).stdout)?.[1] ?? '';
  const cathsFirst = await application(cath, '10.00');
  const cathsSecond = await application(cath, '£15');
  const joans = await application(joan, '50');
  const harolds = await application(harold, '25.00');
  t.ok(cathsFirst && cathsSecond && joans && harolds, 'four applications');
  const list = await hearth('coop', 'applications', ...armley, '--status', 'applied', ...harold);
  t.equal(list.status, 0, list.stderr);
  t.match(list.stdout, new RegExp(`${cathsFirst}  ${daysAgo(0)}  applied\\s+£10\\.00  Cath Marsden\\s+volunteers`));
  t.match(list.stdout, new RegExp(`${joans}  ${daysAgo(0)}  applied\\s+£50\\.00  Joan Pickles`));
  t.match((await hearth('coop', 'issue', ...armley, '--application', cathsFirst, ...harold)).stdout, /Issued the shares/);
  t.equal((await hearth('coop', 'issue', ...armley, '--application', joans, ...harold)).status, 0);
  t.equal((await hearth('coop', 'issue', ...armley, '--application', harolds, ...harold)).status, 0, 'the board issues its own member\'s shares too');
  const declined = await hearth('coop', 'decline', ...armley, '--application', cathsSecond, '--reason', 'Applied twice by mistake', ...harold);
  t.equal(declined.status, 0, declined.stderr);

  const pool = /([0-9a-f-]{36})  Armley lunches and activities/.exec((await hearth('pool', 'list', ...armley, ...joan)).stdout)?.[1] ?? '';
  const made = await hearth('proposal', 'make', ...armley, '--title', 'Chair exercise for the winter', '--amount', '120.00', '--payee', 'Move It Leeds', '--purpose', 'Ten more weekly sessions', '--pool', pool, '--closes', addDays(daysAgo(0), 7), '--quorum', '100', '--threshold', '50', ...cath);
  t.equal(made.status, 0, made.stderr);
  const p = [...armley, '--proposal', /proposal ([0-9a-f-]{36})/.exec(made.stdout)?.[1] ?? ''];
  const opened = await hearth('proposal', 'open', ...p, ...harold);
  t.equal(opened.status, 0, opened.stderr);
  t.match(opened.stdout, /Voting is open/);
  const first = await hearth('proposal', 'vote', ...p, '--choice', 'against', ...cath);
  t.equal(first.status, 0, first.stderr);
  // Joan will be away: she appointed Cath her proxy in writing.
  idsFrom((await hearth('network', 'members', ...armley, ...cath)).stdout);
  t.match((await hearth('proposal', 'proxy', ...p, '--grantor', ids['Joan Pickles']!, '--proxy', ids['Cath Marsden']!, '--document', 'Letter from Joan Pickles', ...harold)).stdout, /^Recorded the proxy: Cath Marsden may vote for Joan Pickles on proposal/, 'the proxy and who gave it, by name');
  const byProxy = await hearth('proposal', 'vote', ...p, '--choice', 'for', '--voter', ids['Joan Pickles']!, ...cath);
  t.equal(byProxy.status, 0, byProxy.stderr);
  t.match(byProxy.stdout, /as the proxy of Joan Pickles;/);
  t.equal((await hearth('proposal', 'vote', ...p, '--choice', 'against', ...harold)).status, 0);
  t.equal((await hearth('proposal', 'vote', ...p, '--choice', 'for', ...cath)).status, 0, 'Cath changes her vote');

  const ballots = await hearth('proposal', 'ballots', ...p, ...harold);
  t.equal(ballots.status, 0, ballots.stderr);
  t.equal(ballots.stdout.trim().split('\n').length, 3, 'while voting is open, each voter once');
  t.match(ballots.stdout, /Cath Marsden\s+for\n[\s\S]*Joan Pickles\s+for\n?$/, 'by name, with neither time nor proxy');
  t.notMatch(ballots.stdout, /cast by|\d{4}-\d{2}-\d{2}T|[0-9a-f]{8}-[0-9a-f]{4}/, 'and no ids');
  const closed = await hearth('proposal', 'close', ...p, ...harold);
  t.equal(closed.status, 0, closed.stderr);
  const kept = await hearth('proposal', 'ballots', ...p, ...harold);
  t.match(kept.stdout, /Cath Marsden\s+against[\s\S]*Joan Pickles\s+for\s+\S+  cast by their proxy, Cath Marsden[\s\S]*Cath Marsden\s+for/, 'once closed, every ballot is kept, in order');
  t.match(closed.stdout, /^Chair exercise for the winter: £120\.00 to Move It Leeds, from pool [0-9a-f-]{36}\n/);
  t.match(closed.stdout, /3 of 3 electors voted; for 2, against 1, abstain 0 \(by weight\): passed/);
  const paid = await hearth('proposal', 'pay', ...p, '--amount', '120.00', '--invoice', 'MIL-2290', '--for', `${ids['Edna Firth']}:60.00,${ids['Walter Greenwood']}:60.00`, ...joan);
  t.equal(paid.status, 0, paid.stderr);
  t.match(paid.stdout, /Paid £120\.00 on proposal [0-9a-f-]{36}: payment [0-9a-f-]{36}\./);
  const again = await hearth('proposal', 'pay', ...p, '--amount', '1.00', '--invoice', 'MIL-2291', '--for', `${ids['Edna Firth']}:1.00`, ...joan);
  t.equal(again.status, 1, 'a proposal authorises one payment');
  t.match(again.stderr, /one payment already/);

  // Cath gives notice for all her shares and leaves: her membership share is forfeit.
  t.match((await hearth('coop', 'withdraw', ...armley, '--amount', '10.00', ...cath)).stdout, new RegExp(`may be paid from ${addDays(daysAgo(0), 30)}`));
  const left = await hearth('coop', 'leave', ...armley, '--person', ids['Cath Marsden']!, '--reason', 'left', ...cath);
  t.equal(left.status, 0, left.stderr);
  t.match(left.stdout, /^Ended the membership of Cath Marsden; their membership share is forfeit to reserves/);

  const audit = await hearth('audit', 'verify');
  t.equal(audit.status, 0, audit.stdout + audit.stderr);
});
