// Reading a pool's bank statement: one sample of every layout as its bank writes it, the running
// balance check, every reason a file is refused with the line it is refused at, and line ids that
// stay the same when a statement, or a later overlapping one, is read again.
import t from 'tap';
import { readStatement, StatementError, type BankLine } from '../src/pools/bank-statement.ts';

// The same three weeks of a Neighbourhood Network pool, as each bank exports them: a council's
// Direct Payment in, an insurance direct debit and a provider's invoice paid out.
const samples = {
  hearth: [
    'Date,Description,Amount,Balance',
    '2026-01-02,Leeds City Council DP HOLDER-0012,"£1,250.00","£3,418.00"',
    '06/01/2026,Waterside Insurance,(12.50),"3,405.50"',
    '2026-01-09,Armley Helping Hands INV-1041,-86.40,3319.10',
  ].join('\n'),
  // Newest first, a comma closing the header, the sort code led by an apostrophe, whole pounds without pence.
  lloyds: [
    'Transaction Date,Transaction Type,Sort Code,Account Number,Transaction Description,Debit Amount,Credit Amount,Balance,',
    "09/01/2026,FPO,'30-94-57,12345678,ARMLEY HELPING HANDS INV-1041 ,86.40,,3319.10",
    "06/01/2026,DD,'30-94-57,12345678,WATERSIDE INSURANCE ,12.50,,3405.50",
    "02/01/2026,FPI,'30-94-57,12345678,LEEDS CC DP HOLDER 0012 ,,1250,3418.00",
  ].join('\r\n'),
  // Account lines above the header, every field quoted, £ signs and thousands commas.
  nationwide: [
    '"Account Name:","Community Account ****12345"',
    '"Account Balance:","£3,319.10"',
    '"Available Balance: ","£3,319.10"',
    '',
    '"Date","Transaction type","Description","Paid out","Paid in","Balance"',
    '"02 Jan 2026","Transfer from","LEEDS CC DP HOLDER 0012","","£1,250.00","£3,418.00"',
    '"06 Jan 2026","Direct debit","WATERSIDE INSURANCE","£12.50","","£3,405.50"',
    '"09 Jan 2026","Payment to","ARMLEY HELPING HANDS INV-1041","£86.40","","£3,319.10"',
  ].join('\r\n') + '\r\n',
  // A space after each comma of the header, text led by an apostrophe, a comma closing each row.
  natwest: [
    'Date, Type, Description, Value, Balance, Account Name, Account Number',
    `02/01/2026,BAC,"'LEEDS CC , DP HOLDER 0012",1250.00,3418.00,"'ARMLEY POOL","'600000-12345678",`,
    `06/01/2026,D/D,"'WATERSIDE INSURANCE",-12.50,3405.50,"'ARMLEY POOL","'600000-12345678",`,
    `09/01/2026,DPC,"'ARMLEY HELPING HANDS INV-1041",-86.40,3319.10,"'ARMLEY POOL","'600000-12345678",`,
    `31/01/2026,INT,"'INTEREST",.54,3319.64,"'ARMLEY POOL","'600000-12345678",`,
  ].join('\n'),
  // An opening balance row, then signed amounts; the Notes column is the newer exports'.
  starling: [
    'Date,Counter Party,Reference,Type,Amount (GBP),Balance (GBP),Spending Category,Notes',
    ',Opening Balance,,,,2168.00',
    '02/01/2026,Leeds City Council,DP HOLDER 0012,FASTER PAYMENT,1250.00,3418.00,INCOME,',
    '06/01/2026,Waterside Insurance,POLICY 88812,DIRECT DEBIT,-12.50,3405.50,INSURANCE,',
    '09/01/2026,Armley Helping Hands,INV-1041,FASTER PAYMENT,-86.40,3319.10,PAYMENTS,January visits',
  ].join('\n'),
};

const simple = (lines: BankLine[]) => lines.map(({ line, on, description, pence, balancePence }) => ({ line, on, description, pence, balancePence }));

