// What the demo leaves for each person who signs in, read from the read tables and the log after
// `hearth demo`: the people it lists are exactly those who can sign in, each has something waiting,
// and it ends by saying how to start Hearth and where to look.
import t from 'tap';
import { emailLookup } from '../src/access/sessions.ts';
import { demoHearth } from './support/demo.ts';

const { hearth, demo } = await demoHearth(t);
const { db } = hearth.database;

const listed = [...demo.stdout.matchAll(/^ {2}(\S+@demo\.hearth\.example) +(.+?) \(/gm)].map(([, email, name]) => ({ email: email!, name: name! }));
const personOf = async (email: string) =>
  (await db.selectFrom('credentials').select('person_id').where('email_lookup', '=', emailLookup(hearth.secret, email)).executeTakeFirst())?.person_id;
const ids: Record<string, string | undefined> = Object.fromEntries(await Promise.all(listed.map(async ({ email }) => [email.split('@')[0]!, await personOf(email)])));
const id = (first: string) => ids[first] ?? '';

t.test('it lists exactly the people who can sign in, with the passphrase, and says how to start Hearth', async (t) => {
  t.equal(demo.status, 0, demo.stderr);
  t.match(demo.stdout, /each with the passphrase "kirkstall demo passphrase"/);
  t.ok(listed.length >= 12, `${listed.length} people listed`);
  t.ok(Object.values(ids).every(Boolean), 'everyone listed has an account');
  const accounts = await db.selectFrom('credentials').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  t.equal(Number(accounts.n), listed.length, 'no one who can sign in is left out');
  const names = await db.selectFrom('people').select(['person_id', 'name']).where('person_id', 'in', Object.values(ids).map(String)).execute();
  t.same(Object.fromEntries(names.map((p) => [p.person_id, p.name])), Object.fromEntries(listed.map((p) => [id(p.email.split('@')[0]!), p.name])), 'each by their own name');
  t.notMatch(demo.stdout, /<first name>/, 'no email is guessed from a first name');
  t.match(demo.stdout, new RegExp(`start Hearth with \`npm start\`, open http://${hearth.config.HOST}:${hearth.config.PORT} `));
});

t.test('each time-bank member who signs in has an exchange someone else logged, to confirm', async (t) => {
  const waiting = await db.selectFrom('timebank_exchanges').select(['receiver_id', 'provider_id', 'logged_by']).where('status', '=', 'logged').execute();
  for (const first of ['ann', 'bob', 'priya', 'tom', 'karen', 'jake']) {
    const mine = waiting.filter((x) => [x.receiver_id, x.provider_id].includes(id(first)) && x.logged_by !== id(first));
    t.equal(mine.length, 1, `${first} has one to confirm`);
  }
});

t.test('the coordinator has a request to join; the newcomer waits for it', async (t) => {
  const requested = await db.selectFrom('memberships').select(['person_id', 'network_id']).where('status', '=', 'requested').execute();
  t.same(requested.map((r) => r.person_id), [id('rita')]);
  const members = await db.selectFrom('memberships').select(['person_id', 'roles']).where('network_id', '=', requested[0]!.network_id).execute();
  t.same(members.filter((m) => m.roles.includes('coordinator')).map((m) => m.person_id), [id('coordinator')], 'in a network the coordinator coordinates');
});

t.test('both approvers of the pool have a payment over the threshold to approve', async (t) => {
  const submitted = await db.selectFrom('pool_payments').innerJoin('pools', 'pools.pool_id', 'pool_payments.pool_id').select(['pools.network_id', 'pool_payments.pence', 'pool_payments.approved_by']).where('status', '=', 'submitted').execute();
  t.equal(submitted.length, 1);
  t.same(submitted[0]!.approved_by, [], 'no one has approved it yet');
  t.ok(Number(submitted[0]!.pence) > 25_000, 'it needs two approvers');
  const approvers = await db.selectFrom('memberships').select(['person_id', 'roles']).where('network_id', '=', submitted[0]!.network_id).where('status', '=', 'active').execute();
  t.ok(approvers.some((m) => m.person_id === id('joan') && m.roles.includes('treasurer')), 'Joan, the treasurer');
  t.ok(approvers.some((m) => m.person_id === id('harold') && m.roles.includes('board')), 'Harold, on the board');
});

t.test('the treasurer has a voucher to record the money for; its giver sees it waiting', async (t) => {
  const unpaid = await db.selectFrom('vouchers').select(['giver_id', 'network_id']).where('status', '=', 'awaiting-payment').execute();
  t.same(unpaid.map((v) => v.giver_id), [id('karen')]);
  const treasurer = await db.selectFrom('memberships').select('roles').where('network_id', '=', unpaid[0]!.network_id).where('person_id', '=', id('tom')).executeTakeFirstOrThrow();
  t.ok(treasurer.roles.includes('treasurer'), "Tom is the time bank's treasurer");
});

t.test("every co-op member who signs in has an open ballot they have not cast", async (t) => {
  const open = await db.selectFrom('coop_proposals').select('proposal_id').where('status', '=', 'open').execute();
  t.equal(open.length, 1);
  const electorate = (await db.selectFrom('coop_electorate').select('person_id').where('proposal_id', '=', open[0]!.proposal_id).execute()).map((e) => e.person_id);
  const cast = await db.selectFrom('coop_ballots').select('voter_id').where('proposal_id', '=', open[0]!.proposal_id).execute();
  t.equal(cast.length, 0, 'no one has voted yet');
  for (const first of ['grace', 'bill', 'helen', 'ann', 'priya']) t.ok(electorate.includes(id(first)), `${first} may vote`);
});

t.test('care given to Ann waits for her, or the coordinator, to confirm', async (t) => {
  const events = await hearth.store.readAll();
  const confirmed = new Set(events.filter((e) => e.type === 'carebank.CareConfirmed').map((e) => (e.data as { careId: string }).careId));
  const waiting = events.filter((e) => e.type === 'carebank.CareLogged' && !confirmed.has((e.data as { careId: string }).careId)).map((e) => e.data as { recipientId: string; volunteerId: string });
  t.match(waiting, [{ recipientId: id('ann'), volunteerId: id('priya') }]);
  t.equal(waiting.length, 1);
});

t.test('some posts are answered, and one arrangement waits to be logged', async (t) => {
  const answers = await db.selectFrom('timebank_answers').select(['answer_id', 'messages']).execute();
  t.ok(answers.length >= 2 && answers.every((a) => a.messages >= 2), 'answers, each with a reply');
  const waiting = await db.selectFrom('timebank_arrangements').select('arrangement_id').where('exchange_id', 'is', null).execute();
  t.equal(waiting.length, 1, 'one arrangement to log');
});
