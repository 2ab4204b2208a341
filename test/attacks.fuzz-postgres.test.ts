// The fuzz of every operation on PostgreSQL, whose types and encodings are stricter than PGlite's
// in places (a NUL in text, a date before year 1): no 5xx, every refusal problem+json, and no
// refusal writes. Required where HEARTH_REQUIRE_POSTGRES=1, as in CI.
import t from 'tap';
import { openApp } from './support/http.ts';
import { freshPostgres, postgresAvailable } from './support/db.ts';
import { checkFuzz, fuzzBudget, fuzzSeconds, fuzzSeed, fuzzEveryOperation, seedEveryKind } from './support/attacks.ts';

if (!(await postgresAvailable())) {
  t.plan(0, 'needs PostgreSQL');
} else {
  const { hearth, app, close } = await openApp(await freshPostgres(), { PROJECTION_POLL_MS: '1000', READ_WAIT_MS: '1000' });
  t.teardown(close);
  const seeded = await seedEveryKind(app);
  const result = await fuzzEveryOperation(app, hearth, seeded, { seed: fuzzSeed(), budget: fuzzBudget(), seconds: fuzzSeconds() });
  checkFuzz(t, result, fuzzSeed());
}