function refusal(csv: string | Uint8Array): StatementError {
  try {
    readStatement(csv);
  } catch (err) {
    if (err instanceof StatementError) return err;
    throw err;
  }
  throw new Error('the file was read, not refused');
}

t.test('every layout, as its bank writes it', async (t) => {
  t.same(simple(readStatement(samples.hearth).lines), [
    { line: 2, on: '2026-01-02', description: 'Leeds City Council DP HOLDER-0012', pence: 125000, balancePence: 341800 },
    { line: 3, on: '2026-01-06', description: 'Waterside Insurance', pence: -1250, balancePence: 340550 },
    { line: 4, on: '2026-01-09', description: 'Armley Helping Hands INV-1041', pence: -8640, balancePence: 331910 },
  ], "Hearth's own: ISO or day-first dates, £, commas and brackets");

  const lloyds = readStatement(samples.lloyds);
  t.equal(lloyds.layout, 'lloyds');
  t.same(simple(lloyds.lines), [
    { line: 2, on: '2026-01-09', description: 'ARMLEY HELPING HANDS INV-1041', pence: -8640, balancePence: 331910 },
    { line: 3, on: '2026-01-06', description: 'WATERSIDE INSURANCE', pence: -1250, balancePence: 340550 },
    { line: 4, on: '2026-01-02', description: 'LEEDS CC DP HOLDER 0012', pence: 125000, balancePence: 341800 },
  ], 'Lloyds: debits out, credits in, newest first, in the order of the file');

  const nationwide = readStatement(samples.nationwide);
  t.equal(nationwide.layout, 'nationwide');
  t.same(simple(nationwide.lines), [
    { line: 6, on: '2026-01-02', description: 'Transfer from LEEDS CC DP HOLDER 0012', pence: 125000, balancePence: 341800 },
    { line: 7, on: '2026-01-06', description: 'Direct debit WATERSIDE INSURANCE', pence: -1250, balancePence: 340550 },
    { line: 8, on: '2026-01-09', description: 'Payment to ARMLEY HELPING HANDS INV-1041', pence: -8640, balancePence: 331910 },
  ], 'Nationwide: account lines above the header skipped, line numbers still those of the file');

  const natwest = readStatement(samples.natwest);
  t.equal(natwest.layout, 'natwest');
  t.same(simple(natwest.lines).map((l) => [l.on, l.description, l.pence, l.balancePence]), [
    ['2026-01-02', 'LEEDS CC , DP HOLDER 0012', 125000, 341800],
    ['2026-01-06', 'WATERSIDE INSURANCE', -1250, 340550],
    ['2026-01-09', 'ARMLEY HELPING HANDS INV-1041', -8640, 331910],
    ['2026-01-31', 'INTEREST', 54, 331964],
  ], 'NatWest: apostrophes dropped, a closing comma is no field, ".54" is 54p');

  const starling = readStatement(samples.starling);
  t.equal(starling.layout, 'starling');
  t.same(simple(starling.lines).map((l) => [l.line, l.description, l.pence]), [
    [3, 'Leeds City Council — DP HOLDER 0012', 125000],
    [4, 'Waterside Insurance — POLICY 88812', -1250],
    [5, 'Armley Helping Hands — INV-1041', -8640],
  ], 'Starling: the opening balance is no transaction; counter party and reference both kept');
});

