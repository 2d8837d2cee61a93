// The benchmark's child processes: in-process workers (bench/worker.ts) and function servers
// (bench/server.ts). The benchmark runs compiled (`npm run bench` builds it into .bench-build/ with
// the product's sources, apis/ and examples/ beside it), so every child is plain node running
// JavaScript, as the function runs in production: no loader in the process to inflate its memory.
// Every child is tracked so the benchmark can end them all if it has to stop early.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { connectFunction, type FunctionClient } from '../src/render/client.js';
import { connectLean, connectRaw, type RawFunctionClient } from './raw-client.js';
import type { ControlMessage, ServerKind, ServerMessage } from './server.js';
import type { WorkerReport } from './worker.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** The heap ceiling the image sets (Dockerfile, NODE_OPTIONS): every child runs as the function is deployed. */
export const IMAGE_NODE_OPTIONS = '--max-old-space-size=256';

const children = new Set<ChildProcess>();

function forkChild(script: string, args: string[], quiet: boolean, nodeFlags: string[] = []): ChildProcess {
  const child = fork(fileURLToPath(new URL(script, import.meta.url)), args, {
    cwd: ROOT,
    execArgv: nodeFlags,
    env: { ...process.env, NODE_OPTIONS: IMAGE_NODE_OPTIONS },
    stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Kill every child still running (the benchmark is stopping on an error or its time limit). */
export function killChildren(): void {
  for (const child of children) child.kill('SIGKILL');
}

/** Run one worker task to completion and return its report (an error report if it died). */
export async function runWorker(args: string[]): Promise<WorkerReport> {
  // --expose-gc only so the worker can settle its heap before reading the fixture's RSS.
  const child = forkChild('./worker.js', args, false, ['--expose-gc']);
  const exited = once(child, 'exit').then(([code]): [WorkerReport] => [
    { task: String(args[0]), setupMs: 0, fixtureRssBytes: 0, cases: [], maxRssBytes: 0, error: `worker exited with ${String(code)}` },
  ]);
  const [report] = (await Promise.race([once(child, 'message'), exited])) as [WorkerReport];
  await exited;
  return report;
}

export interface ServerHandle {
  kind: ServerKind;
  /** The project's client (full protobuf both ways), for checking what a case returns. */
  client: FunctionClient;
  /** Pre-encoded requests, raw responses: for timing. */
  raw: RawFunctionClient;
  /** The same through the lean HTTP/2 client, for throughput. */
  lean: RawFunctionClient;
  maxRssBytes(): Promise<number>;
  /** CPU time the server process has used so far (user + system, all threads), in ms. */
  cpuMs(): Promise<number>;
  /** Time spent in the handler per call since the last ask (ms), measured inside the server. */
  handlerTimes(): Promise<number[]>;
  stop(): Promise<void>;
}

export async function startServer(kind: ServerKind): Promise<ServerHandle> {
  const child = forkChild('./server.js', [kind], true);
  const [first] = (await once(child, 'message')) as [ServerMessage];
  if (first.type !== 'listening') throw new Error(`${kind} server did not start: ${first.type === 'error' ? first.message : first.type}`);
  const target = `127.0.0.1:${first.port}`;
  const client = connectFunction(target);
  const raw = connectRaw(target);
  const lean = connectLean(target);
  const control = (message: ControlMessage): void => {
    child.send(message);
  };
  return {
    kind,
    client,
    raw,
    lean,
    async maxRssBytes() {
      const reply = once(child, 'message');
      control({ type: 'rss' });
      const [message] = (await reply) as [ServerMessage];
      return message.type === 'rss' ? message.maxRssBytes : Number.NaN;
    },
    async cpuMs() {
      const reply = once(child, 'message');
      control({ type: 'cpu' });
      const [message] = (await reply) as [ServerMessage];
      return message.type === 'cpu' ? message.ms : Number.NaN;
    },
    async handlerTimes() {
      const reply = once(child, 'message');
      control({ type: 'handlerTimes' });
      const [message] = (await reply) as [ServerMessage];
      return message.type === 'handlerTimes' ? message.ms : [];
    },
    async stop() {
      client.close();
      raw.close();
      lean.close();
      const exited = once(child, 'exit');
      control({ type: 'stop' });
      await exited;
    },
  };
}
