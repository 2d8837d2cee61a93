import { describe, expect, it } from '@jest/globals';
import { Ledger } from '../../src/deployment/scheduler/ledger.js';
import { cluster, pool } from './fixtures.js';

const fleet = [cluster('a', [pool('p', 8), pool('q', 2)]), cluster('b', [pool('p', 4)])];

describe('Ledger', () => {
  it('starts at published capacity; negative or missing nodes read as 0', () => {
    const ledger = new Ledger([cluster('c', [pool('neg', -3), { name: 'none', devices: [] }, pool('ok', 5)])]);
    expect(ledger.free('c', 'neg')).toBe(0);
    expect(ledger.free('c', 'none')).toBe(0);
    expect(ledger.free('c', 'ok')).toBe(5);
  });

  it('subtracts charges per (cluster, pool) and gives them back on release', () => {
    const ledger = new Ledger(fleet);
    ledger.charge({ cluster: 'a', pool: 'p', nodes: 3 });
    ledger.charge({ cluster: 'a', pool: 'p', nodes: 2 });
    ledger.charge({ cluster: 'b', pool: 'p', nodes: 1 });
    expect(ledger.free('a', 'p')).toBe(3);
    expect(ledger.free('a', 'q')).toBe(2);
    expect(ledger.free('b', 'p')).toBe(3);
    ledger.release({ cluster: 'a', pool: 'p', nodes: 2 });
    expect(ledger.free('a', 'p')).toBe(5);
  });

  it('applies charges and releases made before a cluster is first read', () => {
    const ledger = new Ledger(fleet);
    ledger.charge({ cluster: 'a', pool: 'p', nodes: 3 });
    ledger.release({ cluster: 'a', pool: 'p', nodes: 1 });
    ledger.charge({ cluster: 'a', pool: 'q', nodes: 0 });
    ledger.charge({ cluster: 'a', pool: 'q', nodes: 1 });
    expect(ledger.trial('a').free).toEqual([6, 1]);
    expect(ledger.free('a', 'p')).toBe(6);
  });

  it('goes negative when charges exceed capacity (an overcommit is visible, not hidden)', () => {
    const ledger = new Ledger(fleet);
    ledger.charge({ cluster: 'a', pool: 'q', nodes: 5 });
    expect(ledger.free('a', 'q')).toBe(-3);
  });

  it('ignores charges to an unknown cluster or pool', () => {
    const ledger = new Ledger(fleet);
    ledger.charge({ cluster: 'gone', pool: 'p', nodes: 3 });
    ledger.charge({ cluster: 'a', pool: 'gone', nodes: 3 });
    expect(ledger.trial('a').free).toEqual([8, 2]);
    expect(ledger.free('gone', 'p')).toBe(0);
  });

  it('hands out a trial copy of one cluster that does not touch the ledger', () => {
    const ledger = new Ledger(fleet);
    ledger.charge({ cluster: 'a', pool: 'q', nodes: 1 });
    const trial = ledger.trial('a');
    expect(trial.free).toEqual([8, 1]);
    trial.free[0] = 0;
    expect(ledger.free('a', 'p')).toBe(8);
    expect(ledger.trial('gone').free).toEqual([]);
  });
});
