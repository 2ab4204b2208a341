// `hearth demo`: a small, realistic time bank, care-bank scheme and Neighbourhood Network pool,
// loaded through the API as their people would load them, so that a newcomer has something to look
// at and every rule is exercised.
// Dates are counted back from today. Running it again finds the demo loaded and only reports.
import type { Ledger } from './ledger.ts';
import { Refused } from './ledger.ts';
import { formatObligation, formatStatement } from './commands.ts';
import { daysAgo } from '../dates.ts';
import { pounds } from '../pools/pool.ts';
import { auditDifferences, verifyAudit } from '../audit/verify.ts';

const TIME_BANK = 'Kirkstall Time Bank';
const SCHEME = 'Kirkstall Care Bank';
const NEIGHBOURHOOD = 'Armley Neighbourhood Network';
const POOL = 'Armley lunches and activities';
export const DEMO_COORDINATOR = { email: 'coordinator@demo.hearth.example', password: 'kirkstall demo passphrase' };

interface Someone {
  name: string;
  dateOfBirth: string;
  /** Online members sign in; the others are recorded by the coordinator. */
  online: boolean;
}

const people = {
  ann: { name: 'Ann Whitaker', dateOfBirth: '1949-04-12', online: true },
  bob: { name: 'Bob Okafor', dateOfBirth: '1958-09-30', online: true },
  priya: { name: 'Priya Shah', dateOfBirth: '1990-02-17', online: true },
  tom: { name: 'Tom Hirst', dateOfBirth: '1984-06-05', online: true },
  edna: { name: 'Edna Firth', dateOfBirth: '1938-01-22', online: false },
  walter: { name: 'Walter Greenwood', dateOfBirth: '1941-07-08', online: false },
  mary: { name: 'Mary Boateng', dateOfBirth: '1944-03-15', online: false },
  stan: { name: 'Stan Lowe', dateOfBirth: '1952-11-03', online: false },
} satisfies Record<string, Someone>;
type Who = keyof typeof people;


// [days ago, provider, receiver, minutes, category, description]
const exchanges: Array<[number, Who, Who, number, string, string]> = [
  [160, 'priya', 'edna', 60, 'shopping', 'Weekly shop from the Co-op'],
  [158, 'tom', 'walter', 120, 'gardening', 'Cut back the hedge'],
  [151, 'ann', 'mary', 90, 'befriending', 'Tea and a chat'],
  [150, 'bob', 'stan', 45, 'lifts', 'Lift to the GP surgery'],
  [140, 'edna', 'priya', 60, 'befriending', 'Taught Priya to knit'],
  [133, 'priya', 'edna', 60, 'shopping', 'Weekly shop from the Co-op'],
  [126, 'tom', 'ann', 150, 'odd jobs', 'Put up shelves in the back room'],
  [120, 'walter', 'tom', 60, 'computer help', 'Showed Tom how to file his tax return'],
  [112, 'ann', 'mary', 90, 'befriending', 'Tea and a chat'],
  [105, 'bob', 'walter', 30, 'lifts', 'Lift to the pharmacy'],
  [98, 'priya', 'stan', 75, 'computer help', 'Set up video calls with his grandson'],
  [91, 'mary', 'ann', 120, 'befriending', 'Reading group at Mary\'s'],
  [84, 'tom', 'edna', 90, 'gardening', 'Planted winter pansies'],
  [77, 'ann', 'bob', 60, 'odd jobs', 'Took up Bob\'s trousers'],
  [70, 'stan', 'priya', 120, 'odd jobs', 'Fixed the bike'],
  [63, 'priya', 'edna', 60, 'shopping', 'Weekly shop from the Co-op'],
  [56, 'bob', 'mary', 45, 'lifts', 'Lift to the hospital'],
  [49, 'ann', 'walter', 90, 'befriending', 'Walk round Kirkstall Abbey'],
  [42, 'tom', 'stan', 60, 'gardening', 'Raked the leaves'],
  [35, 'walter', 'ann', 45, 'computer help', 'Sorted out the printer'],
  [28, 'priya', 'edna', 60, 'shopping', 'Weekly shop from the Co-op'],
  [21, 'ann', 'mary', 90, 'befriending', 'Tea and a chat'],
  [14, 'bob', 'edna', 40, 'lifts', 'Lift to the hairdresser'],
  [7, 'tom', 'walter', 120, 'gardening', 'Cleared the gutters'],
  [3, 'ann', 'stan', 60, 'befriending', 'Dominoes at the community centre'],
];

