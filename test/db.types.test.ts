// Hearth reads PostgreSQL's bigint as a number, exactly or not at all, whatever another library in
// the same process has set in pg's shared table of parsers (Emmett's store sets bigint to BigInt).
import t from 'tap';
import pg from 'pg';
import { sql } from 'kysely';
import { freshPostgres } from './support/db.ts';

t.test('a bigint is read as a number though another library has pg read it as a BigInt', async (t) => {
  const database = await freshPostgres({ max: 2 });
  const shared = pg.types.getTypeParser(pg.types.builtins.INT8);
  pg.types.setTypeParser(pg.types.builtins.INT8, BigInt);
  t.teardown(async () => {
    pg.types.setTypeParser(pg.types.builtins.INT8, shared);
    await database.close();
  });
  const { rows } = await sql<{ n: unknown }>`SELECT 9007199254740991::bigint AS n`.execute(database.db);
  t.equal(rows[0]!.n, 9007199254740991, 'the largest exact whole number, as a number');
  await t.rejects(sql`SELECT 9007199254740992::bigint AS n`.execute(database.db), { name: 'Rejection' }, 'one past it is refused, not rounded');
});
