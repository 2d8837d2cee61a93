// Structured JSON logs on stdout, with the `severity` key log collectors in Kubernetes expect.
import { pino, type Logger } from 'pino';

export function createLogger(debug: boolean): Logger {
  return pino({
    level: debug ? 'debug' : 'info',
    base: { function: 'function-modelplane' },
    messageKey: 'msg',
    formatters: { level: (label) => ({ severity: label.toUpperCase() }) },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