// [days ago, volunteer, cared-for person, minutes, activity]
const care: Array<[number, Who, Who, number, string]> = [
  [150, 'priya', 'edna', 120, 'befriending'],
  [140, 'tom', 'walter', 180, 'gardening'],
  [130, 'bob', 'mary', 90, 'lifts'],
  [120, 'priya', 'edna', 120, 'shopping'],
  [100, 'tom', 'walter', 240, 'household'],
  [90, 'bob', 'mary', 60, 'lifts'],
  [70, 'priya', 'edna', 150, 'befriending'],
  [45, 'tom', 'walter', 120, 'gardening'],
  [30, 'bob', 'stan', 120, 'shopping'],
  [10, 'priya', 'mary', 90, 'befriending'],
];

export async function loadDemo(ledger: Ledger, say: (line: string) => void): Promise<void> {
  const sessions: string[] = [];
  const signIn = async (email: string, password: string) => {
    sessions.push((await ledger.call('POST', '/sessions', { email, password })).body.token as string);
    return sessions.at(-1)!;
  };
  try {
    let coordinator: string;
    try {
      coordinator = await signIn(DEMO_COORDINATOR.email, DEMO_COORDINATOR.password);
    } catch (err) {
      if (!(err instanceof Refused)) throw err;
      coordinator = await load(ledger, signIn);
    }
    await report(ledger, coordinator, say);
  } finally {
    for (const token of sessions) await ledger.call('DELETE', '/sessions/current', undefined, { token });
  }
}

