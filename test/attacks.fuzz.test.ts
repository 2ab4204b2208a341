// Every operation of the OpenAPI document, fuzzed on PGlite: no 5xx, every refusal problem+json,
// and no refusal writes. FUZZ_SEED sends another set of requests; FUZZ_BUDGET more of them.
import t from 'tap';
import { openApp } from './support/http.ts';
import { freshPglite } from './support/db.ts';
import { checkFuzz, fuzzBudget, fuzzSeconds, fuzzSeed, fuzzEveryOperation, seedEveryKind } from './support/attacks.ts';

// A read waits at most a second for the projections: long enough for a healthy one, short
// enough that a stopped one shows as a 503 rather than stalling the run.
const { hearth, app, close } = await openApp(await freshPglite(), { PROJECTION_POLL_MS: '1000', READ_WAIT_MS: '1000' });
t.teardown(close);

const seeded = await seedEveryKind(app);
// Other requests than PostgreSQL's run sends, and half as many: what is particular to PGlite is
// its engine, not the rules, and the two runs together still cover every operation twice over.
const seed = fuzzSeed() + 1;
const result = await fuzzEveryOperation(app, hearth, seeded, { seed, budget: Math.ceil(fuzzBudget() / 2), seconds: fuzzSeconds() });
checkFuzz(t, result, seed);
