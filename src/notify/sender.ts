// Delivers the outbox by email. Each row is claimed by one statement that either makes its
// delivery row or moves it from pending (or from a claim that ran out) to sending, so two senders
// never hold one notification at once; then it is sent, and marked sent. A sender that dies
// between the SMTP server's acceptance and the mark leaves the claim to run out, after which the
// notification is sent again: that window (one UPDATE long) is the only way a notification goes
// twice, and the second copy carries the same Message-ID, which mail systems use to drop it.
// Email addresses are opened from the person's sealed details only here, just before sending,
// and are never logged or stored.
import { createTransport, type Transporter } from 'nodemailer';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Deps } from '../access/caller.ts';
import { detailsOf } from '../access/app.ts';
import { resetCode } from '../access/reset.ts';
import { readStates } from '../commands/decide.ts';
import { ukTime } from '../web/words.ts';
import { choiceDecider, choicesStream, kindsOn, type NotificationKind } from './choices.ts';
import { mailFor } from './mail.ts';
import { alwaysSent, type OutboxKind } from '../../projections/notifications.ts';
import { wayInCode, wayInHolds } from '../access/app.ts';
import { STALE_HOURS } from './outbox.ts';

/** How long a claim holds a notification: longer than any SMTP conversation. */
const CLAIM_SECONDS = 120;
/** After this many failures a notification is given up, and stays failed. */
const MAX_ATTEMPTS = 8;
const BATCH = 20;

export type MailSettings = Pick<Config, 'SMTP_HOST' | 'SMTP_PORT' | 'SMTP_SECURE' | 'SMTP_USER' | 'SMTP_PASSWORD' | 'MAIL_FROM' | 'PUBLIC_URL' | 'MAIL_RETRY_SECONDS'>;

interface Claimed {
  notification_id: string;
  attempts: number;
}

type Outcome = { state: 'sent' } | { state: 'skipped'; why: string };

/** A notification's Message-ID: the same on every attempt, so a second copy is known for one. */
export const messageId = (notificationId: string, publicUrl: string) => `<${notificationId}@${new URL(publicUrl).hostname || 'hearth'}>`;

export class NotificationSender {
  readonly #transport: Transporter;
  #stop = new AbortController();
  #loop: Promise<void> | null = null;

