import { describe, expect, it } from '@jest/globals';
import { BLOCK_SIZE_BOUNDS, BLOCK_SIZE_FLAGS, PORT_BOUNDS, PORT_FLAGS, quoteValue, readIntegerFlag } from '../../src/replica/flags.js';

const port = (source: { command?: string[]; args?: string[] }) => readIntegerFlag(source, PORT_FLAGS, PORT_BOUNDS);

describe('readIntegerFlag', () => {
  it('reads `--flag N` and `--flag=N` from args', () => {
    expect(port({ args: ['--model=x', '--port', '9000'] })).toEqual({ kind: 'value', flag: '--port', value: 9000 });
    expect(port({ args: ['--port=9001'] })).toEqual({ kind: 'value', flag: '--port', value: 9001 });
  });

  it('takes the last occurrence', () => {
    expect(port({ args: ['--port', '9000', '--port=9100'] })).toEqual({ kind: 'value', flag: '--port', value: 9100 });
  });

  it('searches a shell command string, where the final exec wins over `ray start --port`', () => {
    const command = ['sh', '-c', 'ray start --port=6379 && exec vllm serve --port 9000'];
    expect(port({ command })).toEqual({ kind: 'value', flag: '--port', value: 9000 });
  });

  it('strips quotes inside shell strings', () => {
    expect(port({ command: ['/bin/sh', '-c', `exec vllm serve --port "9002" --model 'x'`] })).toEqual({ kind: 'value', flag: '--port', value: 9002 });
    expect(port({ command: ['/bin/sh', '-c', `exec vllm serve --port='9003'`] })).toEqual({ kind: 'value', flag: '--port', value: 9003 });
  });

  it('splits args elements too, for `command: [sh, -c]` with the script in args', () => {
    expect(port({ command: ['sh', '-c'], args: ['exec vllm serve --port 9004'] })).toEqual({ kind: 'value', flag: '--port', value: 9004 });
  });

  it('prefers args over command, and reads command only when args lack the flag', () => {
    expect(port({ command: ['vllm', 'serve', '--port', '7000'], args: ['--port', '7001'] })).toEqual({ kind: 'value', flag: '--port', value: 7001 });
    expect(port({ command: ['vllm', 'serve', '--port', '7000'], args: ['--model', 'x'] })).toEqual({ kind: 'value', flag: '--port', value: 7000 });
  });

  it('is absent when no element carries the flag, and ignores look-alike flags', () => {
    expect(port({})).toEqual({ kind: 'absent' });
    expect(port({ args: ['--port-range=10', '--ports', '9', '--xport=1'] })).toEqual({ kind: 'absent' });
  });

  it('reports unparseable and out-of-range values with the raw text', () => {
    expect(port({ args: ['--port', '$PORT'] })).toEqual({ kind: 'invalid', flag: '--port', raw: '$PORT' });
    expect(port({ args: ['--port'] })).toEqual({ kind: 'invalid', flag: '--port', raw: '' });
    expect(port({ args: ['--port=0'] })).toEqual({ kind: 'invalid', flag: '--port', raw: '0' });
    expect(port({ args: ['--port=70000'] })).toEqual({ kind: 'invalid', flag: '--port', raw: '70000' });
    expect(port({ args: ['--port=-1'] })).toEqual({ kind: 'invalid', flag: '--port', raw: '-1' });
    expect(port({ args: ['--port=80.5'] })).toEqual({ kind: 'invalid', flag: '--port', raw: '80.5' });
  });

  it('treats several flag names as one flag: the last of any of them wins', () => {
    const size = (args: string[]) => readIntegerFlag({ args }, BLOCK_SIZE_FLAGS, BLOCK_SIZE_BOUNDS);
    expect(size(['--block-size', '32'])).toEqual({ kind: 'value', flag: '--block-size', value: 32 });
    expect(size(['--page-size=64'])).toEqual({ kind: 'value', flag: '--page-size', value: 64 });
    expect(size(['--page-size=64', '--block-size=128'])).toEqual({ kind: 'value', flag: '--block-size', value: 128 });
    expect(size(['--block-size=8192'])).toEqual({ kind: 'invalid', flag: '--block-size', raw: '8192' });
  });

  it('reads several flags from one list, each as if it were read alone', () => {
    const args = ['exec vllm serve --port "9005"', '--block-size=16', '--page-size', '32'];
    expect(port({ args })).toEqual({ kind: 'value', flag: '--port', value: 9005 });
    expect(readIntegerFlag({ args }, BLOCK_SIZE_FLAGS, BLOCK_SIZE_BOUNDS)).toEqual({ kind: 'value', flag: '--page-size', value: 32 });
    expect(port({ args })).toEqual({ kind: 'value', flag: '--port', value: 9005 });
    expect(args).toStrictEqual(['exec vllm serve --port "9005"', '--block-size=16', '--page-size', '32']);
  });
});

describe('quoteValue', () => {
  it('quotes and cuts long values', () => {
    expect(quoteValue('abc')).toBe('"abc"');
    expect(quoteValue('x'.repeat(100))).toBe(`"${'x'.repeat(64)}…"`);
  });
});
