import t from 'tap';
import { networkDecider, type NetworkEvent } from '../src/networks/network.ts';
import { specFor } from './support/given.ts';

const given = specFor(networkDecider);
const networkId = '0190f0a0-0000-7000-8000-000000000001';
const now = '2026-11-22T09:30:00.000Z';
const openedEvent: NetworkEvent = { type: 'network.NetworkOpened', data: { networkId, name: 'Otley Time Bank', kind: 'time_bank', openedAt: now, openedBy: 'p-1' } };

t.test('opening a network', async (t) => {
  given([]).when({ type: 'OpenNetwork', networkId, name: 'Otley Time Bank', kind: 'time_bank', openedBy: 'p-1', now }).then(t, [openedEvent]);
  given([openedEvent]).when({ type: 'OpenNetwork', networkId, name: 'Again', kind: 'time_bank', openedBy: 'p-1', now }).rejects(t, 'network-exists');
});

t.test('renaming a network', async (t) => {
  given([openedEvent]).when({ type: 'RenameNetwork', networkId, name: 'Otley & Wharfedale Time Bank' })
    .then(t, [{ type: 'network.NetworkRenamed', data: { networkId, name: 'Otley & Wharfedale Time Bank' } }]);
  given([openedEvent]).when({ type: 'RenameNetwork', networkId, name: 'Otley Time Bank' }).then(t, [], 'the same name again changes nothing');
  given([]).when({ type: 'RenameNetwork', networkId, name: 'Nowhere' }).rejects(t, 'network-not-found');
});

t.test('the safeguarding policy', async (t) => {
  given([openedEvent]).when({ type: 'SetSafeguardingPolicy', networkId, requireDbsForSafeguarded: true })
    .then(t, [{ type: 'network.SafeguardingPolicySet', data: { networkId, requireDbsForSafeguarded: true } }]);
  given([openedEvent]).when({ type: 'SetSafeguardingPolicy', networkId, requireDbsForSafeguarded: false }).then(t, [], 'already so: nothing to record');
});
