// `hearth demo`: a small, realistic time bank with learning vouchers, a care-bank scheme, a
// Neighbourhood Network pool and a care co-operative, loaded through the API as their people would
// load them, so that a newcomer has something to look at and every rule is exercised.
// Dates are counted back from today. Running it again finds the demo loaded and only reports.
import { randomUUID } from 'node:crypto';
import type { Ledger } from './ledger.ts';
import { Refused } from './ledger.ts';
import { formatObligation, formatStatement } from './commands.ts';
import { daysAgo } from '../dates.ts';
import { pounds } from '../pools/pool.ts';
import { decideAcross } from '../commands/decide.ts';
import { defaultPolicy, voucherDecider, voucherStream, type VoucherValue } from '../vouchers/voucher.ts';
import { auditDifferences, verifyAudit } from '../audit/verify.ts';
import type { Config } from '../config.ts';

const TIME_BANK = 'Kirkstall Time Bank';
const SCHEME = 'Kirkstall Care Bank';
const NEIGHBOURHOOD = 'Armley Neighbourhood Network';
const POOL = 'Armley lunches and activities';
const COOP = 'Kirkstall Care Co-operative';
const PROPOSAL = 'Moving and handling refresher for our care workers';
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
    // A demo loaded before the co-op was part of it gains the co-op.
    const networks = (await ledger.call('GET', '/me', undefined, { token: coordinator })).body.memberships as Array<{ networkName: string }>;
    if (!networks.some((n) => n.networkName === COOP)) await loadCoop(ledger, signIn, coordinator, await demoPeople(ledger, coordinator));
    // What is left waiting comes last, so a demo loaded before there was any gains it; the newcomer's account is the sign.
    if (!(await signsIn(ledger, NEWCOMER.email))) await leaveWaiting(ledger, signIn, coordinator);
    await report(ledger, coordinator, say, signIn);
  } finally {
    for (const token of sessions) await ledger.call('DELETE', '/sessions/current', undefined, { token });
  }
}

/** Sign-up does not say who was signed up (it answers alike for an email already taken): the person's own session does. */
const personOf = async (ledger: Ledger, token: string) => (await ledger.call('GET', '/me', undefined, { token })).body.personId as string;

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
      await ledger.call('POST', '/accounts', { name: p.name, email, password: DEMO_COORDINATOR.password, dateOfBirth: p.dateOfBirth });
      token[who] = await signIn(email, DEMO_COORDINATOR.password);
      id[who] = await personOf(ledger, token[who]);
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
  // Offers and requests: members post what they can give and what they need; the coordinator posts
  // for those who are not online.
  const posts: Array<[Who, 'offer' | 'request', Record<string, unknown>]> = [
    ['priya', 'offer', { title: 'Lifts to the shops on Fridays', category: 'lifts', tags: ['car', 'shopping'], area: 'LS5', suits: { note: 'Friday mornings', weekdays: ['friday'] } }],
    ['bob', 'offer', { title: 'Help setting up a smartphone or tablet', category: 'computer help', tags: ['phone', 'video calls'], area: 'Kirkstall', description: 'I can show you how to video call the family.' }],
    ['ann', 'offer', { title: 'Pruning roses and tidying borders', category: 'gardening', tags: ['roses'], area: 'LS5' }],
    ['edna', 'request', { title: 'Someone to change a ceiling light bulb', category: 'odd jobs', tags: ['ladder'], area: 'Kirkstall', neededBy: daysAgo(-14) }],
    ['walter', 'request', { title: 'A chat over a cup of tea', category: 'befriending', tags: ['company'], area: 'Kirkstall', suits: { note: 'afternoons', weekdays: ['tuesday', 'thursday'] } }],
  ];
  for (const [who, kind, details] of posts) {
    await (people[who].online ? call(token[who], 'POST', `${tb}/posts`, { kind, ...details }) : call(cath, 'POST', `${tb}/posts`, { kind, ...details }, id[who]));
  }

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

  await loadAnswers(ledger, cath, timeBank, id, token);
  await loadVouchers(ledger, signIn, cath, timeBank, id, token);
  await loadPool(ledger, signIn, cath, { edna: id.edna, walter: id.walter, mary: id.mary });
  await loadCoop(ledger, signIn, cath, id);
  return cath;
}

