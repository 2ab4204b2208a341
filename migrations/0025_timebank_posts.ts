import { sql, type Kysely } from 'kysely';

// Offers and requests (projection "posts"): one row a post, with a search vector over what its
// owner chose to say in public (title, category, tags, area), never the sealed description; and
// one row for each partner time bank a post is shared with. Open posts are read newest first,
// so a partial index holds just those.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE timebank_posts (
      post_id uuid PRIMARY KEY,
      network_id uuid NOT NULL,
      kind text NOT NULL,
      owner_id uuid NOT NULL,
      title text NOT NULL,
      description text NOT NULL,
      category text NOT NULL,
      tags text[] NOT NULL,
      tag_words text NOT NULL,
      area text,
      suits_note text NOT NULL,
      weekdays text[] NOT NULL,
      needed_by text,
      status text NOT NULL,
      open_until text NOT NULL,
      published_at timestamptz NOT NULL,
      published_position bigint NOT NULL,
      revision bigint NOT NULL,
      search tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A')
        || setweight(to_tsvector('english', category || ' ' || tag_words), 'B')
        || setweight(to_tsvector('simple', coalesce(area, '')), 'C')
      ) STORED
    )`.execute(db);
  await sql`CREATE INDEX timebank_posts_search ON timebank_posts USING gin (search)`.execute(db);
  await sql`CREATE INDEX timebank_posts_open_newest ON timebank_posts (network_id, published_position DESC) WHERE status = 'open'`.execute(db);
  await sql`CREATE INDEX timebank_posts_open_by_category ON timebank_posts (network_id, category, published_position DESC) WHERE status = 'open'`.execute(db);
  await sql`CREATE INDEX timebank_posts_owner ON timebank_posts (owner_id, network_id)`.execute(db);
  await sql`
    CREATE TABLE timebank_post_shares (
      post_id uuid NOT NULL,
      network_id uuid NOT NULL,
      PRIMARY KEY (network_id, post_id)
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE timebank_post_shares`.execute(db);
  await sql`DROP TABLE timebank_posts`.execute(db);
}
