// A coordinator's erasure racing the person's joining another network, on PostgreSQL: the
// networks a person belongs to are on their own stream, and the erasure is decided with it held,
// so either the erasure sees the new network and is refused, or the joining finds them erased.
// Never both. And a network is never left without a coordinator: the last one cannot leave or
// step down, and two of the last two leaving at once leaves one. Both hold when the store commits
// one stream at a time, as EventStoreDB does.
import t, { type Test } from 'tap';
import { randomUUID } from 'node:crypto';
import { caughtUp, racingHearth, signedUp as signedUpPerson } from './support/hearth.ts';
import { refused } from './support/given.ts';
import * as access from '../src/access/app.ts';
import * as networks from '../src/networks/app.ts';
import type { Caller } from '../src/access/caller.ts';
import type { Hearth } from '../src/hearth.ts';

for (const commits of ['several-streams', 'one-stream']) {
  t.test(`committing ${commits} at a time`, async (t) => {
    const hearth = await racingHearth(t, { EVENT_STORE_COMMITS: commits });
    if (hearth) await races(t, hearth);
  });
}

async function races(t: Test, hearth: Hearth) {
  const as = (personId: string): Caller => ({ personId, onBehalfOf: null, commandId: randomUUID(), correlationId: randomUUID() });
  const signedUp = (name: string) => signedUpPerson(hearth, { name, email: `${randomUUID()}@example.org` });
  const cath = await signedUp('Cath Coordinator');
  const tom = await signedUp('Tom Coordinator');
  const timeBank = (await networks.openNetwork(hearth, as(cath), { name: 'Chapeltown', kind: 'time_bank' })).networkId;
  const other = (await networks.openNetwork(hearth, as(tom), { name: 'Harehills', kind: 'time_bank' })).networkId;

  for (let round = 1; round <= 4; round++) {
    t.test(`round ${round}: erasure and joining, at once`, async (t) => {
      const ann = await signedUp(`Ann ${round}`);
      await access.requestToJoin(hearth, as(ann), { networkId: timeBank });
      await access.approve(hearth, as(cath), { networkId: timeBank, personId: ann, roles: ['member'] });
      await access.requestToJoin(hearth, as(ann), { networkId: other });
      const [erasure, joining] = await Promise.all([
        refused(access.erasePerson(hearth, as(cath), { personId: ann })),
        refused(access.approve(hearth, as(tom), { networkId: other, personId: ann, roles: ['member'] })),
      ]);
      t.ok((erasure === null) !== (joining === null), `exactly one went through (erasure: ${erasure ?? 'done'}, joining: ${joining ?? 'done'})`);
      if (erasure !== null) t.equal(erasure, 'not-yours-to-reach');
      if (joining !== null) t.equal(joining, 'person-erased');
    });
  }

  t.test('the last coordinator neither leaves nor steps down; of the last two stepping away at once, one stays', async (t) => {
    // Who coordinates a network is read from its members table, which the projections keep.
    await hearth.engine.start();
    const opened = async (name: string) => {
      const networkId = (await networks.openNetwork(hearth, as(cath), { name: `${name} ${randomUUID().slice(0, 4)}`, kind: 'time_bank' })).networkId;
      t.ok(await caughtUp(hearth), `the members table holds ${name}`);
      return networkId;
    };
    const alone = await opened('Potternewton');
    t.equal(await refused(access.leaveNetwork(hearth, as(cath), { networkId: alone, personId: cath })), 'last-coordinator', 'the only coordinator cannot leave');
    t.equal(await refused(access.changeRoles(hearth, as(cath), { networkId: alone, personId: cath, roles: ['member'], reason: 'stepping down' })), 'last-coordinator', 'nor step down');
    for (let round = 1; round <= 4; round++) {
      const network = await opened(`Chapel Allerton ${round}`);
      const dee = await signedUp(`Dee ${round}`);
      await access.requestToJoin(hearth, as(dee), { networkId: network });
      await access.approve(hearth, as(cath), { networkId: network, personId: dee, roles: ['member', 'coordinator'] });
      t.ok(await caughtUp(hearth), `round ${round}: the members table holds Dee as a coordinator`);
      const [cathLeaving, deeSteppingDown] = await Promise.all([
        refused(access.leaveNetwork(hearth, as(cath), { networkId: network, personId: cath })),
        refused(access.changeRoles(hearth, as(dee), { networkId: network, personId: dee, roles: ['member'], reason: 'stepping down' })),
      ]);
      t.ok((cathLeaving === null) !== (deeSteppingDown === null), `round ${round}: exactly one stepped away (Cath: ${cathLeaving ?? 'left'}, Dee: ${deeSteppingDown ?? 'stepped down'})`);
      t.equal(cathLeaving ?? deeSteppingDown, 'last-coordinator');
    }
  });
}
