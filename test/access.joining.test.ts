// Joining a network is a process of two writes, one stream at a time: the person's stream names the
// network, with what then makes them a member; then the membership (and a founder's network). So
// is a coordinator stepping down: marked on the network's coordination stream with the change to
// come, then the membership. Stopped in between, each is finished once: by finishers racing, by
// the request retried, or by the sweeper when nobody retries.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { v5 as uuidv5 } from 'uuid';
import { openHearth } from '../src/hearth.ts';
import { approve, changeRoles, finishJoining, finishStepDown, leaveNetwork, recordMember, requestToJoin, unfinishedJoinings, unfinishedStepDowns } from '../src/access/app.ts';
import { coordinationStream, membershipStream } from '../src/access/membership.ts';
import { registerPerson } from '../src/access/register.ts';
import { contextOf } from '../src/access/caller.ts';
import { keepFinishing } from '../src/processes.ts';
import { freshPglite } from './support/db.ts';
import { caughtUp, quietLog, stoppedAfter, testConfig } from './support/hearth.ts';
import { callerFor, enrol, openNetwork } from './support/timebank.ts';
import { openNetwork as openNetworkAsFounder } from '../src/networks/app.ts';
import { networkStream } from '../src/networks/network.ts';

const hearth = await openHearth(testConfig(), quietLog, { database: await freshPglite() });
await hearth.engine.start();
t.teardown(() => hearth.close());

const typesIn = async (stream: string) => (await hearth.store.readStream(stream)).map((e) => e.type);
const membershipRow = async (networkId: string, personId: string) =>
  hearth.database.db.selectFrom('memberships').select(['status', 'roles']).where('network_id', '=', networkId).where('person_id', '=', personId).executeTakeFirst();

t.test('a member recorded offline, stopped after their registration: enrolled once, by two finishers at once and by the retried request', async (t) => {
  const coordinator = randomUUID();
  const networkId = await openNetwork(hearth, 'Roundhay Time Bank', coordinator);
  const request = callerFor(coordinator);
  const input = { networkId, details: { name: 'Edna Offline' }, roles: ['member' as const] };
  await t.rejects(recordMember(stoppedAfter(hearth, 1), request, input), /stopped/);
  const personId = uuidv5('person', request.commandId);
  await caughtUp(hearth);
  t.same(await unfinishedJoinings(hearth), [`${networkId}/${personId}`], 'seen joining, not yet a member');
  await Promise.all([finishJoining(hearth, `${networkId}/${personId}`), finishJoining(hearth, `${networkId}/${personId}`)]);
  const again = await recordMember(hearth, request, input);
  t.equal(again.personId, personId, 'the retried request answers for the same person');
  t.same(await typesIn(membershipStream(networkId, personId)), ['access.MembershipApproved'], 'enrolled once');
  await caughtUp(hearth);
  t.match(await membershipRow(networkId, personId), { status: 'active', roles: ['member'] });
  t.same(await unfinishedJoinings(hearth), [], 'nothing left joining');
});

t.test('an approval stopped after the person\'s stream named the network: the sweeper approves, in the roles asked, and logs ids only', async (t) => {
  const coordinator = randomUUID();
  const networkId = await openNetwork(hearth, 'Oakwood Neighbours', coordinator);
  const personId = randomUUID();
  await registerPerson(hearth, contextOf(hearth, callerFor(personId)), personId, { name: 'Winifred Asker' }, true);
  await requestToJoin(hearth, callerFor(personId), { networkId });
  await t.rejects(approve(stoppedAfter(hearth, 1), callerFor(coordinator), { networkId, personId, roles: ['member', 'mentor'] }), /stopped/);
  t.same(await typesIn(membershipStream(networkId, personId)), ['access.MembershipRequested'], 'still asking');

  const lines: string[] = [];
  const log = pino({ level: 'info' }, new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }));
  const stop = keepFinishing({ ...hearth, log }, 100);
  for (let i = 0; i < 100 && (await typesIn(membershipStream(networkId, personId))).at(-1) !== 'access.MembershipApproved'; i++) await new Promise((r) => setTimeout(r, 50));
  await stop();
  t.same(await typesIn(membershipStream(networkId, personId)), ['access.MembershipRequested', 'access.MembershipApproved'], 'approved once');
  await caughtUp(hearth);
  t.match(await membershipRow(networkId, personId), { status: 'active', roles: ['member', 'mentor'] }, 'in the roles the coordinator chose');
  t.match(lines.join(''), new RegExp(`"joining":"${networkId}/${personId}"`), 'logged by ids');
  t.notMatch(lines.join(''), /Winifred/, 'no name');
  const [approved] = (await hearth.store.readStream(membershipStream(networkId, personId))).slice(-1);
  t.equal(approved!.metadata.actor, coordinator, 'recorded as the coordinator\'s act, as the request would have');
});

