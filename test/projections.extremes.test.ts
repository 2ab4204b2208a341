// Event schemas and read tables agree: for every event type, values at the edges of what its
// schema allows (longest and shortest text of edge Unicode, largest and smallest whole numbers,
// earliest and latest dates, every optional field and none) and values between them drawn by
// fast-check with a fixed seed, all projected into every projection on PGlite and PostgreSQL.
// No projection parks anything, and a rebuild of each holds exactly what the live one does.
import t from 'tap';
import fc from 'fast-check';
import { backends } from './support/db.ts';
import { caughtUp, testHearth } from './support/hearth.ts';
import { arbitrary, event, extreme, jsonSchemaOf, SEALED, type Edge } from './support/extremes.ts';
import { registeredEventTypes } from '../src/events.ts';
import { personalDetails } from '../src/access/person.ts';
import type { Hearth } from '../src/hearth.ts';

/** Values between the edges, per store: each store gets its own, so the two runs together project twice as many. */
const SAMPLES = 2;

interface Generated {
  type: string;
  version: number;
  data: Record<string, unknown>;
  edge: Edge | 'between';
}

function generate(seed: number): Generated[] {
  return registeredEventTypes.flatMap((def) => {
    const schema = jsonSchemaOf(def.schema);
    const between = fc.sample(arbitrary(schema), { seed, numRuns: SAMPLES });
    return [
      { edge: 'max' as const, data: extreme(schema, 'max') },
      { edge: 'min' as const, data: extreme(schema, 'min') },
      ...between.map((data) => ({ edge: 'between' as const, data })),
    ].map((g) => ({ ...g, type: def.type, version: def.version, data: g.data as Record<string, unknown> }));
  });
}

/** Sealed fields sealed for real, under the key of the person the event is about, holding details at the same edge. */
async function sealed(hearth: Hearth, g: Generated): Promise<Record<string, unknown>> {
  const personId = typeof g.data.personId === 'string' ? g.data.personId : undefined;
  const data = { ...g.data };
  for (const [key, value] of Object.entries(data)) {
    if (value !== SEALED || !personId) continue;
    await hearth.vault.ensureKey(personId);
    data[key] = await hearth.vault.seal(personId, extreme(jsonSchemaOf(personalDetails), g.edge === 'min' ? 'min' : 'max'));
  }
  return data;
}

for (const [index, backend] of (await backends()).entries()) {
  const generated = generate(18 + index);
  t.test(`the extremes every event schema allows project into every projection, on ${backend.name}`, async (t) => {
    const hearth = await testHearth(await backend.open(), { PROJECTION_BATCH_SIZE: '50' });
    t.teardown(() => hearth.close());
    await hearth.engine.start();

    const refused: string[] = [];
    for (const g of generated) {
      const data = await sealed(hearth, g);
      const def = registeredEventTypes.find((d) => d.type === g.type)!;
      const checked = def.schema.safeParse(data);
      // What the generator cannot see in a JSON Schema (refinements across fields) it may get wrong; said, and counted below.
      if (!checked.success) {
        refused.push(`${g.type} (${g.edge}): ${checked.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
        continue;
      }
      await hearth.store.append(`extremes-${g.type}-${crypto.randomUUID()}`, [event(g.type, data, g.version)], 'no_stream');
    }
    for (const line of refused) t.comment(`not generated: ${line}`);
    const types = new Set(generated.map((g) => g.type));
    const covered = new Set(generated.filter((g) => g.edge === 'max').map((g) => g.type).filter((type) => !refused.some((r) => r.startsWith(`${type} (max)`))));
    t.ok(covered.size >= types.size * 0.9, `the largest values of ${covered.size} of ${types.size} event types went into the log`);

    t.ok(await caughtUp(hearth, 120_000), 'every projection caught up');
    const { projections } = await hearth.engine.status();
    // A correction of an entry the generated log never made finds nothing to correct: a dangling
    // reference, which no valid log holds, parked as it should be; not a value the tables cannot take.
    const dangling = (s: { eventType: string; error: string | null }) => s.eventType === 'pools.EntryCorrected' && s.error === 'Error: no result';
    t.same(
      projections.filter((p) => p.status === 'failed' || p.parked.some((s) => !dangling(s))).map((p) => ({ name: p.name, status: p.status, parked: p.parked.filter((s) => !dangling(s)).map((s) => `${s.eventType} at ${s.position}: ${s.error}`) })),
      [],
      'no projection parked or failed on any of them',
    );

    await hearth.engine.stop();
    for (const p of hearth.engine.projections) {
      const compared = await hearth.engine.compare(p.name);
      t.same(compared.differences, [], `a rebuild of ${p.name} holds exactly what the live one does`);
    }
  });
}
