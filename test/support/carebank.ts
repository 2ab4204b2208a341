// A care-bank scheme set up directly in the event store, for tests of the care bank's application
// functions: people with their dates of birth sealed, members in roles, DBS checks, safeguarding.
import { randomUUID } from 'node:crypto';
import type { Caller, Deps } from '../../src/access/caller.ts';
import { contextOf } from '../../src/access/caller.ts';
import { membershipDecider, membershipStream, type MembershipCommand, type Role } from '../../src/access/membership.ts';
import { personDecider, personStream } from '../../src/access/person.ts';
import { registerPerson } from '../../src/access/register.ts';
import { isoNow, todayOn } from '../../src/clock.ts';
import { decideAcross } from '../../src/commands/decide.ts';
import type { Hearth } from '../../src/hearth.ts';
import { networkDecider, networkStream } from '../../src/networks/network.ts';

/** A caller acting for themselves (or for `onBehalfOf`), under a fresh command id. */
export const callerOf = (personId: string, over: Partial<Caller> = {}): Caller => ({ personId, onBehalfOf: null, commandId: randomUUID(), correlationId: randomUUID(), ...over });

const system = callerOf('system:test');

/** A date of birth that makes someone `age` on the clock's date. */
export const bornYearsAgo = (deps: Deps, age: number) => `${Number(todayOn(deps.clock).slice(0, 4)) - age}-01-01`;

export async function careScheme(deps: Deps & Pick<Hearth, 'engine'>, name = 'Wharfedale Care Bank') {
  const networkId = randomUUID();
  const founder = randomUUID();
  await decideAcross(
    deps.store,
    { network: [networkStream(networkId), networkDecider] },
    (s) => ({ network: networkDecider.decide({ type: 'OpenNetwork', networkId, name, kind: 'care_bank_scheme', openedBy: founder, now: isoNow(deps.clock) }, s.network) }),
    contextOf(deps, callerOf(founder)),
  );
  const onMembership = (personId: string, command: MembershipCommand) =>
    decideAcross(deps.store, { membership: [membershipStream(networkId, personId), membershipDecider] }, (s) => ({ membership: membershipDecider.decide(command, s.membership) }), contextOf(deps, callerOf(founder)));

  return {
    networkId,
    /** A person registered with their date of birth (when known) and enrolled in the scheme. */
    async member(name: string, age: number | null, roles: Role[] = ['member']): Promise<string> {
      const personId = randomUUID();
      await registerPerson(deps as Hearth, contextOf(deps, system), personId, { name, ...(age === null ? {} : { dateOfBirth: bornYearsAgo(deps, age) }) }, false);
      await onMembership(personId, { type: 'EnrolMember', networkId, personId, approvedBy: founder, roles, now: isoNow(deps.clock) });
      return personId;
    },
    /** Someone Hearth knows who is not a member of the scheme. */
    async stranger(name: string, age: number): Promise<string> {
      const personId = randomUUID();
      await registerPerson(deps as Hearth, contextOf(deps, system), personId, { name, dateOfBirth: bornYearsAgo(deps, age) }, false);
      return personId;
    },
    async requireDbs(required = true) {
      await decideAcross(
        deps.store,
        { network: [networkStream(networkId), networkDecider] },
        (s) => ({ network: networkDecider.decide({ type: 'SetSafeguardingPolicy', networkId, requireDbsForSafeguarded: required }, s.network) }),
        contextOf(deps, callerOf(founder)),
      );
    },
    async flag(personId: string, needsSafeguarding = true) {
      await decideAcross(
        deps.store,
        { person: [personStream(personId), personDecider] },
        (s) => ({ person: personDecider.decide({ type: 'FlagSafeguarding', personId, needsSafeguarding }, s.person) }),
        contextOf(deps, callerOf(founder)),
      );
    },
    async dbs(personId: string, issuedOn: string, expiresOn: string) {
      await onMembership(personId, { type: 'RecordDbsCheck', networkId, personId, checkType: 'enhanced', issuedOn, expiresOn });
    },
  };
}