/**
 * Offers and requests, answered: Edna (not online) asked for a lift to the eye clinic, Cath posted
 * it for her, Bob answered and Cath accepted for Edna, so an arrangement waits to be logged once the
 * lift is given. Ann offered help with letters and forms, and Priya's answer is being talked over.
 */
async function loadAnswers(ledger: Ledger, cath: string, timeBank: string, id: Record<Who, string>, token: Record<Who, string>) {
  const call = (who: string, path: string, body?: unknown, onBehalfOf?: string) => ledger.call('POST', path, body, { token: who, onBehalfOf });
  const publish = async (who: string, onBehalfOf: string | undefined, kind: 'offer' | 'request', details: Record<string, unknown>) => {
    const { postId } = (await call(who, `/networks/${timeBank}/timebank/posts`, { kind, ...details }, onBehalfOf)).body as { postId: string };
    return `/networks/${timeBank}/timebank/posts/${postId}/answers`;
  };
  const lift = await publish(cath, id.edna, 'request', { title: 'Lift to the eye clinic', description: 'Edna needs a lift to St James’s eye clinic and back', category: 'lifts', area: 'Kirkstall' });
  const bobs = (await call(token.bob, lift, { message: 'I can take Edna on Tuesday morning and wait for her' })).body.answerId as string;
  await call(cath, `${lift}/${bobs}/messages`, { message: 'Thank you Bob: her appointment is at 10, I will let her know' }, id.edna);
  await call(cath, `${lift}/${bobs}/acceptance`, undefined, id.edna);
  const forms = await publish(token.ann, undefined, 'offer', { title: 'Help with letters and forms', description: 'I used to work at the council and am happy to help with letters and forms', category: 'computer help', area: 'Kirkstall' });
  const priyas = (await call(token.priya, forms, { message: 'Could you help me with a housing benefit form?' })).body.answerId as string;
  await call(token.ann, `${forms}/${priyas}/messages`, { message: 'Of course, shall we meet at the library on Friday?' });
}

/** The time bank's treasurer, who records the money for vouchers and expires them. */
const TREASURER = 'tom@demo.hearth.example';

/**
 * Learning vouchers in the time bank: Edna's daughter gave her six computer lessons for her
 * birthday and Priya, a learning mentor, has given three; Stan's grandson gave him £50 and Ann gave
 * Mary £20, which paid, with Ann's own £8, for today's Singing for the brain; and four
 * lessons Stan's grandson gave him over two years ago ran out with three unused, back to the giver.
 */