t.test('the variants each bank has written', async (t) => {
  const natwestNamed = [
    'Date, Type, Description, Value, Balance, Account Name, Account Number',
    '',
    `20 Mar 2026,POS,"'CORNER SHOP",-8.99,100.00,"'ARMLEY POOL","'600000-12345678",`,
    `05 April 2026,BAC,"'REFUND",1.50,101.50,"'ARMLEY POOL","'600000-12345678",`,
  ].join('\n');
  t.same(readStatement(natwestNamed).lines.map((l) => [l.line, l.on]), [[3, '2026-03-20'], [4, '2026-04-05']], 'NatWest dates as "20 Mar 2026", a blank line under the header');

  const starlingOlder = ['Date,Counter Party,Reference,Type,Amount (GBP),Balance (GBP),Spending Category', '01/10/2025,An Employer,SALARY,FASTER PAYMENT,1500.00,5500.00,INCOME', '02/10/2025,Landlord,Rent,FASTER PAYMENT,-1000.00,4500.00,PAYMENTS', ''].join('\n');
  t.same(readStatement(starlingOlder).lines.map((l) => l.pence), [150000, -100000], 'Starling before the Notes column');

  const lloydsPlainHeader = samples.lloyds.replace('Balance,\r\n', 'Balance\r\n');
  t.same(readStatement(lloydsPlainHeader).lines, readStatement(samples.lloyds).lines, 'Lloyds with or without the comma closing the header');

  const nationwideOverdrawn = ['"Account Name:","Pool"', '', '"Date","Transaction type","Description","Paid out","Paid in","Balance"', '"13 Jun 2025","Visa purchase","SHOP","£52.00","","-£2.00"', '"14 Jun 2025","Transfer from","TOP UP","","£10.00","£8.00"'].join('\r\n');
  t.same(readStatement(nationwideOverdrawn).lines.map((l) => l.balancePence), [-200, 800], 'an overdrawn balance');

  const hearthNoBalance = 'Date,Description,Amount,Balance\n2026-02-01,Cheque 100231,25.00,\n2026-02-02,Cheque 100232,-25.00,\n';
  t.same(readStatement(hearthNoBalance).lines.map((l) => l.balancePence), [null, null], 'a balance may be left empty');
});

t.test('encodings: a byte order mark, and Nationwide\'s £ in Windows-1252', async (t) => {
  const expected = readStatement(samples.nationwide).lines;
  t.same(readStatement('\uFEFF' + samples.nationwide).lines, expected, 'a BOM on the text');
  t.same(readStatement(Buffer.from('\uFEFF' + samples.nationwide, 'utf8')).lines, expected, 'a BOM on UTF-8 bytes');
  t.same(readStatement(Buffer.from(samples.nationwide, 'latin1')).lines, expected, 'the bytes as Nationwide writes them, £ as 0xA3');
  t.same(readStatement(new Uint8Array(Buffer.from(samples.nationwide, 'utf8'))).lines, expected, 'UTF-8 bytes');
  // The same bytes read as UTF-8 by someone else first: every £ became U+FFFD.
  const misread = Buffer.from(samples.nationwide, 'latin1').toString('utf8');
  t.ok(misread.includes('\uFFFD'));
  t.same(readStatement(misread).lines, expected, 'a £ lost to a wrong decoding is still read as £');
  t.same(readStatement(Buffer.from('\uFEFF' + samples.hearth, 'utf8')).lines, readStatement(samples.hearth).lines, "Hearth's own with a BOM");
});

t.test('money is read exactly, as far as the layout writes it', async (t) => {
  const hearth = (amount: string) => readStatement(`Date,Description,Amount,Balance\n2026-01-02,x,"${amount}",\n`).lines[0]!.pence;
  t.equal(hearth('1,234.56'), 123456);
  t.equal(hearth('£1,234.56'), 123456);
  t.equal(hearth('-£1,234.56'), -123456);
  t.equal(hearth('£-12.30'), -1230);
  t.equal(hearth('(12.30)'), -1230);
  t.equal(hearth('(£1,000)'), -100000);
  t.equal(hearth('+0.1'), 10);
  t.equal(hearth('0.29'), 29, 'not 28.999…');
  t.equal(hearth('1005.07'), 100507);
  t.equal(hearth('999999.99'), 99999999);
  t.equal(hearth('1,000,000.00'), 100000000, 'up to the ceiling of one entry');
  t.match(refusal(`Date,Description,Amount,Balance\n2026-01-02,x,"1000000.01",\n`), { line: 2, reason: /more than the £1,000,000 one entry may be/ }, 'and not past it');
  t.match(refusal(`Date,Description,Amount,Balance\n0001-01-02,x,"1.00",\n`), { line: 2, reason: /not from 1900-01-01 to 2100-12-31/ }, 'a date outside the window');
  t.match(refusal(`Date,Description,Amount,Balance\n2026-01-02,"x\u0000y","1.00",\n`), { line: 2, reason: /the description must not contain a NUL/ }, 'a NUL in a description');
});

