import pino, { type Logger } from 'pino';

// Request bodies are never logged; headers that carry credentials are cut out of request logs.
export const redactPaths = ['req.headers.authorization', 'req.headers.cookie', 'req.headers["idempotency-key"]', 'res.headers["set-cookie"]'];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { service: 'hearth' }, redact: { paths: redactPaths, censor: '[redacted]' } }, destination);
}