async function load(ledger: Ledger, signIn: (email: string, password: string) => Promise<string>): Promise<string> {
  const call = (token: string, method: 'POST' | 'PUT', path: string, body?: unknown, onBehalfOf?: string) => ledger.call(method, path, body, { token, onBehalfOf });

  await ledger.call('POST', '/accounts', { name: 'Cath Marsden', ...DEMO_COORDINATOR });
  const cath = await signIn(DEMO_COORDINATOR.email, DEMO_COORDINATOR.password);
  const timeBank = (await call(cath, 'POST', '/networks', { name: TIME_BANK, kind: 'time_bank' })).body.networkId as string;
  const scheme = (await call(cath, 'POST', '/networks', { name: SCHEME, kind: 'care_bank_scheme' })).body.networkId as string;

  const id = {} as Record<Who, string>;
  const token = {} as Record<Who, string>;
  for (const [who, p] of Object.entries(people) as Array<[Who, Someone]>) {
    if (p.online) {
      const email = `${who}@demo.hearth.example`;
      id[who] = (await ledger.call('POST', '/accounts', { name: p.name, email, password: DEMO_COORDINATOR.password, dateOfBirth: p.dateOfBirth })).body.personId;
      token[who] = await signIn(email, DEMO_COORDINATOR.password);
      for (const network of [timeBank, scheme]) {
        await call(cath, 'POST', `/networks/${network}/invitations`, { personId: id[who] });
        await call(token[who], 'POST', `/networks/${network}/invitations/acceptance`);
      }
    } else {
      id[who] = (await call(cath, 'POST', `/networks/${timeBank}/members`, { name: p.name, dateOfBirth: p.dateOfBirth })).body.personId;
      await call(cath, 'POST', `/networks/${scheme}/invitations`, { personId: id[who] });
      await call(cath, 'POST', `/networks/${scheme}/invitations/acceptance`, undefined, id[who]);
    }
  }

  const tb = `/networks/${timeBank}/timebank`;
  for (const category of ['gardening', 'lifts', 'shopping', 'befriending', 'odd jobs', 'computer help']) {
    await call(cath, 'PUT', `${tb}/categories/${encodeURIComponent(category)}`, {});
  }
  for (const [ago, provider, receiver, minutes, category, description] of exchanges) {
    const body = { providerId: id[provider], receiverId: id[receiver], minutes, category, description, occurredOn: daysAgo(ago) };
    // Online members log their own; the coordinator logs for those who are not online.
    const logged = people[provider].online
      ? await call(token[provider], 'POST', `${tb}/exchanges`, body)
      : await call(cath, 'POST', `${tb}/exchanges`, body, id[provider]);
    const exchange = `${tb}/exchanges/${logged.body.exchangeId}`;
    if (people[receiver].online) await call(token[receiver], 'POST', `${exchange}/confirmation`);
    else await call(cath, 'POST', `${exchange}/confirmation`);
  }
  // One logged twice by mistake and cancelled; one confirmed in error and reversed.
  const twice = await call(token.priya, 'POST', `${tb}/exchanges`, { providerId: id.priya, receiverId: id.edna, minutes: 60, category: 'shopping', description: 'Weekly shop from the Co-op', occurredOn: daysAgo(28) });
  await call(token.priya, 'POST', `${tb}/exchanges/${twice.body.exchangeId}/cancellation`, { reason: 'Logged twice' });
  const wrong = await call(token.bob, 'POST', `${tb}/exchanges`, { providerId: id.bob, receiverId: id.walter, minutes: 45, category: 'lifts', description: 'Lift to the GP surgery', occurredOn: daysAgo(150) });
  await call(cath, 'POST', `${tb}/exchanges/${wrong.body.exchangeId}/confirmation`);
  await call(cath, 'POST', `${tb}/exchanges/${wrong.body.exchangeId}/reversal`, { reason: 'The lift was for Stan, and is already recorded' });
  // The community chest: a member gives hours, the coordinator grants some to someone housebound.
  await call(token.priya, 'POST', `${tb}/chest/donations`, { minutes: 120 });
  await call(cath, 'POST', `${tb}/chest/grants`, { personId: id.edna, minutes: 90 });

  const cb = `/networks/${scheme}/carebank`;
  await call(cath, 'POST', `${cb}/rules`, { minimumAgeToBank: 18, claimFromAge: 60, dailyCapMinutes: 300, lifetimeCapMinutes: null, effectiveFrom: daysAgo(365) });
  // The scheme lowered its daily cap to four hours two months ago; earlier banking keeps its rules.
  await call(cath, 'POST', `${cb}/rules`, { minimumAgeToBank: 18, claimFromAge: 60, dailyCapMinutes: 240, lifetimeCapMinutes: null, effectiveFrom: daysAgo(60) });
  for (const [ago, volunteer, recipient, minutes, activity] of care) {
    const logged = await call(token[volunteer], 'POST', `${cb}/care`, { volunteerId: id[volunteer], recipientId: id[recipient], minutes, activity, occurredOn: daysAgo(ago) });
    await call(cath, 'POST', `${cb}/care/${logged.body.careId}/confirmation`);
  }
  await call(token.tom, 'POST', `${cb}/pledges`, { relativeId: id.ann, minutes: 180 });
  await call(token.priya, 'POST', `${cb}/pool-donations`, { minutes: 60 });
  await call(token.bob, 'POST', `${cb}/claims`, { minutes: 60 });

  await loadPool(ledger, signIn, cath, { edna: id.edna, walter: id.walter, mary: id.mary });
  return cath;
}

/**
 * A Neighbourhood Network's pool: three budget holders commit part of their Direct Payments, the
 * council adds to it; last quarter's books are closed (the council claws back part of an unspent
 * share, a surplus goes to the community); this month's payments are approved by the treasurer,
 * and above £250 by a board member too; then the bank statement is reconciled.
 */
