// The outbox as the sender sees it: what is due and not yet dealt with.
import { sql } from 'kysely';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/database.ts';

/** Notifications due longer ago than this are not sent at all: starting on an old log sends no backlog. */
export const STALE_HOURS = 48;

/**
 * Notifications a sender would claim now or after a failure: due, not too old to send, and neither
 * sent, skipped nor given up. What the metrics report as the outbox's backlog.
 */
export async function outboxBacklog(deps: { database: Database; clock: Clock }): Promise<number> {
  const now = deps.clock.now();
  const stale = new Date(now.getTime() - STALE_HOURS * 3600_000);
  const { rows } = await sql<{ n: string | number }>`
    SELECT count(*) AS n
      FROM notification_outbox o
      LEFT JOIN notification_deliveries d ON d.notification_id = o.notification_id
     WHERE o.due_at <= ${now} AND o.due_at > ${stale}
       AND (d.notification_id IS NULL OR d.state IN ('pending', 'sending'))`.execute(deps.database.db);
  return Number(rows[0]?.n ?? 0);
}