t.test('a running balance that does not follow refuses the file at that line', async (t) => {
  const hearth = samples.hearth.replace('-86.40,3319.10', '-86.40,3391.10');
  t.match(refusal(hearth), { line: 4, reason: 'the balance £3,391.10 does not follow from the balance on line 3: £3,405.50 less £86.40 makes £3,319.10.' });

  // Newest first, a wrong amount in the middle: that line is named, not its neighbour.
  const lloyds = samples.lloyds.replace('WATERSIDE INSURANCE ,12.50', 'WATERSIDE INSURANCE ,12.05');
  t.match(refusal(lloyds), { line: 3, reason: 'the balance £3,405.50 does not follow from the balance on line 4: £3,418.00 less £12.05 makes £3,405.95.' });

  // Newest first, a wrong balance: the first line, going forward in time, that it breaks.
  const lloydsBalance = samples.lloyds.replace(',,1250,3418.00', ',,1250,3481.00');
  t.match(refusal(lloydsBalance), { line: 3 });

  const natwest = samples.natwest.replace('.54,3319.64', '.45,3319.64');
  t.match(refusal(natwest), { line: 5, reason: /£3,319\.10 plus £0\.45 makes £3,319\.55/ });

  const starling = samples.starling.replace(',Opening Balance,,,,2168.00', ',Opening Balance,,,,2000.00');
  t.match(refusal(starling), { line: 3, reason: 'the balance £3,418.00 does not follow from the opening balance on line 2: £2,000.00 plus £1,250.00 makes £3,250.00.' });

  const nationwide = samples.nationwide.replace('"£12.50","","£3,405.50"', '"","£12.50","£3,405.50"');
  t.match(refusal(nationwide), { line: 7, reason: /plus £12\.50 makes £3,430\.50/ }, 'money in where the bank wrote money out');

  // Lines of one day read either way, whichever way their balances follow.
  const oneDay = ['Date,Description,Amount,Balance', '2026-03-02,b,-5.00,90.00', '2026-03-02,a,-5.00,95.00'].join('\n');
  t.equal(readStatement(oneDay).lines.length, 2, 'one day, newest first');
});

