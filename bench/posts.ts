// Finding offers and requests: a time bank with 10,000 and then 100,000 open posts (written
// straight into the read table by SQL, as years of use would leave it), searched through the
// application function as a member without a DBS check searches, where the network requires one:
// the worst case, with the safeguarding filter on. Newest first, by a common word, by a rare
// word, and by kind of help and area.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { scratchHearth } from './scratch.ts';
import { percentiles, type Row } from './measure.ts';
import { buildApp } from '../src/http/app.ts';
import { findPosts, type PostQuery } from '../src/timebank/posts-app.ts';

export interface PostsOptions {
  sizes: number[];
  reads: number;
}

const titles = ['Help in the garden', 'Lifts to the shops', 'A chat over tea', 'Walking the dog', 'Reading the post aloud', 'Fixing a dripping tap', 'Piano lessons for beginners', 'Weekly shop'];
const categories = ['gardening', 'shopping', 'befriending', 'pets', 'reading', 'repairs', 'music', 'shopping'];
const areas = ['LS12', 'LS13', 'Armley', 'Bramley', 'Wortley', 'LS5', 'Kirkstall', 'Farsley'];

export async function postsBench(options: PostsOptions): Promise<Row[]> {
  const scratch = await scratchHearth(4);
  const { hearth } = scratch;
  const app = await buildApp(hearth);
  const raw = new pg.Client({ connectionString: scratch.url });
  await raw.connect();
  const rows: Row[] = [];
  try {
    const headers = (token?: string) => ({ 'content-type': 'application/json', 'idempotency-key': randomUUID(), ...(token ? { authorization: `Bearer ${token}` } : {}) });
    const call = async (method: 'POST' | 'PUT', url: string, payload: object, token?: string) => {
      const res = await app.inject({ method, url: `/api/v1${url}`, headers: headers(token), payload });
      if (res.statusCode >= 300) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
      return res.json();
    };
    const account = { name: 'Bench Coordinator', email: 'coordinator@bench.example', password: 'a bench passphrase, long enough' };
    await call('POST', '/accounts', account);
    const token = (await call('POST', '/sessions', { email: account.email, password: account.password })).token as string;
    const networkId = (await call('POST', '/networks', { name: 'Bench Time Bank', kind: 'time_bank' }, token)).networkId as string;
    const memberId = (await call('POST', `/networks/${networkId}/members`, { name: 'Bench Member' }, token)).personId as string;
    await call('PUT', `/networks/${networkId}/safeguarding-policy`, { requireDbsForSafeguarded: true }, token);
    await hearth.engine.start();
    await hearth.engine.waitFor(hearth.engine.projections.map((p) => p.name), await hearth.store.headPosition(), 30_000);
    await hearth.engine.stop();

    // A thousand owners, one in fifty flagged for safeguarding.
    await raw.query(
      `INSERT INTO people (person_id, name, erased, has_account, needs_safeguarding, registered_at)
       SELECT md5('owner' || k)::uuid, 'Owner ' || k, false, false, k % 50 = 0, now()::text FROM generate_series(1, 1000) AS k`,
    );
    let written = 0;
    for (const size of options.sizes) {
      await raw.query(
        `INSERT INTO timebank_posts (post_id, network_id, kind, owner_id, title, description, category, tags, tag_words, area, suits_note, weekdays, needed_by, status, open_until, published_at, published_position, revision)
         SELECT md5('post' || k)::uuid, $1::uuid, CASE WHEN k % 3 = 0 THEN 'request' ELSE 'offer' END, md5('owner' || (k % 1000 + 1))::uuid,
                ($2::text[])[k % 8 + 1] || ' ' || k, '{"clear":""}', ($3::text[])[k % 8 + 1], ARRAY['tag' || k % 40], 'tag' || k % 40, ($4::text[])[k % 7 + 1],
                'weekday mornings', ARRAY['monday'], NULL, CASE WHEN k % 10 = 0 THEN 'closed' ELSE 'open' END, '2027-01-01', now(), 1000000 + k, 0
           FROM generate_series($5::bigint + 1, $6::bigint) AS k`,
        [networkId, titles, categories, areas, written, Math.round(size / 0.9)],
      );
      written = Math.round(size / 0.9);
      await raw.query('ANALYZE timebank_posts');
      await raw.query('ANALYZE people');
      const caller = { personId: memberId, onBehalfOf: null, commandId: randomUUID(), correlationId: randomUUID() };
      const searches: Array<[string, Partial<PostQuery>]> = [
        ['newest first', {}],
        ['a common word ("garden")', { text: 'garden' }],
        ['a rare word ("piano")', { text: 'piano' }],
        ['kind of help and area', { category: 'befriending', area: 'Wortley' }],
      ];
      for (const [what, query] of searches) {
        const latencies: number[] = [];
        for (let i = 0; i < options.reads + 20; i++) {
          const started = performance.now();
          const page = await findPosts(hearth, caller, { networkId, limit: 20, ...query });
          if (i >= 20) latencies.push(performance.now() - started);
          if (page.items.length === 0 && what !== 'a rare word ("piano")') throw new Error(`no posts found for ${what}`);
        }
        rows.push({ section: 'posts', system: `Hearth search, ${size.toLocaleString('en-GB')} open posts, PostgreSQL`, ...percentiles(latencies), note: `${what}; a member without a DBS check; first page of 20` });
      }
    }
    return rows;
  } finally {
    await raw.end();
    await app.close();
    await scratch.drop();
  }
}
