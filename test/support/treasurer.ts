// A Neighbourhood Network's pool as the treasurer's browser tests find it: money paid in over the
// last weeks, payments waiting for approval (one over the two-approver threshold and more than the
// pool holds, one the treasurer submitted), and a bank line waiting for the entry it shows.
import { randomUUID } from 'node:crypto';
import { joined, send, signUp, type Person } from './http.ts';
import { addDays } from '../../src/dates.ts';
import type { App } from '../../src/http/app.ts';

/** A Lloyds statement, newest first as Lloyds writes it, with five lines on its last day: it closes at £505.00. */
export const lloydsNewestFirst = [
  'Transaction Date,Transaction Type,Sort Code,Account Number,Transaction Description,Debit Amount,Credit Amount,Balance',
  "09/03/2026,DEB,'30-94-57,12345678,KIRKSTALL KITCHEN INV 7,245.50,,505.00",
  "09/03/2026,DD,'30-94-57,12345678,SERVICE CHARGE,4.50,,750.50",
  "09/03/2026,FPO,'30-94-57,12345678,LEEDS DIAL A RIDE DAR-88,250.00,,755.00",
  "09/03/2026,FPO,'30-94-57,12345678,ARMLEY HELPING HANDS,300.00,,1005.00",
  "09/03/2026,FPO,'30-94-57,12345678,CHAIR EXERCISE WG-3,195.00,,1305.00",
  "02/03/2026,FPI,'30-94-57,12345678,LEEDS CC DIRECT PAYMENTS,,1500.00,1500.00",
].join('\n');

export async function lunchClub(app: App, { lunchesPaid = false } = {}) {
  const coordinator = await signUp(app, 'Cath Coordinator');
  const networkId = (await send(app, 'POST', '/api/v1/networks', { name: 'Armley Good Neighbours', kind: 'neighbourhood_network' }, coordinator.auth)).json().networkId as string;
  const api = `/api/v1/networks/${networkId}`;
  const treasurer = await joined(app, networkId, coordinator, 'Tess Treasurer', 'treasurer');
  const board = await joined(app, networkId, coordinator, 'Bert Board', 'board');
  const holder = async (name: string) => (await send(app, 'POST', `${api}/members`, { name }, coordinator.auth)).json().personId as string;
  const [edna, walter] = [await holder('Edna Firth'), await holder('Walter Greenwood')];
  const today = new Date().toISOString().slice(0, 10);

  const ok = async (path: string, body: unknown, who: Person) => {
    const res = await send(app, 'POST', path, body, who.auth);
    if (res.statusCode >= 300) throw new Error(`${path}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  const poolId = (await ok(`${api}/pools`, { name: 'Lunch club', twoApproversAbovePence: 20_000 }, coordinator)).poolId as string;
  const pool = `${api}/pools/${poolId}`;
  await ok(`${pool}/receipts`, { source: 'contribution', holderId: edna, pence: 15_000, reference: 'DP Edna', receivedOn: addDays(today, -40) }, treasurer);
  await ok(`${pool}/receipts`, { source: 'council', pence: 20_000, reference: 'Leeds CC', receivedOn: addDays(today, -10) }, treasurer);
  const payment = async (payee: string, purpose: string, pence: number, who = coordinator) =>
    (await ok(`${pool}/payments`, { payee, purpose, invoiceReference: `INV-${pence}`, pence, beneficiaries: [{ holderId: edna, pence: pence / 2 }, { holderId: walter, pence: pence / 2 }], submittedOn: today }, who)).paymentId as string;
  const lunches = await payment('Kirkstall Kitchen CIC', 'Lunches in March', 6_000);
  if (lunchesPaid) await ok(`${pool}/payments/${lunches}/approval`, undefined, board);
  const taxi = await payment('A1 Cabs', 'Taxi to the day centre', 4_500);
  const furniture = await payment('Garden Centre Ltd', 'Garden furniture', 50_000);
  await ok(`${pool}/payments/${furniture}/approval`, undefined, board);
  const leaflets = await payment('Armley Printers', 'Leaflets', 3_000, treasurer);
  // The bank already shows a council top-up that the treasurer has yet to record.
  const imported = await app.inject({
    method: 'POST', url: `${pool}/bank-statements`, headers: { ...treasurer.auth, 'content-type': 'text/csv', 'idempotency-key': randomUUID() },
    payload: `Date,Description,Amount,Balance\n${today},LEEDS CC TOPUP GRANT-12,12.50,\n`,
  });
  if (imported.json().imported !== 1 || imported.json().matched !== 0) throw new Error(`the bank line should wait for its entry: ${imported.body}`);

  return { coordinator, treasurer, board, networkId, poolId, pool, today, payments: { lunches, taxi, furniture, leaflets }, poolPage: `/networks/${networkId}/pools/${poolId}` };
}
