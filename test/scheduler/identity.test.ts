import { describe, expect, it } from '@jest/globals';
import { Identities, distinctObjects } from '../../src/deployment/scheduler/identity.js';
import { DEPLOYMENT, composedName, composedReplica, existingReplica, pinnedSpec } from './fixtures.js';

const spec = pinnedSpec('a', 'p');

describe('Identities', () => {
  it('keys a slot by the key an object of its name was observed under, else replica-<cluster>-<index>', () => {
    const renamedKey = { ...composedReplica(['a', 0], 'a', 0, spec), key: 'replica-old' };
    const identities = new Identities(DEPLOYMENT.name, [renamedKey]);
    expect(identities.slot('a', 0)).toEqual({ name: composedName('a', 0), key: 'replica-old' });
    expect(identities.slot('a', 1)).toEqual({ name: composedName('a', 1), key: 'replica-a-1' });
  });

  it('keys a replica kept as observed by its observed key, else by the index it is given', () => {
    const keyed = composedReplica(['a', 0], 'b', undefined, spec);
    const keyless = existingReplica('r', 'b', undefined, spec);
    const identities = new Identities(DEPLOYMENT.name, [keyed, keyless]);
    expect(identities.observed(keyed, 3)).toEqual({ name: keyed.name, key: 'replica-a-0' });
    expect(identities.observed(keyless, 3)).toEqual({ name: 'r', key: 'replica-b-3' });
    expect(identities.observed(keyless, undefined)).toEqual({ name: 'r', key: undefined });
  });

  it('finds the object a slot is composed as by its name, else by its key, whatever its labels say', () => {
    const moved = composedReplica(['a', 0], 'b', 7, spec);
    const underKey = { ...existingReplica('hand-made', 'c', undefined, spec), key: 'replica-a-1' };
    const identities = new Identities(DEPLOYMENT.name, [moved, underKey]);
    expect(identities.objectAt('a', 0)).toBe(moved);
    expect(identities.objectAt('a', 1)).toBe(underKey);
    expect(identities.objectAt('b', 7)).toBeUndefined();
  });

  it('counts what is taken: a name taken twice stays taken until given back twice', () => {
    const identities = new Identities(DEPLOYMENT.name, []);
    const slot = identities.slot('a', 0);
    identities.take([slot, slot]);
    identities.give([slot]);
    expect(identities.isFree(slot)).toBe(false);
    expect(identities.isFree({ name: 'other', key: slot.key })).toBe(false);
    expect(identities.isFree({ name: slot.name, key: undefined })).toBe(false);
    identities.give([slot]);
    expect(identities.isFree(slot)).toBe(true);
  });
});

describe('distinctObjects', () => {
  it('keeps the first of the entries sharing a name or a key, whatever the input order', () => {
    const original = composedReplica(['a', 0], 'a', 0, spec);
    const sameName = { ...original, key: 'replica-a-0-again' };
    const sameKey = { ...existingReplica('zz', 'a', 1, spec), key: original.key };
    const other = composedReplica(['a', 1], 'a', 1, spec);
    const expected = [original, other].sort((x, y) => (x.name < y.name ? -1 : 1));
    expect(distinctObjects([sameKey, sameName, other, original])).toEqual(expected);
    expect(distinctObjects([original, other, sameName, sameKey])).toEqual(expected);
  });
});