async function loadPool(ledger: Ledger, signIn: (email: string, password: string) => Promise<string>, cath: string, holders: Record<'edna' | 'walter' | 'mary', string>) {
  const call = (token: string, method: 'POST' | 'PUT', path: string, body?: unknown) => ledger.call(method, path, body, { token });
  const network = (await call(cath, 'POST', '/networks', { name: NEIGHBOURHOOD, kind: 'neighbourhood_network' })).body.networkId as string;
  const keeper = async (name: string, first: string, role: 'treasurer' | 'board') => {
    const email = `${first}@demo.hearth.example`;
    const personId = (await ledger.call('POST', '/accounts', { name, email, password: DEMO_COORDINATOR.password })).body.personId as string;
    const token = await signIn(email, DEMO_COORDINATOR.password);
    await call(cath, 'POST', `/networks/${network}/invitations`, { personId });
    await call(token, 'POST', `/networks/${network}/invitations/acceptance`);
    await call(cath, 'PUT', `/networks/${network}/members/${personId}/roles`, { roles: ['member', role], reason: `Elected ${role} at the AGM` });
    return token;
  };
  const joan = await keeper('Joan Pickles', 'joan', 'treasurer');
  const harold = await keeper('Harold Dyson', 'harold', 'board');
  for (const personId of Object.values(holders)) {
    await call(cath, 'POST', `/networks/${network}/invitations`, { personId });
    await ledger.call('POST', `/networks/${network}/invitations/acceptance`, undefined, { token: cath, onBehalfOf: personId });
  }

  const pool = `/networks/${network}/pools/${(await call(cath, 'POST', `/networks/${network}/pools`, { name: POOL, twoApproversAbovePence: 25_000 })).body.poolId}`;
  const receive = (source: string, holderId: string | null, pence: number, reference: string, ago: number) =>
    call(joan, 'POST', `${pool}/receipts`, { source, holderId, pence, reference, receivedOn: daysAgo(ago) });
  await receive('contribution', holders.edna, 30_000, 'DP FIRTH Q1', 120);
  await receive('contribution', holders.walter, 30_000, 'DP GREENWOOD Q1', 118);
  await receive('contribution', holders.mary, 20_000, 'DP BOATENG Q1', 115);
  await receive('council', null, 50_000, 'LCC POOLING GRANT', 110);
  // Last quarter closes: Mary's unspent share is partly clawed back; a surplus goes to the community.
  await call(joan, 'POST', `${pool}/periods`, {
    periodEnd: daysAgo(60),
    reinvest: { pence: 10_000, purpose: 'Armley community garden: tools and seeds' },
    clawBacks: [{ holderId: holders.mary, pence: 5_000, reference: 'LCC DP RECOVERY' }],
  });
  await receive('contribution', holders.edna, 15_000, 'DP FIRTH Q2', 20);
  await receive('contribution', holders.walter, 15_000, 'DP GREENWOOD Q2', 19);

  const pay = async (by: string, payee: string, purpose: string, invoiceReference: string, pence: number, shares: Array<[string, number]>, approvers: string[]) => {
    const paymentId = (await call(by, 'POST', `${pool}/payments`, { payee, purpose, invoiceReference, pence, beneficiaries: shares.map(([holderId, part]) => ({ holderId, pence: part })), submittedOn: daysAgo(5) })).body.paymentId;
    for (const approver of approvers) await call(approver, 'POST', `${pool}/payments/${paymentId}/approval`);
    return paymentId as string;
  };
  const lunches = await pay(cath, 'Armley Kitchen CIC', 'Lunch club, three lunches a week', 'AK-0193', 36_000, [[holders.edna, 12_000], [holders.walter, 12_000], [holders.mary, 12_000]], [joan, harold]);
  await pay(cath, 'Move It Leeds', 'Chair-based exercise, weekly', 'MIL-2207', 9_000, [[holders.edna, 4_500], [holders.walter, 4_500]], [joan]);
  await call(joan, 'POST', `${pool}/refunds`, { paymentId: lunches, pence: 4_000, reference: 'AK-0193 CREDIT', receivedOn: daysAgo(0) });

  // The bank's statement: everything in the ledger, and a bank charge the treasurer has yet to record.
  const lines: Array<[number, string, number]> = [
    [120, 'DP FIRTH Q1', 30_000], [117, 'DP GREENWOOD Q1', 30_000], [115, 'DP BOATENG Q1', 20_000], [109, 'LEEDS CITY COUNCIL LCC POOLING GRANT', 50_000],
    [60, 'LCC DP RECOVERY', -5_000], [59, 'ARMLEY COMMUNITY GARDEN', -10_000], [30, 'SERVICE CHARGE', -500],
    [20, 'DP FIRTH Q2', 15_000], [18, 'DP GREENWOOD Q2', 15_000], [0, 'ARMLEY KITCHEN CIC AK-0193', -36_000], [0, 'MOVE IT LEEDS MIL-2207', -9_000], [0, 'ARMLEY KITCHEN AK-0193 CREDIT', 4_000],
  ];
  let balance = 0;
  const csv = ['Date,Description,Amount,Balance', ...lines.map(([ago, description, pence]) => `${daysAgo(ago)},${description},${pounds(pence)},${pounds((balance += pence))}`)].join('\n');
  await ledger.call('POST', `${pool}/bank-statements`, csv, { token: joan, contentType: 'text/csv' });
}