t.test("a network's opening stopped after its founder's first or second write: the network opened once, with its founder its coordinator", async (t) => {
  for (const writes of [1, 2]) {
    await t.test(`stopped after ${writes}`, async (t) => {
      const founder = randomUUID();
      await registerPerson(hearth, contextOf(hearth, callerFor(founder)), founder, { name: 'Florence Founder' }, true);
      const request = callerFor(founder);
      const input = { name: 'Gipton Good Neighbours', kind: 'neighbourhood_network' as const };
      await t.rejects(openNetworkAsFounder(stoppedAfter(hearth, writes), request, input), /stopped/);
      const networkId = uuidv5('network', request.commandId);
      t.same(await typesIn(networkStream(networkId)), [], 'not open yet');
      await caughtUp(hearth);
      t.same(await unfinishedJoinings(hearth), [`${networkId}/${founder}`], 'seen in flight');
      await Promise.all([finishJoining(hearth, `${networkId}/${founder}`), finishJoining(hearth, `${networkId}/${founder}`)]);
      t.same(await typesIn(networkStream(networkId)), ['network.NetworkOpened'], 'opened once');
      t.same(await typesIn(membershipStream(networkId, founder)), ['access.MembershipApproved'], 'the founder enrolled once');
      const again = await openNetworkAsFounder(hearth, request, input);
      t.equal(again.networkId, networkId, 'the retried request answers for the same network');
      t.same(await typesIn(networkStream(networkId)), ['network.NetworkOpened'], 'and writes nothing more');
      await caughtUp(hearth);
      t.match(await membershipRow(networkId, founder), { status: 'active', roles: ['member', 'coordinator'] });
      t.same(await unfinishedJoinings(hearth), [], 'nothing left in flight');
    });
  }
});

t.test('a coordinator stepping down, stopped after the mark: their roles changed, or their leaving recorded, once', async (t) => {
  for (const how of ['roles', 'leaves'] as const) {
    await t.test(how, async (t) => {
      const first = randomUUID();
      const networkId = await openNetwork(hearth, 'Seacroft Time Bank', first);
      const second = await enrol(hearth, networkId, randomUUID(), ['member', 'coordinator']);
      // The other coordinators are found in the members' table.
      await caughtUp(hearth);
      const request = callerFor(second);
      const stepDown = (deps: typeof hearth) =>
        how === 'roles' ? changeRoles(deps, request, { networkId, personId: second, roles: ['member'], reason: 'Moving away' }) : leaveNetwork(deps, request, { networkId, personId: second });
      await t.rejects(stepDown(stoppedAfter(hearth, 1)), /stopped/);
      t.same(await typesIn(coordinationStream(networkId)), ['access.CoordinatorSteppingDown'], 'marked');
      await caughtUp(hearth);
      t.same(await unfinishedStepDowns(hearth), [`${networkId}/${second}/0`], 'seen in flight');
      await Promise.all([finishStepDown(hearth, `${networkId}/${second}/0`), finishStepDown(hearth, `${networkId}/${second}/0`)]);
      const changed = how === 'roles' ? 'access.MemberRolesChanged' : 'access.MemberLeft';
      t.same(await typesIn(membershipStream(networkId, second)), ['access.MembershipApproved', changed], 'changed once');
      await stepDown(hearth);
      t.same(await typesIn(membershipStream(networkId, second)), ['access.MembershipApproved', changed], 'the retried request writes nothing more');
      await caughtUp(hearth);
      t.match(await membershipRow(networkId, second), how === 'roles' ? { status: 'active', roles: ['member'] } : { status: 'left' });
      t.same(await unfinishedStepDowns(hearth), [], 'nothing left in flight');
    });
  }
});
