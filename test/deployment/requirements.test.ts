import { describe, expect, it } from '@jest/globals';
import { deploymentRequirements, resolvedInputs } from '../../src/deployment/requirements.js';
import { cluster } from './fixtures.js';

describe('deploymentRequirements', () => {
  it('asks for every InferenceCluster and every ModelReplica in every namespace', () => {
    expect(deploymentRequirements()).toEqual({
      clusters: { apiVersion: 'modelplane.ai/v1alpha1', kind: 'InferenceCluster', matchLabels: {} },
      replicas: { apiVersion: 'modelplane.ai/v1alpha1', kind: 'ModelReplica', matchLabels: {} },
    });
    expect('namespace' in deploymentRequirements().replicas!).toBe(false);
  });
});

describe('resolvedInputs', () => {
  it('is unresolved while either key is absent', () => {
    expect(resolvedInputs({})).toBeUndefined();
    expect(resolvedInputs({ clusters: [cluster('a')] })).toBeUndefined();
    expect(resolvedInputs({ replicas: [] })).toBeUndefined();
    expect(resolvedInputs(undefined)).toBeUndefined();
  });

  it('is resolved when both keys are present, even with no items', () => {
    expect(resolvedInputs({ clusters: [], replicas: [] })).toEqual({ clusters: [], replicas: [] });
    const a = cluster('a');
    expect(resolvedInputs({ clusters: [a], replicas: [] })).toEqual({ clusters: [a], replicas: [] });
  });
});
