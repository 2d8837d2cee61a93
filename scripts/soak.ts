// The full load run (`npm run soak`): 32 concurrent clients make 10,000 calls of mixed sizes
// against the real function server on a loopback port. Prints throughput, latency percentiles and
// memory after forced collections; exits 1 on any failed call or a sustained memory growth trend.
//
//   npm run soak -- [--calls N] [--clients N]
import { parseArgs } from 'node:util';
import { formatReport, leakVerdict, runLoad } from '../test/helpers/reliability-load.js';

const { values } = parseArgs({
  options: { calls: { type: 'string', default: '10000' }, clients: { type: 'string', default: '32' } },
});
const calls = Number(values.calls);
const clients = Number(values.clients);
if (!Number.isSafeInteger(calls) || calls < 100 || !Number.isSafeInteger(clients) || clients < 1) {
  process.stderr.write('usage: soak [--calls N (at least 100)] [--clients N]\n');
  process.exit(2);
}

const report = await runLoad(
  { calls, clients, mix: { small: 12, medium: 7, large: 1 }, samples: 100, warmup: 0.25, deadlineMs: 60_000 },
  (line) => process.stderr.write(`${line}\n`),
);
process.stdout.write(`${formatReport(report)}\n`);
for (const error of report.errors.slice(0, 10)) process.stdout.write(`error: ${error}\n`);
const leak = leakVerdict(report);
if (leak) process.stdout.write(`memory: ${leak}\n`);
process.exit(report.errors.length > 0 || leak ? 1 : 0);
