// A coordinator's erasure racing the person's joining another network, on PostgreSQL: the
// networks a person belongs to are on their own stream, and the erasure is decided with it held,
// so either the erasure sees the new network and is refused, or the joining finds them erased.
// Never both.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { racingHearth, signedUp as signedUpPerson } from './support/hearth.ts';
import { refused } from './support/given.ts';
import * as access from '../src/access/app.ts';
import * as networks from '../src/networks/app.ts';
import type { Caller } from '../src/access/caller.ts';

const hearth = await racingHearth(t);
if (hearth) {
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
}
