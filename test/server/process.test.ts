// The function as a process, as Crossplane's package runtime starts it.
import { describe, expect, it } from '@jest/globals';
import { connectFunction } from '../../src/render/client.js';
import { makeTestPki } from '../helpers/certs.js';
import { functionRequest } from '../helpers/grpc.js';
import { startFunctionProcess } from '../helpers/reliability-harness.js';

const xr = functionRequest({ tag: 'p', xr: { apiVersion: 'example.org/v1', kind: 'Other', metadata: { name: 'x' } } });

describe('the function process', () => {
  it('serves with --insecure, logs JSON, and exits 0 on SIGTERM', async () => {
    const proc = startFunctionProcess(['--insecure', '--address', '127.0.0.1:0']);
    const port = await proc.listening;
    const client = connectFunction(`127.0.0.1:${port}`);
    const rsp = await client.runFunction(xr);
    expect(rsp.results[0]?.message).toBe('unsupported composite kind example.org/v1/Other');
    client.close();
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    const logs = proc.output().stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['function server listening', 'draining in-flight calls', 'stopped']));
    expect(logs[0]).toMatchObject({ severity: 'INFO' });
  });

  it('warns at start-up when the heap is too small for the largest request it accepts', async () => {
    const logLines = async (env: NodeJS.ProcessEnv, args: string[] = []): Promise<{ msg: string; heapNeededMiB?: number }[]> => {
      const proc = startFunctionProcess(['--insecure', '--address', '127.0.0.1:0', ...args], env);
      await proc.listening;
      proc.child.kill('SIGTERM');
      await proc.exited;
      return proc.output().stdout.trim().split('\n').map((l) => JSON.parse(l));
    };
    const tooSmall = (lines: { msg: string }[]) => lines.filter((l) => l.msg.startsWith('the JavaScript heap is too small'));
    // The image's heap holds the default 64 MiB request, but not a 256 MiB one.
    expect(tooSmall(await logLines({ NODE_OPTIONS: '--max-old-space-size=256' }))).toEqual([]);
    const warned = tooSmall(await logLines({ NODE_OPTIONS: '--max-old-space-size=256' }, ['--max-recv-message-size', String(256 * 1024 * 1024)]));
    expect(warned).toEqual([expect.objectContaining({ heapNeededMiB: 832 })]);
  });

  it('serves mTLS from TLS_SERVER_CERTS_DIR', async () => {
    const pki = makeTestPki();
    const proc = startFunctionProcess(['--address', '127.0.0.1:0'], { TLS_SERVER_CERTS_DIR: pki.serverDir });
    await proc.listening;
    proc.child.kill('SIGINT');
    expect(await proc.exited).toBe(0);
  });

  it('fails at start-up with a clear error when the TLS files are missing', async () => {
    const proc = startFunctionProcess(['--address', '127.0.0.1:0', '--tls-server-certs-dir', '/nonexistent/tls']);
    expect(await proc.exited).toBe(1);
    const log = JSON.parse(proc.output().stdout.trim().split('\n').pop()!);
    expect(log).toMatchObject({ severity: 'FATAL', msg: 'cannot start the function server', error: 'cannot read TLS file /nonexistent/tls/tls.key: ENOENT' });
  });

  it('exits 2 on a bad flag', async () => {
    const proc = startFunctionProcess(['--max-recv-message-size', 'huge']);
    expect(await proc.exited).toBe(2);
    expect(proc.output().stderr).toContain('--max-recv-message-size: "huge"');
  });
});
