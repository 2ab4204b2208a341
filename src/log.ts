import pino, { type Logger } from 'pino';

// Request bodies are never logged; headers that carry credentials are cut out of request logs.
export const redactPaths = ['req.headers.authorization', 'req.headers.cookie', 'req.headers["idempotency-key"]', 'res.headers["set-cookie"]'];

/** A reset link carries its code in the address: the address is logged without it. */
export const withoutSecrets = (url: string) => url.replace(/([?&]code=)[^&#]*/g, '$1[redacted]');

const requestSerializer = (req: { method?: string; url?: string; host?: string; hostname?: string; ip?: string; socket?: { remoteAddress?: string } }) => ({
  method: req.method,
  url: withoutSecrets(req.url ?? ''),
  host: req.host ?? req.hostname,
  remoteAddress: req.ip ?? req.socket?.remoteAddress,
});

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { service: 'hearth' }, redact: { paths: redactPaths, censor: '[redacted]' }, serializers: { req: requestSerializer } }, destination);
}
