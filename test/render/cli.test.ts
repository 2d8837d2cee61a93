// The render and validate commands as a person runs them: exit codes and one-line errors.
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function cli(...args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/render/main.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '' },
    encoding: 'utf8',
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

const scratch = mkdtempSync(join(tmpdir(), 'modelplane-cli-'));

describe('render command', () => {
  it('renders an example against the example fleet by default', () => {
    const out = cli('render', 'examples/deployments/single-gpu.yaml');
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('kind: ModelReplica');
    expect(out.stderr).toMatch(/ReplicasScheduled\s+False\s+Scheduling\s+1 of 1 replicas scheduled; waiting for 1 to be created/);
    expect(out.stderr).toMatch(/REPLICA\s+CLUSTER\s+ENGINE → POOL\s+NODES\s+READY/);
  });

  it('names a missing XR file in one line and exits 1', () => {
    const out = cli('render', 'examples/deployments/nope.yaml');
    expect(out.code).toBe(1);
    expect(out.stderr).toBe('examples/deployments/nope.yaml: no such file\n');
  });

  it('names a missing fleet path in one line', () => {
    const out = cli('render', 'examples/deployments/single-gpu.yaml', '--fleet', '/nonexistent/fleet');
    expect(out.code).toBe(1);
    expect(out.stderr).toBe('/nonexistent/fleet: no such file or directory\n');
  });

  it('names a malformed YAML file and where it breaks', () => {
    const bad = join(scratch, 'bad.yaml');
    writeFileSync(bad, 'apiVersion: modelplane.ai/v1alpha1\nkind: [ModelDeployment\n');
    const out = cli('render', bad);
    expect(out.code).toBe(1);
    expect(out.stderr.trim().split('\n')).toHaveLength(1);
    expect(out.stderr).toMatch(new RegExp(`^${bad}: malformed YAML \\(line \\d+, column \\d+\\): `));
  });

  it('refuses an observed resource without its composition-resource-name annotation', () => {
    const observed = join(scratch, 'observed.yaml');
    writeFileSync(observed, 'apiVersion: modelplane.ai/v1alpha1\nkind: ModelReplica\nmetadata: {name: r, namespace: ml-team}\n');
    const out = cli('render', 'examples/deployments/single-gpu.yaml', '--observed', observed);
    expect(out.code).toBe(1);
    expect(out.stderr).toBe(`${observed}: observed resource ModelReplica/r has no crossplane.io/composition-resource-name annotation\n`);
  });

  it('explains a shortfall per cluster', () => {
    const big = join(scratch, 'big.yaml');
    writeFileSync(
      big,
      `apiVersion: modelplane.ai/v1alpha1
kind: ModelDeployment
metadata: {name: too-big, namespace: ml-team}
spec:
  replicas: 1
  engines:
  - name: main
    members:
    - nodeSelector:
        devices:
        - name: gpu
          count: 16
      template: {spec: {containers: [{name: engine, image: vllm/vllm-openai:v0.11.0}]}}
`,
    );
    const out = cli('render', big);
    expect(out.code).toBe(0);
    expect(out.stderr).toMatch(/ReplicasScheduled\s+False\s+InsufficientCapacity\s+0 of 1 replicas scheduled; /);
    expect(out.stderr).toContain('Why more replicas could not be placed:');
    expect(out.stderr).toContain('eu-west-2: not Ready');
  });

  it('uses a given function Input', () => {
    const input = join(scratch, 'input.yaml');
    writeFileSync(input, 'apiVersion: fn.modelplane.ai/v1alpha1\nkind: Input\nremoteNamespace: inference\n');
    const out = cli('render', 'examples/deployments/single-gpu.yaml', '--tree', '--function-input', input);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('namespace: inference');
    expect(out.stdout).not.toMatch(/^\s+namespace: default$/m);
  });
});

describe('validate command', () => {
  it('passes the examples', () => {
    const out = cli('validate', 'examples/deployments/single-gpu.yaml', 'examples/fleet/us-east-1.yaml');
    expect(out.stdout).toBe('');
    expect(out.stderr).toBe('2 documents checked, 0 violations\n');
    expect(out.code).toBe(0);
  });

  it('prints each violation with its file and field path, and exits 1', () => {
    const bad = join(scratch, 'invalid.yaml');
    writeFileSync(
      bad,
      `apiVersion: modelplane.ai/v1alpha1
kind: ModelDeployment
metadata: {name: bad, namespace: ml-team}
spec:
  replicas: 300
  engines:
  - name: main
    members:
    - nodeSelector: {devices: [{name: gpu}]}
      template: {spec: {containers: [{name: engine, image: i}]}}
`,
    );
    const out = cli('validate', bad);
    expect(out.code).toBe(1);
    expect(out.stdout).toBe(`${bad}: spec.replicas: Invalid value: 300: must be less than or equal to 256\n`);
  });
});
