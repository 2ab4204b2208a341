// Text keys: a text sealed under a key of its own, linked to the people it concerns, opened in
// batches, and unreadable once any of them is erased.
import t from 'tap';
import { randomBytes, randomUUID } from 'node:crypto';
import { freshPglite } from './support/db.ts';
import { ERASED_TEXT, PersonalDataVault, clearText, sealedText, storedText } from '../src/access/vault.ts';

const database = await freshPglite();
t.teardown(() => database.close());
const vault = new PersonalDataVault(database.db, randomBytes(32));
const keys = async () => (await database.db.selectFrom('text_keys').select('key_id').execute()).map((r) => r.key_id).sort();
const [philippa, harold, gwen, ruth] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
for (const personId of [philippa, harold, gwen, ruth]) await vault.ensureKey(personId);

t.test('a text is sealed under a key of its own and opened again, from an event or a read table', async (t) => {
  const sealed = await vault.sealText('Took Philippa to the GP', [philippa, gwen]);
  t.ok(sealedText.safeParse(sealed).success, 'it fits the event schema');
  t.notOk(JSON.stringify(sealed).includes('Philippa'), 'nothing of the text shows');
  t.equal(await vault.openText(sealed), 'Took Philippa to the GP');
  t.equal(await vault.openText(storedText(sealed)), 'Took Philippa to the GP', 'as a read table stores it');
  const again = await vault.sealText('Took Philippa to the GP', [philippa]);
  t.not((again as { textKey: string }).textKey, (sealed as { textKey: string }).textKey, 'each text has its own key');
  t.equal(await vault.openText(clearText('recorded before sealing')), 'recorded before sealing', 'older clear text reads as it was');
});

t.test('empty text needs no key', async (t) => {
  const before = await keys();
  t.same(await vault.sealText('', [philippa]), { clear: '' });
  t.same(await keys(), before);
});

t.test('erasing anyone a text concerns makes it unreadable; texts of others still read', async (t) => {
  const [shared, his, later] = await vault.sealTexts([
    { text: 'Gwen drove Philippa', concerns: [philippa, gwen] },
    { text: 'Harold at the lunch club', concerns: [harold] },
    { text: 'QUIXOTIC P DIRECT PAYMENT', concerns: [] },
  ]);
  await vault.concern((later as { textKey: string }).textKey, [philippa]);
  await vault.erase(philippa);
  t.same(await vault.openTexts([shared!, his!, later!, null]), [ERASED_TEXT, 'Harold at the lunch club', ERASED_TEXT, null], 'one batch: hers erased, his read, nothing stays nothing');
  t.same(await database.db.selectFrom('text_key_subjects').select('key_id').where('person_id', '=', philippa).execute(), [], 'no link to her is left');
  await vault.concern((his as { textKey: string }).textKey, [gwen]);
  await vault.erase(gwen);
  t.equal(await vault.openText(his!), ERASED_TEXT, 'a person linked later is as good as one linked at first');
});

t.test('a key linked after its text was erased stays gone', async (t) => {
  const text = await vault.sealText('Matched later', [harold]);
  await vault.erase(harold);
  await vault.concern((text as { textKey: string }).textKey, [gwen]);
  t.equal(await vault.openText(text), ERASED_TEXT);
});

t.test('text about someone already erased is unreadable from the start', async (t) => {
  const before = await keys();
  const text = await vault.sealText('Harold again', [harold, gwen]);
  t.notOk(JSON.stringify(text).includes('Harold'));
  t.equal(await vault.openText(text), ERASED_TEXT);
  t.same(await keys(), before, 'no key was kept for it');
});

t.test('keys made for a command that records nothing are destroyed', async (t) => {
  const before = await keys();
  const refused = await vault.sealText('Refused', [ruth]);
  await t.rejects(vault.recording([refused], async () => { throw new Error('refused'); }));
  const retried = await vault.sealText('Retried', [ruth]);
  await vault.recording([retried], async () => ({ replayed: true, events: { exchange: [] } }));
  const repeat = await vault.sealText('Already done', [ruth]);
  await vault.recording([repeat], async () => ({ replayed: false, events: { exchange: [] } }));
  t.same(await keys(), before, 'refused, retried or already done: no key is left');
  const kept = await vault.sealText('Recorded', [ruth]);
  await vault.recording([kept], async () => ({ replayed: false, events: { exchange: [{}] } }));
  t.equal(await vault.openText(kept), 'Recorded', 'a recorded text keeps its key');
});

t.test("bank lines sealed under a statement's key before text keys still read", async (t) => {
  const statementId = randomUUID();
  await vault.ensureKey(statementId);
  const legacy = { sealedUnder: statementId, sealed: await vault.seal(statementId, 'LEEDS CC TOPUP') };
  t.ok(sealedText.safeParse(legacy).success);
  t.equal(await vault.openText(legacy), 'LEEDS CC TOPUP');
});