async function loadVouchers(ledger: Ledger, signIn: (email: string, password: string) => Promise<string>, cath: string, timeBank: string, id: Record<Who, string>, token: Record<Who, string>) {
  const call = (by: string, method: 'POST' | 'PUT', path: string, body?: unknown) => ledger.call(method, path, body, { token: by });
  const network = `/networks/${timeBank}`;
  const vouchers = `${network}/vouchers`;
  const relative = async (name: string, first: string) => {
    const email = `${first}@demo.hearth.example`;
    await ledger.call('POST', '/accounts', { name, email, password: DEMO_COORDINATOR.password });
    const by = await signIn(email, DEMO_COORDINATOR.password);
    const personId = await personOf(ledger, by);
    await call(cath, 'POST', `${network}/invitations`, { personId });
    await call(by, 'POST', `${network}/invitations/acceptance`);
    await call(cath, 'PUT', `${network}/members/${personId}/roles`, { roles: ['member', 'family'], reason: 'Joined to give learning vouchers' });
    return { personId, token: by };
  };
  const karen = await relative('Karen Firth', 'karen');
  const jake = await relative('Jake Lowe', 'jake');
  await call(cath, 'PUT', `${network}/members/${id.priya}/roles`, { roles: ['member', 'mentor'], reason: 'Trained as a learning mentor' });
  await call(cath, 'PUT', `${network}/members/${id.bob}/roles`, { roles: ['member', 'mentor'], reason: 'Leads Singing for the brain' });
  await call(cath, 'PUT', `${network}/members/${id.tom}/roles`, { roles: ['member', 'treasurer'], reason: 'Elected treasurer at the AGM' });
  const at = (ago: number, time: string) => `${daysAgo(ago)}T${time}:00.000Z`;
  const lesson = (learnerId: string, voucherId: string, startsAt: string) =>
    call(token.priya, 'POST', `${vouchers}/sessions`, { startsAt, activity: 'Computer skills', feePence: null, shares: [{ learnerId, voucherId, pence: null }] });

  // The API dates a voucher the day it is given, so one given weeks or years ago cannot be given
  // through it. These two purchases, and only these, are written by the domain's own command with
  // the day they were given, under the policy of that day (the default: two years, then back to
  // the giver), as a data migration would; the money, the lessons and the expiry go through the API.
  const givenEarlier = async (giver: string, learnerId: string, value: VoucherValue, occasion: string, message: string, ago: number) => {
    const voucherId = randomUUID();
    const command = {
      type: 'BuyVoucher' as const, voucherId, networkId: timeBank, giverId: giver, learnerId, value, occasion,
      message: await ledger.hearth.vault.seal(giver, message), policy: defaultPolicy, today: daysAgo(ago),
    };
    await decideAcross(ledger.hearth.store, { voucher: [voucherStream(voucherId), voucherDecider] }, (s) => ({ voucher: voucherDecider.decide(command, s.voucher) }), { actor: giver, onBehalfOf: null, commandId: randomUUID(), correlationId: randomUUID(), causationId: null, now: new Date().toISOString() });
    return voucherId;
  };
  const lapsed = await givenEarlier(jake.personId, id.stan, { kind: 'sessions', activity: 'Computer skills', sessions: 4, pencePerSession: 1_200 }, 'Birthday', 'Happy birthday Grandad: now you can video call us. Jake', 800);
  await call(token.tom, 'POST', `${vouchers}/${lapsed}/payment`, { pence: 4_800, reference: 'J LOWE GIFT', receivedOn: daysAgo(797) });
  await lesson(id.stan, lapsed, at(790, '14:00'));
  const ednas = await givenEarlier(karen.personId, id.edna, { kind: 'sessions', activity: 'Computer skills', sessions: 6, pencePerSession: 1_500 }, 'Birthday', 'Happy birthday Mum! So you can see the grandchildren on the tablet. Love, Karen', 35);
  await call(token.tom, 'POST', `${vouchers}/${ednas}/payment`, { pence: 9_000, reference: 'K FIRTH BIRTHDAY', receivedOn: daysAgo(33) });
  for (const ago of [28, 21, 14]) await lesson(id.edna, ednas, at(ago, '14:00'));

  // From today vouchers last a year, and what is left then goes to the learning fund.
  await call(cath, 'PUT', `${vouchers}/policy`, { expiryMonths: 12, atExpiry: 'learning-fund' });
  const stans = (await call(jake.token, 'POST', vouchers, { learnerId: id.stan, value: { kind: 'amount', pence: 5_000 }, occasion: 'For the singing', message: 'Keep singing, Grandad. Jake' })).body.voucherId as string;
  const marys = (await call(token.ann, 'POST', vouchers, { learnerId: id.mary, value: { kind: 'amount', pence: 2_000 }, occasion: 'Thank you', message: 'Thank you for the reading group, Mary. Ann' })).body.voucherId as string;
  await call(token.tom, 'POST', `${vouchers}/${stans}/payment`, { pence: 5_000, reference: 'J LOWE SINGING', receivedOn: daysAgo(0) });
  await call(token.tom, 'POST', `${vouchers}/${marys}/payment`, { pence: 2_000, reference: 'A WHITAKER GIFT', receivedOn: daysAgo(0) });
  // Today's session, £24 between three: two vouchers, and Ann paying her own way. It started
  // an hour or two ago, and today: the vouchers that pay for it were given today.
  const started = new Date(Math.max(Date.parse(at(0, '00:00')), Date.now() - 90 * 60_000));
  started.setUTCMinutes(started.getUTCMinutes() - (started.getUTCMinutes() % 15), 0, 0);
  await call(token.bob, 'POST', `${vouchers}/sessions`, {
    startsAt: started.toISOString(), activity: 'Singing for the brain', feePence: 2_400,
    shares: [{ learnerId: id.stan, voucherId: stans, pence: 800 }, { learnerId: id.mary, voucherId: marys, pence: 800 }, { learnerId: id.ann, voucherId: null, pence: 800 }],
  });
  // Stan's lessons ran out some weeks ago: the treasurer's expiry run sends what is left back to Jake.
  await call(token.tom, 'POST', `${vouchers}/expiry`);
}

