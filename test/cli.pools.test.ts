// A treasurer's pool from the hearth command, run in-process through the binary's entry point on one PGlite: the
// demo's Neighbourhood Network pool, a payment through its approvals, the reports, a bank
// statement imported twice, refusals, and the audit.
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { daysAgo } from '../src/dates.ts';
import { demoHearth } from './support/demo.ts';

const dir = mkdtempSync(join(tmpdir(), 'hearth-cli-pools-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const { hearthCommand: hearth, demo } = await demoHearth(t);
const joan = ['--as', 'joan@demo.hearth.example'];
const harold = ['--as', 'harold@demo.hearth.example'];
const cath = ['--as', 'coordinator@demo.hearth.example'];

const network = /Armley Neighbourhood Network: ([0-9a-f-]{36})/.exec(demo.stdout)?.[1] ?? '';

t.test('the demo has a pool with a closed period, a reconciliation and a verified audit', async (t) => {
  t.equal(demo.status, 0, demo.stderr);
  t.match(demo.stdout, /Armley lunches and activities: balance £1,040\.00; books closed to \d{4}-\d{2}-\d{2} \(digest [0-9a-f]{16}…\)/);
  t.match(demo.stdout, /Trial balance: debits £1,600\.00, credits £1,600\.00\./);
  t.match(demo.stdout, /Bank reconciliation: 11 lines matched; unmatched in the bank: SERVICE CHARGE -£5\.00; unmatched in the ledger: 0\./);
  t.match(demo.stdout, /Audit verified/);
});

t.test('a payment above the threshold is paid on its second approval; the reports follow', async (t) => {
  const list = await hearth('pool', 'list', '--network', network, ...joan);
  t.equal(list.status, 0, list.stderr);
  const pool = /([0-9a-f-]{36})  Armley lunches and activities\s+£1,040\.00/.exec(list.stdout)?.[1] ?? '';
  t.ok(pool, 'the pool is listed with its balance');
  const members = await hearth('network', 'members', '--network', network, ...cath);
  const edna = /([0-9a-f-]{36})  Edna Firth/.exec(members.stdout)?.[1] ?? '';

  const paid = await hearth('pool', 'pay', '--network', network, '--pool', pool, '--payee', 'Leeds Dial-a-Ride', '--purpose', 'Trips to the market', '--invoice', 'DAR-88', '--amount', '260.00', '--for', `${edna}:260.00`, ...cath);
  t.equal(paid.status, 0, paid.stderr);
  const payment = /payment ([0-9a-f-]{36})/.exec(paid.stdout)?.[1] ?? '';
  t.match((await hearth('pool', 'approve', '--network', network, '--pool', pool, '--payment', payment, ...joan)).stdout, /needs one more approver/);
  t.match((await hearth('pool', 'approve', '--network', network, '--pool', pool, '--payment', payment, ...harold)).stdout, /is paid/);

  const shown = await hearth('pool', 'show', '--network', network, '--pool', pool, ...joan);
  t.match(shown.stdout, /balance £780\.00/, '£1,040 less £260');
  const trial = await hearth('pool', 'trial-balance', '--network', network, '--pool', pool, ...joan);
  const totals = /total\s+(£[\d,.]+)\s+(£[\d,.]+)/.exec(trial.stdout);
  t.ok(totals && totals[1] === totals[2], `debits equal credits: ${trial.stdout}`);
  const ledgerCsv = await hearth('pool', 'ledger', '--network', network, '--pool', pool, ...joan);
  t.match(ledgerCsv.stdout, /^\uFEFFdate,entry id,kind,payee or source,reference,purpose,corrects,amount \(£\),balance \(£\)\r?\n/);
  t.match(ledgerCsv.stdout, /Payment,Leeds Dial-a-Ride,DAR-88,Trips to the market,,-260\.00,780\.00/);
  const page = await hearth('pool', 'statement', '--network', network, '--pool', pool, '--holder', edna, '--from', daysAgo(180), '--to', daysAgo(0), '--format', 'html', ...joan);
  t.match(page.stdout, /<html lang="en-GB">/);
  t.match(page.stdout, /Direct Payment statement: Edna Firth/);
  t.match(page.stdout, /Leeds Dial-a-Ride/);
});

t.test('a bank statement imported twice adds its lines once; refusals write nothing', async (t) => {
  const pool = /([0-9a-f-]{36})  Armley/.exec((await hearth('pool', 'list', '--network', network, ...joan)).stdout)?.[1] ?? '';
  const file = join(dir, 'statement.csv');
  writeFileSync(file, `Date,Description,Amount,Balance\n${daysAgo(0)},LEEDS DIAL A RIDE DAR-88,-260.00,\n`);
  const first = await hearth('pool', 'import-statement', file, '--network', network, '--pool', pool, ...joan);
  t.equal(first.status, 0, first.stderr);
  t.match(first.stdout, /Read 1 lines \(hearth\): 1 new, 1 matched to the ledger\./);
  t.match((await hearth('pool', 'import-statement', file, '--network', network, '--pool', pool, ...joan)).stdout, /0 new, 0 matched/);
  t.match((await hearth('pool', 'reconciliation', '--network', network, '--pool', pool, ...joan)).stdout, /12 bank lines matched\.\nUnmatched in the bank \(1\):\n.*SERVICE CHARGE/);

  writeFileSync(file, `Date,Description,Amount,Balance\n${daysAgo(1)},OK,1.00,\n${daysAgo(0)},BAD,12.345,\n`);
  const malformed = await hearth('pool', 'import-statement', file, '--network', network, '--pool', pool, ...joan);
  t.equal(malformed.status, 1);
  t.match(malformed.stderr, /Line 3: .*12\.345/);
  const future = await hearth('pool', 'close', '--network', network, '--pool', pool, '--period-end', daysAgo(-1), ...joan);
  t.equal(future.status, 1);
  t.match(future.stderr, /period-not-over|once its last day is over/);
  const decimals = await hearth('pool', 'receive', '--network', network, '--pool', pool, '--source', 'grant', '--amount', '10.005', '--reference', 'x', ...joan);
  t.equal(decimals.status, 2, 'an amount with a fraction of a penny is not sent at all');
  t.match(decimals.stderr, /not an amount of money/);

  const audit = await hearth('audit', 'verify');
  t.equal(audit.status, 0, audit.stdout + audit.stderr);
});

t.test('a correction down, typed with its minus sign as the help shows it', async (t) => {
  const pool = /([0-9a-f-]{36})  Armley/.exec((await hearth('pool', 'list', '--network', network, ...joan)).stdout)?.[1] ?? '';
  const ledgerCsv = (await hearth('pool', 'ledger', '--network', network, '--pool', pool, ...joan)).stdout;
  const entry = /\n[\d-]+,([0-9a-f-]{36}),Payment,Leeds Dial-a-Ride,DAR-88/.exec(ledgerCsv)?.[1] ?? '';
  t.ok(entry, 'the payment of £260.00');
  const corrected = await hearth('pool', 'correct', '--network', network, '--pool', pool, '--entry', entry, '--amount', '-5.00', '--reason', 'Invoice overstated by £5', ...joan);
  t.equal(corrected.status, 0, corrected.stderr);
  t.match(corrected.stdout, /^Recorded correction [0-9a-f-]{36}\./);
  t.match((await hearth('pool', 'show', '--network', network, '--pool', pool, ...joan)).stdout, /balance £785\.00/, '£780 with £5 of the payment taken back');
  const pounds = await hearth('pool', 'correct', '--network', network, '--pool', pool, '--entry', entry, '--amount', '-£1.00', '--reason', 'And a pound more', ...joan);
  t.equal(pounds.status, 0, `with a pound sign too: ${pounds.stderr}`);
  t.match((await hearth('pool', 'show', '--network', network, '--pool', pool, ...joan)).stdout, /balance £786\.00/);
});