async function report(ledger: Ledger, coordinator: string, say: (line: string) => void): Promise<void> {
  const get = async (path: string) => (await ledger.call('GET', path, undefined, { token: coordinator })).body;
  const networks = (await get('/me')).memberships as Array<{ networkId: string; networkName: string }>;
  const timeBank = networks.find((n) => n.networkName === TIME_BANK)!;
  const scheme = networks.find((n) => n.networkName === SCHEME)!;
  const members = (await get(`/networks/${timeBank.networkId}/members`)).items as Array<{ personId: string; name: string }>;
  const ann = members.find((m) => m.name === people.ann.name)!;

  say(`The demo: sign in as ${DEMO_COORDINATOR.email} with "${DEMO_COORDINATOR.password}" (every demo member's email is <first name>@demo.hearth.example, same passphrase).`);
  say(`${TIME_BANK}: ${timeBank.networkId}`);
  say(`${SCHEME}: ${scheme.networkId}`);
  say('');
  say(`${people.ann.name}'s time-bank statement:`);
  say(formatStatement(await get(`/networks/${timeBank.networkId}/timebank/accounts/${ann.personId}/statement?from=${daysAgo(180)}&to=${daysAgo(0)}`)));
  say('');
  say(formatObligation(await get(`/networks/${scheme.networkId}/carebank/obligation?asAt=${daysAgo(60)}`)));
  say('');
  say(formatObligation(await get(`/networks/${scheme.networkId}/carebank/obligation?asAt=${daysAgo(0)}`)));

  const neighbourhood = networks.find((n) => n.networkName === NEIGHBOURHOOD)!;
  const pools = (await get(`/networks/${neighbourhood.networkId}/pools`)).items as Array<{ poolId: string; name: string }>;
  const pool = `/networks/${neighbourhood.networkId}/pools/${pools.find((p) => p.name === POOL)!.poolId}`;
  const shown = await get(pool);
  const [period] = (await get(`${pool}/periods`)).items as Array<{ periodEnd: string; digest: string }>;
  const reconciliation = await get(`${pool}/reconciliation`);
  const trial = await get(`${pool}/trial-balance`);
  say('');
  say(`${NEIGHBOURHOOD}: ${neighbourhood.networkId}; the treasurer is joan@demo.hearth.example`);
  say(`${POOL}: balance ${shown.balance.pounds}; books closed to ${period!.periodEnd} (digest ${period!.digest.slice(0, 16)}…)`);
  for (const h of shown.holders as Array<{ name: string; contributed: { pounds: string }; spent: { pounds: string }; shareOfBalance: { pounds: string } }>) {
    say(`  ${h.name.padEnd(20)} contributed ${h.contributed.pounds.padStart(9)}  spent on their behalf ${h.spent.pounds.padStart(9)}  share of balance ${h.shareOfBalance.pounds.padStart(9)}`);
  }
  say(`Trial balance: debits ${trial.totalDebit.pounds}, credits ${trial.totalCredit.pounds}.`);
  say(`Bank reconciliation: ${reconciliation.matched.length} lines matched; unmatched in the bank: ${reconciliation.unmatchedLines.map((l: { description: string; amount: string }) => `${l.description} ${l.amount}`).join(', ') || 'none'}; unmatched in the ledger: ${reconciliation.unmatchedEntries.length}.`);
  const differences = auditDifferences(await verifyAudit(ledger.hearth));
  say(differences.length === 0 ? 'Audit verified: every hash chain, every recorded digest and every projection agrees with the log.' : `Audit found ${differences.length} differences:\n  ${differences.join('\n  ')}`);
}