/** The time bank's people by their ids, found by name. */
async function demoPeople(ledger: Ledger, cath: string): Promise<Record<Who, string>> {
  const networks = (await ledger.call('GET', '/me', undefined, { token: cath })).body.memberships as Array<{ networkId: string; networkName: string }>;
  const timeBank = networks.find((n) => n.networkName === TIME_BANK)!.networkId;
  const members = (await ledger.call('GET', `/networks/${timeBank}/members`, undefined, { token: cath })).body.items as Array<{ personId: string; name: string }>;
  return Object.fromEntries(Object.entries(people).map(([who, p]) => [who, members.find((m) => m.name === p.name)!.personId])) as Record<Who, string>;
}

/**
 * A small multi-stakeholder care co-operative (after the Somerset Rules): care workers and people
 * receiving care have two votes each, supporters one. Its members took up shares over the past
 * year; a supporter died and his shares passed to his nominee, his membership share forfeit to
 * reserves; the co-op earns from its care contract and a grant. A member gives notice to withdraw
 * some shares today. The members voted on paying for their workers' training: one of them by a
 * written proxy, one changing her vote; with every ballot in, the board closed the vote early and
 * the treasurer paid the trainer from the co-op's funds.
 */
async function loadCoop(ledger: Ledger, signIn: (email: string, password: string) => Promise<string>, cath: string, id: Record<Who, string>) {
  const call = (token: string, method: 'POST' | 'PUT', path: string, body?: unknown, onBehalfOf?: string) => ledger.call(method, path, body, { token, onBehalfOf });
  const network = (await call(cath, 'POST', '/networks', { name: COOP, kind: 'co_operative' })).body.networkId as string;
  const coop = `/networks/${network}/coop`;
  const join = async (name: string, first: string, role: 'member' | 'treasurer' | 'board') => {
    const email = `${first}@demo.hearth.example`;
    await ledger.call('POST', '/accounts', { name, email, password: DEMO_COORDINATOR.password });
    const token = await signIn(email, DEMO_COORDINATOR.password);
    const personId = await personOf(ledger, token);
    await call(cath, 'POST', `/networks/${network}/invitations`, { personId });
    await call(token, 'POST', `/networks/${network}/invitations/acceptance`);
    if (role !== 'member') await call(cath, 'PUT', `/networks/${network}/members/${personId}/roles`, { roles: ['member', role], reason: `Elected ${role === 'board' ? 'secretary' : role} at the co-op's first general meeting` });
    return { personId, token };
  };
  const grace = await join('Grace Mensah', 'grace', 'board');
  const bill = await join('Bill Sugden', 'bill', 'treasurer');
  const helen = await join('Helen Ackroyd', 'helen', 'member');
  // Time-bank members join too: Priya and Ann online; Edna and Mary, not online, through the coordinator.
  const online = async (who: 'priya' | 'ann') => {
    const token = await signIn(`${who}@demo.hearth.example`, DEMO_COORDINATOR.password);
    await call(cath, 'POST', `/networks/${network}/invitations`, { personId: id[who] });
    await call(token, 'POST', `/networks/${network}/invitations/acceptance`);
    return { personId: id[who], token };
  };
  const priya = await online('priya');
  const ann = await online('ann');
  const offline = async (who: 'edna' | 'mary') => {
    await call(cath, 'POST', `/networks/${network}/invitations`, { personId: id[who] });
    await call(cath, 'POST', `/networks/${network}/invitations/acceptance`, undefined, id[who]);
    return { personId: id[who], token: null };
  };
  const edna = await offline('edna');
  const mary = await offline('mary');
  const derek = { personId: (await call(cath, 'POST', `/networks/${network}/members`, { name: 'Derek Ackroyd', dateOfBirth: '1939-10-02' })).body.personId as string, token: null };

  await call(cath, 'POST', coop, {
    name: COOP,
    rules: {
      memberClasses: [{ name: 'workers', voteWeight: 2 }, { name: 'people receiving care', voteWeight: 2 }, { name: 'supporters', voteWeight: 1 }],
      membershipSharePence: 100, minHoldingPence: 1_000, maxHoldingPence: 2_000_000, withdrawalNoticeDays: 90, interestCapBasisPoints: 300,
    },
    foundedOn: daysAgo(420),
  });

  type Member = { personId: string; token: string | null };
  // Members apply for themselves; the coordinator applies for those not online. Shares are issued on
  // the day the money came in, and the register is kept in date order, so everything is dated in turn.
  const buy = async (who: Member, memberClass: string, pence: number, ago: number) => {
    const { applicationId } = (who.token ? await call(who.token, 'POST', `${coop}/applications`, { memberClass, pence }) : await call(cath, 'POST', `${coop}/applications`, { memberClass, pence }, who.personId)).body;
    await call(grace.token, 'POST', `${coop}/applications/${applicationId}/issue`, { issuedOn: daysAgo(ago) });
  };
  const income = (pence: number, source: string, reference: string, ago: number) => call(bill.token, 'POST', `${coop}/income`, { pence, source, reference, receivedOn: daysAgo(ago) });
  await buy(grace, 'workers', 25_000, 410);
  await buy(priya, 'workers', 10_000, 405);
  await buy(ann, 'supporters', 50_000, 400);
  await buy(derek, 'supporters', 100_000, 398);
  await buy(bill, 'supporters', 200_000, 390);
  await buy(edna, 'people receiving care', 5_000, 300);
  await income(240_000, 'Leeds Community Foundation: start-up grant', 'LCF-22871', 280);
  await buy(helen, 'supporters', 20_000, 240);
  await income(315_000, 'Leeds City Council: home care hours, first quarter', 'LCC-HC-0412', 180);
  await buy(mary, 'people receiving care', 2_500, 150);
  await income(340_000, 'Leeds City Council: home care hours, second quarter', 'LCC-HC-0587', 90);
  // Derek died; his shares pass to his daughter Helen, whom he nominated in writing.
  await call(grace.token, 'POST', `${coop}/transfers`, { fromPersonId: derek.personId, toPersonId: helen.personId, pence: 100_000, reason: 'nomination', documentReference: 'Nomination form NOM-004, lodged 2019', on: daysAgo(45) });
  await call(grace.token, 'POST', `${coop}/leavers`, { personId: derek.personId, reason: 'died', on: daysAgo(45) });
  // Priya gives notice to withdraw half her shares; they are paid when the notice has run.
  await call(priya.token, 'POST', `${coop}/withdrawals`, { pence: 5_000 });

  const closesAt = new Date(Date.now() + 7 * 86_400_000).toISOString();
  const proposal = `${coop}/proposals/${(await call(priya.token, 'POST', `${coop}/proposals`, {
    title: PROPOSAL, pence: 45_000, payee: 'Leeds Care Training CIC', purpose: "A day's accredited moving and handling refresher for the co-op's care workers",
    source: { kind: 'funds' }, closesAt, quorumPercent: 50, thresholdPercent: 60, secret: false, hideResultsUntilClose: false,
  })).body.proposalId}`;
  await call(grace.token, 'POST', `${proposal}/opening`);
  // Edna cannot get to the meeting: she appointed Ann her proxy in writing.
  await call(grace.token, 'POST', `${proposal}/proxies`, { grantorId: edna.personId, proxyId: ann.personId, documentReference: 'Proxy form, signed by Edna Firth' });
  const vote = (who: Member, choice: 'for' | 'against' | 'abstain') => (who.token ? call(who.token, 'POST', `${proposal}/votes`, { choice }) : call(cath, 'POST', `${proposal}/votes`, { choice }, who.personId));
  await vote(grace, 'for');
  await vote(priya, 'against');
  await vote(bill, 'against');
  await call(ann.token, 'POST', `${proposal}/votes`, { choice: 'for', voterId: edna.personId });
  await vote(ann, 'for');
  await vote(helen, 'for');
  await vote(mary, 'abstain');
  // Priya changes her mind once the trainer agrees to teach both shifts.
  await vote(priya, 'for');
  await call(grace.token, 'POST', `${proposal}/closing`);
  await call(bill.token, 'POST', `${proposal}/payment`, { pence: 45_000, invoiceReference: 'LCT-1187' });
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
    await ledger.call('POST', '/accounts', { name, email, password: DEMO_COORDINATOR.password });
    const token = await signIn(email, DEMO_COORDINATOR.password);
    const personId = await personOf(ledger, token);
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

/** Someone who has asked to join the time bank, for the coordinator to approve. */
const NEWCOMER = { name: 'Rita Kaur', email: 'rita@demo.hearth.example' };
const ANOTHER_PROPOSAL = 'Winter coats for our care workers';

/**
 * Everyone who signs in, and what the demo leaves waiting for them. Offers and requests of help
 * are not part of Hearth yet, so nothing waits as an offer answered.
 */
const signingIn: Array<{ first: string; name: string; who: string; waiting: string }> = [
  { first: 'coordinator', name: 'Cath Marsden', who: 'coordinates every demo network', waiting: `${NEWCOMER.name}'s request to join ${TIME_BANK}; care Priya gave Ann, to confirm if Ann cannot` },
  { first: 'ann', name: people.ann.name, who: 'time bank, care bank, co-op supporter', waiting: 'time from Tom to confirm; care from Priya to confirm; a vote on spending' },
  { first: 'bob', name: people.bob.name, who: 'time bank, care bank, learning mentor', waiting: 'time from Ann to confirm' },
  { first: 'priya', name: people.priya.name, who: 'time bank, care bank, learning mentor, co-op worker', waiting: 'time from Jake to confirm; a vote on spending' },
  { first: 'tom', name: people.tom.name, who: "time bank's treasurer, care bank", waiting: "time from Priya to confirm; Karen's voucher for Edna, to record the money for" },
  { first: 'karen', name: 'Karen Firth', who: "Edna's daughter: gives learning vouchers", waiting: 'time from Bob to confirm; her voucher for Edna, waiting for the money' },
  { first: 'jake', name: 'Jake Lowe', who: "Stan's grandson: gives learning vouchers", waiting: 'time from Karen to confirm' },
  { first: 'joan', name: 'Joan Pickles', who: "treasurer of the Armley pool", waiting: 'a payment to approve' },
  { first: 'harold', name: 'Harold Dyson', who: "board member of the Armley network", waiting: 'a payment to approve (over £250 it needs two)' },
  { first: 'grace', name: 'Grace Mensah', who: "the co-op's secretary", waiting: 'a vote on spending' },
  { first: 'bill', name: 'Bill Sugden', who: "the co-op's treasurer", waiting: 'a vote on spending' },
  { first: 'helen', name: 'Helen Ackroyd', who: 'co-op supporter', waiting: 'a vote on spending' },
  { first: 'rita', name: NEWCOMER.name, who: `asked to join ${TIME_BANK}`, waiting: 'a coordinator to approve her' },
];

/** Whether the email and the demo passphrase sign in; the session is closed at once. */
async function signsIn(ledger: Ledger, email: string): Promise<boolean> {
  try {
    const token = (await ledger.call('POST', '/sessions', { email, password: DEMO_COORDINATOR.password })).body.token as string;
    await ledger.call('DELETE', '/sessions/current', undefined, { token });
    return true;
  } catch (err) {
    if (err instanceof Refused) return false;
    throw err;
  }
}

/**
 * What is left for each person who signs in to do: exchanges in a ring, each logged by one member
 * for the next to confirm; care for Ann to confirm; a newcomer asking to join; a payment over the
 * pool's threshold, for both approvers; a voucher not yet paid for; and a vote the co-op has opened.
 */
async function leaveWaiting(ledger: Ledger, signIn: (email: string, password: string) => Promise<string>, cath: string) {
  const call = (token: string, method: 'POST' | 'PUT', path: string, body?: unknown) => ledger.call(method, path, body, { token });
  const get = async (path: string) => (await ledger.call('GET', path, undefined, { token: cath })).body;
  const networks = (await get('/me')).memberships as Array<{ networkId: string; networkName: string }>;
  const networkOf = (name: string) => networks.find((n) => n.networkName === name)!.networkId;
  const [timeBank, scheme, neighbourhood, cooperative] = [networkOf(TIME_BANK), networkOf(SCHEME), networkOf(NEIGHBOURHOOD), networkOf(COOP)];
  const members = (await get(`/networks/${timeBank}/members`)).items as Array<{ personId: string; name: string }>;
  const idOf = (name: string) => members.find((m) => m.name === name)!.personId;
  const tokenOf = (first: string) => signIn(`${first}@demo.hearth.example`, DEMO_COORDINATOR.password);

  // [provider, receiver, minutes, category, description]: the provider logs it, the receiver has it to confirm.
  const ring: Array<[string, string, number, string, string]> = [
    ['tom', 'ann', 60, 'gardening', 'Mowed the lawn'],
    ['ann', 'bob', 45, 'befriending', 'Walk by the canal'],
    ['bob', 'karen', 40, 'lifts', 'Lift to visit her mum'],
    ['karen', 'jake', 60, 'odd jobs', 'Painted the community centre door'],
    ['jake', 'priya', 60, 'computer help', 'Fixed her laptop'],
    ['priya', 'tom', 60, 'shopping', 'Weekly shop from the Co-op'],
  ];
  const nameOf = (first: string) => signingIn.find((p) => p.first === first)!.name;
  for (const [provider, receiver, minutes, category, description] of ring) {
    const body = { providerId: idOf(nameOf(provider)), receiverId: idOf(nameOf(receiver)), minutes, category, description, occurredOn: daysAgo(2) };
    await call(await tokenOf(provider), 'POST', `/networks/${timeBank}/timebank/exchanges`, body);
  }

  await call(await tokenOf('priya'), 'POST', `/networks/${scheme}/carebank/care`, { volunteerId: idOf(people.priya.name), recipientId: idOf(people.ann.name), minutes: 90, activity: 'befriending', occurredOn: daysAgo(1) });

  await ledger.call('POST', '/accounts', { name: NEWCOMER.name, email: NEWCOMER.email, password: DEMO_COORDINATOR.password });
  await call(await signIn(NEWCOMER.email, DEMO_COORDINATOR.password), 'POST', `/networks/${timeBank}/join-requests`);

  const pools = (await get(`/networks/${neighbourhood}/pools`)).items as Array<{ poolId: string; name: string }>;
  const pool = `/networks/${neighbourhood}/pools/${pools.find((p) => p.name === POOL)!.poolId}`;
  const holders = (await get(`/networks/${neighbourhood}/members`)).items as Array<{ personId: string; name: string }>;
  const holder = (name: string) => holders.find((h) => h.name === name)!.personId;
  await call(cath, 'POST', `${pool}/payments`, {
    payee: 'Armley Kitchen CIC', purpose: 'Lunch club, next month', invoiceReference: 'AK-0201', pence: 30_000,
    beneficiaries: [{ holderId: holder(people.walter.name), pence: 15_000 }, { holderId: holder(people.mary.name), pence: 15_000 }], submittedOn: daysAgo(0),
  });

  await call(await tokenOf('karen'), 'POST', `/networks/${timeBank}/vouchers`, { learnerId: idOf(people.edna.name), value: { kind: 'amount', pence: 3_000 }, occasion: 'Christmas', message: 'For more lessons on the tablet. Love, Karen' });

  const coop = `/networks/${cooperative}/coop`;
  const proposal = (await call(await tokenOf('helen'), 'POST', `${coop}/proposals`, {
    title: ANOTHER_PROPOSAL, pence: 60_000, payee: 'Yorkshire Workwear Ltd', purpose: 'Warm, waterproof coats for the care workers who walk between visits',
    source: { kind: 'funds' }, closesAt: new Date(Date.now() + 14 * 86_400_000).toISOString(), quorumPercent: 50, thresholdPercent: 50, secret: false, hideResultsUntilClose: false,
  })).body.proposalId as string;
  await call(await tokenOf('grace'), 'POST', `${coop}/proposals/${proposal}/opening`);
}

async function report(ledger: Ledger, coordinator: string, say: (line: string) => void, signIn: (email: string, password: string) => Promise<string>): Promise<void> {
  const get = async (path: string) => (await ledger.call('GET', path, undefined, { token: coordinator })).body;
  const networks = (await get('/me')).memberships as Array<{ networkId: string; networkName: string }>;
  const timeBank = networks.find((n) => n.networkName === TIME_BANK)!;
  const scheme = networks.find((n) => n.networkName === SCHEME)!;
  const members = (await get(`/networks/${timeBank.networkId}/members`)).items as Array<{ personId: string; name: string }>;
  const ann = members.find((m) => m.name === people.ann.name)!;

  say(`The demo: these people sign in, each with the passphrase "${DEMO_COORDINATOR.password}"; the others are recorded by the coordinator.`);
  for (const p of signingIn) say(`  ${`${p.first}@demo.hearth.example`.padEnd(32)} ${p.name} (${p.who}). Waiting: ${p.waiting}.`);
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
  // The time bank's treasurer reads what is held for learners.
  const treasurer = await signIn(TREASURER, DEMO_COORDINATOR.password);
  const liability = (await ledger.call('GET', `/networks/${timeBank.networkId}/vouchers/liability`, undefined, { token: treasurer })).body;
  type Expired = { learner: { name: string }; giver: { name: string }; amount: { pounds: string }; sessions: number; disposition: string };
  say('');
  say(`Learning vouchers in ${TIME_BANK} (the treasurer is ${TREASURER}): ${liability.totals.outstanding.pounds} held for learners from ${liability.totals.paid.pounds} paid; ${liability.totals.redeemed.pounds} redeemed in sessions.`);
  for (const x of liability.expired as Expired[]) {
    say(`Expired: ${x.learner.name}'s voucher from ${x.giver.name}, ${x.sessions > 0 ? `${x.sessions} sessions unused, ` : ''}${x.amount.pounds} ${x.disposition === 'learning-fund' ? 'to the learning fund' : `back to ${x.giver.name}`}.`);
  }

  const cooperative = networks.find((n) => n.networkName === COOP)!;
  const coop = `/networks/${cooperative.networkId}/coop`;
  const society = await get(coop);
  // The register is the board's and the treasurer's to read.
  const secretary = await signIn('grace@demo.hearth.example', DEMO_COORDINATOR.password);
  const earlier = (await ledger.call('GET', `${coop}/register?asAt=${daysAgo(200)}`, undefined, { token: secretary })).body;
  const proposals = (await get(`${coop}/proposals`)).items as Array<{ proposalId: string; title: string }>;
  const decided = await get(`${coop}/proposals/${proposals.find((p) => p.title === PROPOSAL)!.proposalId}`);
  const r = decided.result;
  const ballots = (await get(`${coop}/proposals/${decided.proposalId}/ballots`)).items as Array<{ voterId: string; castBy: string }>;
  const byProxy = new Set(ballots.filter((b) => b.castBy !== b.voterId).map((b) => b.voterId)).size;
  const changed = ballots.length - new Set(ballots.map((b) => b.voterId)).size;
  const priya = members.find((m) => m.name === people.priya.name)!;
  const notice = (await ledger.call('GET', `${coop}/members/${priya.personId}`, undefined, { token: secretary })).body;
  say('');
  say(`${COOP}: ${cooperative.networkId}; its secretary is grace@demo.hearth.example, its treasurer bill@demo.hearth.example`);
  say(`  ${society.members} members, share capital ${society.shareCapital.pounds}; funds ${society.funds.pounds}, reserves ${society.reserves.pounds} (a membership share forfeit)`);
  say(`  Register as at ${earlier.asAt}: ${earlier.members.length} members, share capital ${earlier.shareCapital.pounds}`);
  if (notice.withdrawing.pence > 0) say(`  ${notice.name} has given notice to withdraw ${notice.withdrawing.pounds} of her ${notice.holding.pounds} in shares`);
  say(`  "${PROPOSAL}": ${r.passed ? 'passed' : 'not passed'}, ${r.ballots} of ${r.electorate} voted (${byProxy} by proxy, ${changed} vote changed), for ${r.for}, against ${r.against}, abstain ${r.abstain} by weight`);
  if (decided.payment) say(`  paid ${decided.payment.amount.pounds} to ${decided.payee} from the co-op's funds, invoice ${decided.payment.invoiceReference}`);
  const differences = auditDifferences(await verifyAudit(ledger.hearth));
  say(differences.length === 0 ? 'Audit verified: every hash chain, every recorded digest and every projection agrees with the log.' : `Audit found ${differences.length} differences:\n  ${differences.join('\n  ')}`);
  say('');
  say(`To look around: stop any command using this data, start Hearth with \`npm start\`, open ${siteAddress(ledger.hearth.config)} and sign in as one of the people above.`);
}

/** Where a browser on this machine finds the server; one listening on every address is found on this one. */
function siteAddress({ HOST, PORT }: Pick<Config, 'HOST' | 'PORT'>): string {
  const host = HOST === '0.0.0.0' || HOST === '::' ? '127.0.0.1' : HOST.includes(':') ? `[${HOST}]` : HOST;
  return `http://${host}:${PORT}`;
}
