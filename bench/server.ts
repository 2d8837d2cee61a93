// A function server in its own process, so the benchmark's client and the server under test never
// share an event loop. Started by bench/main.ts with an IPC channel:
//   argv[2] = "function" (the product's RunFunction) or "floor" (bench/floor.ts).
// It answers {type: "listening", port} once bound; when asked, {type: "rss", maxRssBytes},
// {type: "cpu", ms} (CPU time used so far, all threads) and {type: "handlerTimes", ms} (the time
// spent in the handler itself per call since the last ask, without protobuf decoding, encoding or
// transport); it drains and exits on {type: "stop"}.
import { createLogger } from '../src/log.js';
import { DEFAULT_MAX_RECV_MESSAGE_SIZE, startFunctionServer, type RunFunctionHandler } from '../src/server.js';

export type ServerKind = 'function' | 'floor';

export type ServerMessage =
  | { type: 'listening'; port: number }
  | { type: 'rss'; maxRssBytes: number }
  | { type: 'cpu'; ms: number }
  | { type: 'handlerTimes'; ms: number[] }
  | { type: 'error'; message: string };
export type ControlMessage = { type: 'rss' } | { type: 'cpu' } | { type: 'handlerTimes' } | { type: 'stop' };

async function loadHandler(kind: ServerKind): Promise<RunFunctionHandler> {
  // Imported on demand so the floor process carries no composition code at all.
  if (kind === 'floor') return (await import('./floor.js')).floorFunction;
  return (await import('../src/function.js')).runFunction;
}

function send(message: ServerMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const kind = process.argv[2];
  if (kind !== 'function' && kind !== 'floor') throw new Error(`usage: server.ts function|floor (got ${String(kind)})`);
  const handler = await loadHandler(kind);
  const handlerMs: number[] = [];
  const timed: RunFunctionHandler = (req) => {
    const started = process.hrtime.bigint();
    const rsp = handler(req);
    handlerMs.push(Number(process.hrtime.bigint() - started) / 1e6);
    return rsp;
  };
  // The same server, limits and logger as src/main.ts; info level, so no per-call log lines.
  const server = await startFunctionServer(
    timed,
    { address: '127.0.0.1:0', insecure: true, maxRecvMessageSize: DEFAULT_MAX_RECV_MESSAGE_SIZE },
    createLogger(false),
  );
  process.on('message', (message: ControlMessage) => {
    if (message.type === 'rss') send({ type: 'rss', maxRssBytes: process.resourceUsage().maxRSS * 1024 });
    if (message.type === 'cpu') {
      const { user, system } = process.cpuUsage();
      send({ type: 'cpu', ms: (user + system) / 1000 });
    }
    if (message.type === 'handlerTimes') send({ type: 'handlerTimes', ms: handlerMs.splice(0) });
    if (message.type === 'stop') void server.drain(5_000).then(() => process.exit(0));
  });
  // If the benchmark dies, do not linger.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'listening', port: server.port });
}

main().catch((error: unknown) => {
  send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
});