  constructor(
    private readonly deps: Deps,
    private readonly settings: MailSettings & { SMTP_HOST: string },
    private readonly log: Logger,
    private readonly pollMs = 1000,
  ) {
    this.#transport = createTransport({
      host: settings.SMTP_HOST,
      port: settings.SMTP_PORT,
      secure: settings.SMTP_SECURE,
      ...(settings.SMTP_USER ? { auth: { user: settings.SMTP_USER, pass: settings.SMTP_PASSWORD ?? '' } } : {}),
      connectionTimeout: 30_000,
      socketTimeout: 60_000,
    });
  }

  start(): void {
    this.#stop = new AbortController();
    this.#loop = this.#run(this.#stop.signal);
  }

  /** Finishes the notification in hand, then stops. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
    this.#loop = null;
    this.#transport.close();
  }

  async #run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let sent = 0;
      try {
        sent = await this.sendDue(signal);
      } catch (err) {
        this.log.error({ err: { type: (err as Error).name, code: (err as { code?: string }).code } }, 'notifications: could not read the outbox');
      }
      if (sent === 0) await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.pollMs);
        signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
    }
  }

  /** Claims what is due and sends it; returns how many it dealt with. */
  async sendDue(signal?: AbortSignal): Promise<number> {
    const claimed = await this.#claim();
    for (const c of claimed) {
      if (signal?.aborted) {
        // Handed back at once rather than left for the claim to run out.
        await this.deps.database.db.updateTable('notification_deliveries').set({ state: 'pending', claimed_until: null, attempts: sql`attempts - 1` }).where('notification_id', '=', c.notification_id).execute();
        continue;
      }
      await this.#deliver(c);
    }
    return claimed.length;
  }

  async #claim(): Promise<Claimed[]> {
    const now = this.deps.clock.now();
    const until = new Date(now.getTime() + CLAIM_SECONDS * 1000);
    const stale = new Date(now.getTime() - STALE_HOURS * 3600_000);
    const { rows } = await sql<Claimed>`
      INSERT INTO notification_deliveries AS d (notification_id, state, attempts, next_attempt_at, claimed_until)
      SELECT o.notification_id, 'sending', 1, ${now}, ${until}
        FROM notification_outbox o
        LEFT JOIN notification_deliveries x ON x.notification_id = o.notification_id
       WHERE o.due_at <= ${now} AND o.due_at > ${stale}
         AND (x.notification_id IS NULL OR (x.state = 'pending' AND x.next_attempt_at <= ${now}) OR (x.state = 'sending' AND x.claimed_until <= ${now}))
       ORDER BY o.due_at, o.position
       LIMIT ${BATCH}
      ON CONFLICT (notification_id) DO UPDATE SET state = 'sending', attempts = d.attempts + 1, claimed_until = excluded.claimed_until
       WHERE (d.state = 'pending' AND d.next_attempt_at <= ${now}) OR (d.state = 'sending' AND d.claimed_until <= ${now})
      RETURNING d.notification_id, d.attempts`.execute(this.deps.database.db);
    return rows;
  }

  async #deliver({ notification_id: id, attempts }: Claimed): Promise<void> {
    const db = this.deps.database.db;
    try {
      const outcome = await this.#send(id);
      const now = this.deps.clock.now();
      await db
        .updateTable('notification_deliveries')
        .set(outcome.state === 'sent' ? { state: 'sent', sent_at: now, claimed_until: null, last_error: null } : { state: 'skipped', claimed_until: null, last_error: outcome.why })
        .where('notification_id', '=', id)
        .execute();
      this.log.info({ notification: id, outcome: outcome.state, ...(outcome.state === 'skipped' ? { why: outcome.why } : {}) }, 'notification');
    } catch (err) {
      // The SMTP reply's code only: its text may quote the address.
      const e = err as { code?: string; responseCode?: number; name?: string };
      const why = [e.code, e.responseCode].filter((x) => x !== undefined).join(' ') || e.name || 'error';
      const giveUp = attempts >= MAX_ATTEMPTS || (e.responseCode !== undefined && e.responseCode >= 500 && e.responseCode < 600);
      const next = new Date(this.deps.clock.now().getTime() + this.settings.MAIL_RETRY_SECONDS * 1000 * 2 ** (attempts - 1));
      await db
        .updateTable('notification_deliveries')
        .set({ state: giveUp ? 'failed' : 'pending', next_attempt_at: next, claimed_until: null, last_error: why.slice(0, 200) })
        .where('notification_id', '=', id)
        .execute();
      this.log.warn({ notification: id, attempts, error: why, retryAt: giveUp ? null : next.toISOString() }, giveUp ? 'notification failed; giving up' : 'notification failed; will try again');
    }
  }

  async #send(id: string): Promise<Outcome> {
    const db = this.deps.database.db;
    const row = await db.selectFrom('notification_outbox').selectAll().where('notification_id', '=', id).executeTakeFirst();
    if (!row) return { state: 'skipped', why: 'gone from the outbox' };
    const now = this.deps.clock.now();
    if (row.expires_at && new Date(row.expires_at) <= now) return { state: 'skipped', why: 'expired' };
    const kind = row.kind as OutboxKind;
    if (!alwaysSent.includes(kind)) {
      const { choices } = await readStates(this.deps.store, { choices: [choicesStream(row.recipient_id), choiceDecider] });
      if (!kindsOn(choices).includes(kind as NotificationKind)) return { state: 'skipped', why: 'not chosen' };
    }
    const facts = await this.#facts(row.kind as OutboxKind, row.network_id, row.subject_id, row.recipient_id);
    if ('skip' in facts) return { state: 'skipped', why: facts.skip };
    // Opened last, and only in memory: an erased person has no key, so no address.
    const { details } = await detailsOf(this.deps, row.recipient_id);
    if (!details?.email) return { state: 'skipped', why: 'no email address' };
    const mail = mailFor({ kind, ...facts }, this.settings.PUBLIC_URL);
    await this.#transport.sendMail({
      from: this.settings.MAIL_FROM,
      to: details.email,
      subject: mail.subject,
      text: mail.text,
      messageId: messageId(id, this.settings.PUBLIC_URL),
      headers: { 'Auto-Submitted': 'auto-generated' },
    });
    return { state: 'sent' };
  }

  /** What the mail says and links to; or why it is no longer worth sending. */
  async #facts(kind: OutboxKind, networkId: string | null, subjectId: string, recipientId: string): Promise<{ networkName: string; link: string; closes?: string } | { skip: string }> {
    const db = this.deps.database.db;
    const base = this.settings.PUBLIC_URL;
    if (kind === 'password-reset') {
      const code = resetCode(this.deps.secret, subjectId, 'email');
      return { networkName: '', link: `${base}/reset-password?reset=${encodeURIComponent(subjectId)}&code=${encodeURIComponent(code)}` };
    }
    if (kind === 'way-in-invitation') {
      const code = wayInCode(this.deps.secret, subjectId);
      if (!(await wayInHolds(this.deps, code))) return { skip: 'way in taken or replaced' };
      const network = networkId ? await db.selectFrom('networks').select('name').where('network_id', '=', networkId).executeTakeFirst() : undefined;
      return { networkName: network?.name ?? 'your time bank', link: `${base}/claim?code=${encodeURIComponent(code)}` };
    }
    const network = networkId ? await db.selectFrom('networks').select('name').where('network_id', '=', networkId).executeTakeFirst() : undefined;
    const networkName = network?.name ?? 'your network';
    const at = `${base}/networks/${networkId}`;
    switch (kind) {
      case 'exchange-to-confirm': {
        const exchange = await db.selectFrom('timebank_exchanges').select('status').where('exchange_id', '=', subjectId).executeTakeFirst();
        if (exchange && exchange.status !== 'logged') return { skip: 'already settled' };
        return { networkName, link: `${at}/time/exchanges/${subjectId}` };
      }
      case 'payment-to-approve': {
        const payment = await db.selectFrom('pool_payments').select(['pool_id', 'status']).where('payment_id', '=', subjectId).executeTakeFirst();
        // The pools' read table may not have reached the payment yet: tried again later, not dropped.
        if (!payment) throw Object.assign(new Error('the payment is not in the read tables yet'), { code: 'not-projected-yet' });
        if (payment.status !== 'submitted') return { skip: 'already decided' };
        return { networkName, link: `${at}/pools/${payment.pool_id}/payments/${subjectId}` };
      }
      case 'ballot-opened':
      case 'ballot-closing': {
        const proposal = await db.selectFrom('coop_proposals').select(['status', 'closes_at']).where('proposal_id', '=', subjectId).executeTakeFirst();
        if (proposal && proposal.status !== 'open') return { skip: 'voting is over' };
        if (kind === 'ballot-closing') {
          const voted = await db.selectFrom('coop_ballots').select('voter_id').where('proposal_id', '=', subjectId).where('voter_id', '=', recipientId).executeTakeFirst();
          if (voted) return { skip: 'already voted' };
        }
        return { networkName, link: `${at}/coop/proposals/${subjectId}/vote`, ...(proposal ? { closes: `at ${ukTime(proposal.closes_at)}` } : {}) };
      }
      case 'voucher-used':
        return { networkName, link: `${at}/vouchers/${subjectId}` };
    }
  }
}

/** The sender, when the configuration names an SMTP server; none otherwise. */
export function notificationSender(deps: Deps, config: MailSettings, log: Logger): NotificationSender | null {
  if (!config.SMTP_HOST) return null;
  return new NotificationSender(deps, { ...config, SMTP_HOST: config.SMTP_HOST }, log.child({ component: 'notifications' }));
}