t.test('each reason a file is refused, with its line', async (t) => {
  const H = 'Date,Description,Amount,Balance';
  const cases: Array<[string, string | Uint8Array, number, string | RegExp]> = [
    ['empty', '', 1, 'the file is empty.'],
    ['blank', '\n  \n\r\n', 1, 'the file is empty.'],
    ['only a header', `${H}\n`, 1, 'there are no transactions below the header row.'],
    ['only an opening balance', samples.starling.split('\n').slice(0, 2).join('\n'), 1, 'there are no transactions below the header row.'],
    ['only a header, below account lines', samples.nationwide.split('\r\n').slice(0, 5).join('\r\n'), 5, 'there are no transactions below the header row.'],
    ['unknown header', 'When,What,How much\n2026-01-02,x,1.00', 1, /^this is not a statement layout Hearth knows\. .*Hearth: Date, Description, Amount, Balance; Lloyds Bank: Transaction Date, Transaction Type, Sort Code, Account Number, Transaction Description, Debit Amount, Credit Amount, Balance; Nationwide: Date, Transaction type, Description, Paid out, Paid in, Balance; NatWest: Date, Type, Description, Value, Balance, Account Name, Account Number; Starling Bank: Date, Counter Party, Reference, Type, Amount \(GBP\), Balance \(GBP\), Spending Category, Notes\.$/],
    ['lines above a header that has none', `Statement for January\n${H}\n2026-01-02,x,1.00,`, 1, 'the Hearth layout starts with its header row, but the header is on line 2. Remove the lines above it.'],
    ['too few fields', `${H}\n2026-01-02,x,1.00,\n2026-01-03,y,2.00`, 3, 'this line has 3 fields, but the Hearth layout has 4 (Date, Description, Amount, Balance).'],
    ['too many fields', `${H}\n2026-01-02,x,1.00,,,oops`, 2, /has 6 fields/],
    ['empty date', `${H}\n2026-01-02,x,1.00,\n,y,2.00,`, 3, 'the date is empty.'],
    ['empty amount', `${H}\n2026-01-02,x,,`, 2, 'the amount is empty.'],
    ['a date as the bank does not write it', `${H}\n2026/01/02,x,1.00,`, 2, 'the date "2026/01/02" is not written the way the Hearth layout writes dates (2026-01-03 or 03/01/2026).'],
    ['a month-first date', `${H}\n01/13/2026,x,1.00,`, 2, 'the date "01/13/2026" does not exist.'],
    ['30 February', `${H}\n30/02/2026,x,1.00,`, 2, 'the date "30/02/2026" does not exist.'],
    ['29 February not in a leap year', `${H}\n2025-02-29,x,1.00,`, 2, 'the date "2025-02-29" does not exist.'],
    ['more than two decimals', `${H}\n2026-01-02,x,12.345,`, 2, 'the amount "12.345" has more than two decimal places.'],
    ['not a number', `${H}\n2026-01-02,x,twelve,`, 2, 'the amount "twelve" is not a number.'],
    ['a dot alone', `${H}\n2026-01-02,x,.,`, 2, 'the amount "." is not a number.'],
    ['a misplaced comma', `${H}\n2026-01-02,x,"12,34",`, 2, 'the amount "12,34" is not a number.'],
    ['two signs', `${H}\n2026-01-02,x,-£-5.00,`, 2, 'the amount "-£-5.00" is not a number.'],
    ['a sign in brackets', `${H}\n2026-01-02,x,(-5.00),`, 2, 'the amount "(-5.00)" is not a number.'],
    ['a bad balance', `${H}\n2026-01-02,x,5.00,5.001`, 2, 'the balance "5.001" has more than two decimal places.'],
    ['a quote never closed', `${H}\n2026-01-02,x,5.00,\n\n2026-01-03,"y,1.00,\n2026-01-04,z,1.00,`, 4, 'a quote opened on this line is never closed, so the file cannot be read as CSV.'],
    ['text after a closing quote', `${H}\n2026-01-02,"x"y,5.00,`, 2, 'there is text straight after a closing quote, so this line cannot be read as CSV.'],
    ['£ where Lloyds writes none', samples.lloyds.replace(',86.40,', ',£86.40,'), 2, 'the amount "£86.40" under "Debit Amount" has a £ sign, which Lloyds Bank does not write.'],
    ['a comma where Starling writes none', samples.starling.replace('1250.00,3418.00', '"1,250.00",3418.00'), 3, 'the amount "1,250.00" has a comma, which Starling Bank does not write in amounts.'],
    ['brackets where NatWest writes none', samples.natwest.replace('-12.50,', '(12.50),'), 3, 'the amount "(12.50)" is in brackets, which NatWest does not write; money out has a minus sign.'],
    ['a sign in a column of money out', samples.lloyds.replace(',86.40,', ',-86.40,'), 2, 'the amount "-86.40" under "Debit Amount" has a sign; Lloyds Bank writes money out and money in as plain amounts in separate columns.'],
    ['money both out and in', samples.nationwide.replace('"£12.50","",', '"£12.50","£1.00",'), 7, 'there is an amount under both "Paid out" and "Paid in"; a line is one or the other.'],
    ['neither out nor in', samples.nationwide.replace('"£12.50","",', '"","",'), 7, 'there is no amount: "Paid out" and "Paid in" are both empty.'],
    ['a Lloyds date in the Nationwide style', samples.lloyds.replace('06/01/2026', '06 Jan 2026'), 3, 'the date "06 Jan 2026" is not written the way the Lloyds Bank layout writes dates (03/01/2026).'],
    ['two accounts in one file', samples.natwest + `\n\n01/01/2026,BAC,"'SAVINGS",1.00,1.00,"'RESERVE","'600000-87654321",`, 7, "this line is for account 600000-87654321, but line 2 is for account 600000-12345678. Export one account at a time."],
  ];
  for (const [why, csv, line, reason] of cases) t.match(refusal(csv), { line, reason }, why);
});

