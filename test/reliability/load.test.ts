// Load, the short variant CI runs: 32 concurrent clients, a thousand calls of mixed
// sizes. Zero errors; latency percentiles printed (not asserted: CI machines vary); no sustained
// memory growth. `npm run soak` runs the full 10,000 calls (scripts/soak.ts).
import { describe, expect, it } from '@jest/globals';
import { runFunction } from '../../src/function.js';
import { formatReport, leakVerdict, runLoad } from '../helpers/reliability-load.js';

describe('load', () => {
  it('serves 1,000 mixed calls from 32 clients with no error and no memory growth trend', async () => {
    const report = await runLoad({
      calls: 1_000,
      clients: 32,
      mix: { small: 14, medium: 5, large: 1 },
      samples: 30,
      warmup: 0.3,
      deadlineMs: 30_000,
    });
    console.log(`load (CI variant)\n${formatReport(report)}`);
    expect(report.errors).toEqual([]);
    expect(report.samples.length).toBeGreaterThanOrEqual(30);
    expect(leakVerdict(report)).toBeUndefined();
    // Generous: CI machines are shared, and the numbers are reported, not asserted.
  }, 300_000);

  it('the memory check catches a server that keeps 100 KiB per call', async () => {
    const kept: number[][] = [];
    const report = await runLoad({
      calls: 600,
      clients: 32,
      mix: { small: 1, medium: 0, large: 0 },
      samples: 30,
      warmup: 0.3,
      deadlineMs: 30_000,
      handler: (req) => {
        // 12,800 doubles: 100 KiB on the heap per call, never released.
        kept.push(Array.from({ length: 12_800 }, (_, i) => i + 0.5));
        return runFunction(req);
      },
    });
    expect(report.errors).toEqual([]);
    expect(leakVerdict(report)).toMatch(/grows/);
  }, 60_000);
});
