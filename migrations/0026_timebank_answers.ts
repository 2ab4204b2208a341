import { sql, type Kysely } from 'kysely';

// Answers to offers and requests, their threads, the arrangements they lead to and the figures
// coordinators read (projection "post_answers"). Messages stay sealed in their rows: a page opens
// them with the vault, so erasing either member makes the thread unreadable. The projection keeps
// the few facts of each post it needs (title, kind, category) in a table of its own.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE timebank_answer_posts (
      post_id uuid PRIMARY KEY,
      network_id uuid NOT NULL,
      kind text NOT NULL,
      owner_id uuid NOT NULL,
      title text NOT NULL,
      category text NOT NULL,
      status text NOT NULL
    )`.execute(db);
  await sql`
    CREATE TABLE timebank_answers (
      answer_id uuid PRIMARY KEY,
      post_id uuid NOT NULL,
      network_id uuid NOT NULL,
      answerer_id uuid NOT NULL,
      answerer_network_id uuid NOT NULL,
      owner_id uuid NOT NULL,
      status text NOT NULL,
      answered_at text NOT NULL,
      last_message_at text NOT NULL,
      messages integer NOT NULL,
      position bigint NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX timebank_answers_by_owner ON timebank_answers (owner_id, position)`.execute(db);
  await sql`CREATE INDEX timebank_answers_by_answerer ON timebank_answers (answerer_id, position)`.execute(db);
  await sql`CREATE INDEX timebank_answers_by_post ON timebank_answers (post_id)`.execute(db);
  await sql`
    CREATE TABLE timebank_answer_messages (
      message_id uuid PRIMARY KEY,
      answer_id uuid NOT NULL,
      from_id uuid NOT NULL,
      message text NOT NULL,
      sent_at text NOT NULL,
      position bigint NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX timebank_answer_messages_by_answer ON timebank_answer_messages (answer_id, position)`.execute(db);
  await sql`
    CREATE TABLE timebank_arrangements (
      arrangement_id uuid PRIMARY KEY,
      post_id uuid NOT NULL,
      network_id uuid NOT NULL,
      answer_id uuid,
      provider_id uuid NOT NULL,
      provider_network_id uuid NOT NULL,
      receiver_id uuid NOT NULL,
      receiver_network_id uuid NOT NULL,
      category text NOT NULL,
      brokered boolean NOT NULL,
      arranged_by uuid NOT NULL,
      arranged_at text NOT NULL,
      exchange_id uuid,
      position bigint NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX timebank_arrangements_by_provider ON timebank_arrangements (provider_id, position)`.execute(db);
  await sql`CREATE INDEX timebank_arrangements_by_receiver ON timebank_arrangements (receiver_id, position)`.execute(db);
  await sql`
    CREATE TABLE timebank_post_figures (
      network_id uuid NOT NULL,
      month text NOT NULL,
      category text NOT NULL,
      offers integer NOT NULL,
      requests integer NOT NULL,
      answers integer NOT NULL,
      arrangements integer NOT NULL,
      exchanges integer NOT NULL,
      PRIMARY KEY (network_id, month, category)
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['timebank_post_figures', 'timebank_arrangements', 'timebank_answer_messages', 'timebank_answers', 'timebank_answer_posts']) {
    await sql`DROP TABLE ${sql.table(table)}`.execute(db);
  }
}