t.test('line numbers count every line of the file, blank or inside quotes', async (t) => {
  const csv = ['Date,Description,Amount,Balance', '', '2026-01-02,"Tea', 'and cake",-3.20,', '', '2026-01-03,"Lunch\r\nclub",x,'].join('\r\n');
  t.match(refusal(csv), { line: 6, reason: 'the amount "x" is not a number.' });
  t.same(readStatement(csv.replace(',x,', ',-4.00,')).lines.map((l) => [l.line, l.description]), [[3, 'Tea and cake'], [6, 'Lunch club']]);
});

t.test('line ids: the same for the same line read again, or in a later statement', async (t) => {
  const H = 'Date,Description,Amount,Balance';
  const january = [H, '2026-01-02,Council DP,1250.00,1250.00', '2026-01-05,Tea  and cake ,-3.20,1246.80', '2026-01-08,Helping Hands INV-7,-46.80,1200.00'].join('\n');
  const first = readStatement(january).lines;
  t.same(readStatement(january).lines, first, 'read again: identical');
  t.equal(new Set(first.map((l) => l.lineId)).size, 3, 'every line its own id');
  t.match(first[0]!.lineId, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a uuid v5');

  // A later export from the 5th on, spaced and cased its own way.
  const later = [H, '05/01/2026,TEA AND CAKE,-3.20,1246.80', '08/01/2026,Helping Hands INV-7,-46.80,1200.00', '10/01/2026,Council DP,200.00,1400.00'].join('\n');
  const second = readStatement(later).lines;
  t.same(second.slice(0, 2).map((l) => l.lineId), first.slice(1).map((l) => l.lineId), 'the overlap keeps its ids');
  t.notOk(first.some((l) => l.lineId === second[2]!.lineId), 'the new line a new id');

  // Two lines saying exactly the same thing are two payments, the n-th of them keeping its id.
  const twins = [H, '2026-02-03,Bus fare,-2.00,', '2026-02-03,Bus fare,-2.00,'].join('\n');
  const [a, b] = readStatement(twins).lines;
  t.not(a!.lineId, b!.lineId);
  const twinsAndMore = [H, '2026-02-03,Bus fare,-2.00,', '2026-02-03,Bus fare,-2.00,', '2026-02-04,Bus fare,-2.00,'].join('\n');
  t.same(readStatement(twinsAndMore).lines.slice(0, 2).map((l) => l.lineId), [a!.lineId, b!.lineId]);

  // Newest first or oldest first, the twins are numbered going forward in time.
  const newestFirst = readStatement([H, '2026-02-04,Bus fare,-2.00,', '2026-02-03,Bus fare,-2.00,', '2026-02-03,Bus fare,-2.00,'].join('\n')).lines;
  t.same(new Set(newestFirst.map((l) => l.lineId)), new Set(readStatement(twinsAndMore).lines.map((l) => l.lineId)));

  t.same(readStatement(Buffer.from(samples.nationwide, 'latin1')).lines.map((l) => l.lineId), readStatement(samples.nationwide).lines.map((l) => l.lineId), 'however the file was encoded');
});
