// Configuration comes from the environment, parsed once at start. A bad value stops the process
// with a message naming the variable.
import { z } from 'zod';

const flag = z.enum(['on', 'off', 'true', 'false', '1', '0']).transform((v) => v === 'on' || v === 'true' || v === '1');
const whole = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const schema = z.object({
  PORT: whole(0, 65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  /** PostgreSQL for events and read tables; without it Hearth runs embedded PGlite under DATA_DIR. */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  /** EventStoreDB/KurrentDB for events; read tables stay in PostgreSQL (or PGlite). */
  // A cluster is named by several hosts (esdb://a:2113,b:2113,c:2113?tls=false), which is no URL
  // the WHATWG parser accepts: the scheme is checked here and the client reads the rest.
  EVENTSTOREDB_URL: z
    .string()
    .regex(/^(esdb|kurrentdb|kdb)(\+discover)?:\/\/[^\s/?#,]+(,[^\s/?#,]+)*\/?(\?\S*)?$/, 'must be esdb://host:port[,host:port…][?options]')
    .optional(),
  /**
   * How the PostgreSQL event store commits: `several-streams` (one transaction for every stream a
   * command writes or holds), or `one-stream`, EventStoreDB's way, where an append to several
   * streams is refused: to find what would not run with the events in EventStoreDB.
   */
  EVENT_STORE_COMMITS: z.enum(['several-streams', 'one-stream']).default('several-streams'),
  DATA_DIR: z.string().min(1).default('./data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Run the projections inside this process. */
  PROJECTIONS: flag.default(true),
  PROJECTION_BATCH_SIZE: whole(1, 100_000).default(500),
  PROJECTION_POLL_MS: whole(10, 60_000).default(250),
  /** After a batch at the head of the log, how long a follower lets more appends come before reading again. */
  PROJECTION_LINGER_MS: whole(0, 1000).default(25),
  PROJECTION_LEASE_MS: whole(1000, 600_000).default(6000),
  /** Largest request body accepted, in bytes. */
  BODY_LIMIT: whole(1024, 10 * 1024 * 1024).default(64 * 1024),
  /**
   * 32 bytes, base64: wraps every person's data key. Without it Hearth keeps one in
   * DATA_DIR/secret.key, created on first start; losing it makes personal data unreadable.
   */
  HEARTH_SECRET: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes in base64 (openssl rand -base64 32)')
    .optional(),
  /** Behind a reverse proxy that sets X-Forwarded-*: trust it for the client address and https. */
  TRUST_PROXY: flag.default(false),
  SESSION_HOURS: whole(1, 24 * 90).default(12),
  /** How long a read may wait for projections to reach a position the client asks for. */
  READ_WAIT_MS: whole(0, 60_000).default(10_000),
  /**
   * The scrypt cost of new password hashes, as log2 N. Each hash keeps its own parameters, so it
   * can be raised at any time; the tests run at 10 so that hundreds of sign-ups stay quick.
   */
  PASSWORD_COST: whole(10, 20).default(15),
  /** The SMTP server notifications are sent through; without it Hearth sends no email. */
  SMTP_HOST: z.string().min(1).max(253).optional(),
  SMTP_PORT: whole(1, 65535).default(587),
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  SMTP_SECURE: flag.default(false),
  SMTP_USER: z.string().min(1).max(254).optional(),
  SMTP_PASSWORD: z.string().min(1).max(1000).optional(),
  MAIL_FROM: z.string().min(3).max(254).default('Hearth <hearth@localhost>'),
  /** Where people reach these pages: links in emails start with it. */
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, '')).default('http://127.0.0.1:3000'),
  /** The first wait before sending a notification again after a failure; it doubles each time. */
  MAIL_RETRY_SECONDS: whole(1, 86_400).default(60),
  /** What operators send as a bearer token to read /metrics; without it /metrics is open to whoever reaches it. */
  METRICS_TOKEN: z.string().regex(/^[\x21-\x7e]{16,256}$/, 'must be 16 to 256 visible ASCII characters (openssl rand -hex 32)').optional(),
});

/** The password cost alone, for the hashing module, which is loaded before any config is read. */
export function passwordCost(env: NodeJS.ProcessEnv = process.env): number {
  return schema.shape.PASSWORD_COST.parse(env.PASSWORD_COST || undefined);
}

/** Whether a connection string names EventStoreDB as EVENTSTOREDB_URL may, or PostgreSQL as DATABASE_URL may: for a store named on the command line. */
export const isEventStoreDbUrl = (value: string): boolean => schema.shape.EVENTSTOREDB_URL.safeParse(value).success;
export const isDatabaseUrl = (value: string): boolean => schema.shape.DATABASE_URL.safeParse(value).success;

export type Config = z.infer<typeof schema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Hearth cannot start; fix these environment variables:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Empty strings count as unset, as most shells and compose files leave them. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([k, v]) => k in schema.shape && v !== undefined && v !== ''));
  const result = schema.safeParse(present);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  return result.data;
}
