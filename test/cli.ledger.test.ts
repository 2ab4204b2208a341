// The time bank and care bank from the hearth command, run in-process through the binary's entry
// point on one PGlite: the demo, a coordinator's daily commands, an import, and refusals.
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_COORDINATOR } from '../src/cli/demo.ts';
import { daysAgo } from '../src/dates.ts';
import { demoHearth } from './support/demo.ts';

const dir = mkdtempSync(join(tmpdir(), 'hearth-cli-ledger-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const { hearthCommand: hearth, demo } = await demoHearth(t);
const head = async () => Number(/Head of the log: (\d+)/.exec((await hearth('projections', 'status')).stdout)?.[1]);
const as = ['--as', DEMO_COORDINATOR.email];

const timeBank = /Kirkstall Time Bank: ([0-9a-f-]{36})/.exec(demo.stdout)?.[1] ?? '';
const scheme = /Kirkstall Care Bank: ([0-9a-f-]{36})/.exec(demo.stdout)?.[1] ?? '';

t.test('the demo loads a time bank and a care-bank scheme, and reports on them', async (t) => {
  t.equal(demo.status, 0, demo.stderr);
  t.match(demo.stdout, /Ann Whitaker's time-bank statement:\nStatement \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2}\nopening balance\s+0:00\n/);
  t.match(demo.stdout, /befriending: Tea and a chat/);
  t.match(demo.stdout, /closing balance\s+2:45/, 'her balance: 9:00 given, 6:15 received in the period');
  t.match(demo.stdout, /Outstanding care-bank obligation as at \d{4}-\d{2}-\d{2}: 20:30 hours/);
  t.match(demo.stdout, /75 and over\s+1\s+3:00/, 'the pledge to Ann is hers now');
  t.match(demo.stdout, /the scheme's pool\s+1\s+1:00/);

  const before = await head();
  const again = await hearth('demo');
  t.equal(again.status, 0, again.stderr);
  t.match(again.stdout, /closing balance\s+2:45/);
  t.equal(await head(), before, 'a second run finds the demo loaded and writes nothing');
});

t.test("a coordinator reads the network's own accounts and reverses a grant with a reason", async (t) => {
  const members = await hearth('network', 'members', '--network', timeBank, ...as);
  const edna = /([0-9a-f-]{36})  Edna Firth/.exec(members.stdout)?.[1] ?? '';
  t.equal((await hearth('timebank', 'donate', '--network', timeBank, '--minutes', '1:00', '--on-behalf-of', edna, ...as)).status, 0);
  t.equal((await hearth('timebank', 'grant', '--network', timeBank, '--person', edna, '--minutes', '0:30', ...as)).status, 0);
  const gifts = await hearth('timebank', 'gifts', '--network', timeBank, ...as);
  t.equal(gifts.status, 0, gifts.stderr);
  const ref = /^([0-9a-f-]{36}) .* grant .*Edna Firth/m.exec(gifts.stdout)?.[1] ?? '';
  t.ok(ref, 'the grant is listed');
  const reversed = await hearth('timebank', 'reverse-gift', '--network', timeBank, '--gift', ref, '--reason', 'granted twice', ...as);
  t.equal(reversed.status, 0, reversed.stderr);
  const again = await hearth('timebank', 'reverse-gift', '--network', timeBank, '--gift', ref, '--reason', 'granted twice', ...as);
  t.not(again.status, 0, 'never twice');
  const accounts = await hearth('timebank', 'network-accounts', '--network', timeBank, ...as);
  t.match(accounts.stdout, /Community chest\s+\d+:\d\d/);
  t.match(accounts.stdout, /The network's own account\s+0:00/);
});

t.test('a coordinator logs and confirms an exchange, and reads balances and reports', async (t) => {
  const members = await hearth('network', 'members', '--network', timeBank, ...as);
  t.equal(members.status, 0, members.stderr);
  const idOf = (name: string) => new RegExp(`([0-9a-f-]{36})  ${name}`).exec(members.stdout)?.[1] ?? '';
  const [edna, stan] = [idOf('Edna Firth'), idOf('Stan Lowe')];
  t.ok(edna && stan, 'members listed by name');

  const before = (await hearth('timebank', 'balance', '--network', timeBank, '--person', stan, ...as)).stdout;
  const logged = await hearth('timebank', 'log', '--network', timeBank, '--provider', stan, '--receiver', edna, '--minutes', '1:15', '--category', 'odd jobs', '--description', 'Mended the gate', ...as);
  t.equal(logged.status, 0, logged.stderr);
  const exchange = /exchange ([0-9a-f-]{36})/.exec(logged.stdout)?.[1] ?? '';
  t.equal((await hearth('timebank', 'confirm', '--network', timeBank, '--exchange', exchange, ...as)).status, 0);
  const after = (await hearth('timebank', 'balance', '--network', timeBank, '--person', stan, ...as)).stdout;
  const minutes = (text: string) => { const [, sign, h, m] = /Balance (-?)(\d+):(\d+)/.exec(text)!; return (sign ? -1 : 1) * (Number(h) * 60 + Number(m)); };
  t.equal(minutes(after) - minutes(before), 75, 'Stan is credited an hour and a quarter');

  const csv = await hearth('timebank', 'export', '--network', timeBank, ...as);
  t.match(csv.stdout, /^\uFEFFdate,provider,receiver,category,description,minutes,credited minutes,status\r?\n/);
  t.match(csv.stdout, /Stan Lowe,Edna Firth,odd jobs,Mended the gate,75,75,confirmed/);
  t.match((await hearth('carebank', 'obligation', '--network', scheme, '--as-at', '2000-01-01', ...as)).stdout, /as at 2000-01-01: 0:00 hours/);
  const asRecorded = await hearth('carebank', 'obligation', '--network', scheme, '--as-at', daysAgo(0), '--recorded-on', '2000-01-02', ...as);
  t.equal(asRecorded.status, 0, asRecorded.stderr);
  t.match(asRecorded.stdout, new RegExp(`^Outstanding care-bank obligation as at ${daysAgo(0)}: 0:00 hours, as recorded on 2000-01-02\\n`), 'nothing had been recorded by then');
  const adjusted = await hearth('timebank', 'adjust', '--network', timeBank, '--person', stan, '--minutes', '-0:15', '--reason', 'Opening balance was a quarter-hour high', ...as);
  t.equal(adjusted.status, 0, `a negative time as the help shows it: ${adjusted.stderr}`);
  t.match(adjusted.stdout, /^Adjusted the opening balance of Stan Lowe by -0:15\./, 'the person by name');
});

t.test('refusals: the API\'s problem, or what is missing, and nothing written', async (t) => {
  const before = await head();
  const zero = await hearth('timebank', 'log', '--network', timeBank, '--provider', scheme, '--receiver', timeBank, '--minutes', '0', '--category', 'lifts', ...as);
  t.equal(zero.status, 1);
  t.match(zero.stderr, /Refused: .*\n\s+\/minutes: must be more than zero/);
  const missing = await hearth('timebank', 'log', '--network', timeBank, '--minutes', '60', ...as);
  t.equal(missing.status, 2);
  t.match(missing.stderr, /--provider is needed/);
  const nobody = await hearth('timebank', 'figures', '--network', timeBank, '--as', 'nobody@example.org');
  t.equal(nobody.status, 1);
  t.match(nobody.stderr, /No one here signs in as nobody@example.org/);
  const member = await hearth('carebank', 'obligation', '--network', scheme, '--as', 'ann@demo.hearth.example');
  t.equal(member.status, 1);
  t.match(member.stderr, /Refused: /, 'a member may not see the obligation');
  t.equal(await head(), before);
});

t.test('importing an export from the command line, twice', async (t) => {
  const file = join(dir, 'transfers.csv');
  writeFileSync(file, 'Date,from,from ID,to,to ID,post,post ID,Reason,quantity\n2025-01-10 10:00:00 UTC,Iris Dean (4),4,Olu Ade (9),9,Lifts,3,,2\n');
  const first = await hearth('timebank', 'import', file, '--network', timeBank, ...as);
  t.equal(first.status, 0, first.stderr);
  t.match(first.stdout, /Imported 2 members and 1 transfer \(0 already here/);
  const second = await hearth('timebank', 'import', file, '--network', timeBank, ...as);
  t.match(second.stdout, /Imported 2 members and 1 transfer \(1 already here/);
});

t.test("the organisation's transfers go to the chest when the coordinator says so", async (t) => {
  const file = join(dir, 'Transfers_2025-03-06.csv');
  writeFileSync(file, 'Date,From,To,Post,Quantity\n2025-02-01 10:00:00 UTC,Rosa Lee (31),"Leeds Time Bank, (old site)",Gift,0:45\n');
  const chest = async () => /community chest\s+(\S+)/i.exec((await hearth('timebank', 'network-accounts', '--network', timeBank, ...as)).stdout)?.[1];
  const before = await chest();
  const wrong = await hearth('timebank', 'import', file, '--network', timeBank, '--organisation-as', 'the-council', ...as);
  t.equal(wrong.status, 1, 'an unknown choice is refused');
  t.match(wrong.stderr, /organisationAs/);
  const ran = await hearth('timebank', 'import', file, '--network', timeBank, '--organisation-as', 'community', ...as);
  t.equal(ran.status, 0, ran.stderr);
  t.not(await chest(), before, "Rosa's 0:45 to the organisation is in the chest");
});

t.test("importing TimeOverflow's reports: several files, progress, and the balances that differ", async (t) => {
  const members = join(dir, 'Members_2025-03-05.csv');
  const transfers = join(dir, 'Transfers_2025-03-05.csv');
  // Ines's report says 1:00 more than her transfers: one was deleted in TimeOverflow.
  writeFileSync(members, 'N,Name,Email,Phone,Alternative Phone,Created,Last login,Locale,Balance\n21,Ines Roca,"","","",2024-01-01 10:00:00 UTC,,es,9000\n22,Tomás Gil,"","","",2024-01-01 10:00:00 UTC,,es,-5400\n');
  writeFileSync(transfers, 'Fecha,Origen,Destino,Anuncio,Cantidad\n2025-01-11 10:00:00 +0100,Tomás Gil (22),Ines Roca (21),Compras,1:30\n');
  const progress: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string) => progress.push(String(chunk)) > 0) as typeof process.stderr.write;
  let ran;
  try {
    ran = await hearth('timebank', 'import', members, transfers, '--network', timeBank, ...as);
  } finally {
    process.stderr.write = write;
  }
  t.equal(ran.status, 0, ran.stderr);
  t.match(ran.stdout, /Read Members_2025-03-05\.csv \(members\), Transfers_2025-03-05\.csv \(transfers\)/);
  t.match(ran.stdout, /member\s+21\s+Ines Roca\s+[0-9a-f-]{36}\s+expected\s+2:30\s+imported\s+1:30/, 'by name, with the id to adjust');
  t.match(progress.join(''), /Rows written: 1 of 1 \(100%\)/, 'progress lines where there is no terminal');
  const ines = /member\s+21\s+Ines Roca\s+([0-9a-f-]{36})/.exec(ran.stdout)![1]!;
  const adjusted = await hearth('timebank', 'adjust', '--network', timeBank, '--person', ines, '--minutes', '1:00', '--reason', 'A transfer TimeOverflow deleted', ...as);
  t.equal(adjusted.status, 0, adjusted.stderr);
  const balance = await hearth('timebank', 'balance', '--network', timeBank, '--person', ines, ...as);
  t.match(balance.stdout, /Balance 2:30/);
});
