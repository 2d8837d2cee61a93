import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { IMAGE_NODE_OPTIONS } from '../../bench/children.js';
import { heapNeeded, parseCli } from '../../src/options.js';
import { DEFAULT_MAX_RECV_MESSAGE_SIZE } from '../../src/server.js';

describe('command-line flags', () => {
  it('defaults to the Crossplane function conventions', () => {
    expect(parseCli([], {})).toEqual({
      address: '0.0.0.0:9443',
      tlsServerCertsDir: '/tls/server',
      insecure: false,
      maxRecvMessageSize: 64 * 1024 * 1024,
      debug: false,
    });
    expect(DEFAULT_MAX_RECV_MESSAGE_SIZE).toBe(67108864);
  });

  it('reads TLS_SERVER_CERTS_DIR, and the flag wins over it', () => {
    expect(parseCli([], { TLS_SERVER_CERTS_DIR: '/certs' })).toMatchObject({ tlsServerCertsDir: '/certs' });
    expect(parseCli(['--tls-server-certs-dir', '/flag'], { TLS_SERVER_CERTS_DIR: '/certs' })).toMatchObject({ tlsServerCertsDir: '/flag' });
  });

  it('takes every flag', () => {
    expect(parseCli(['--address', '127.0.0.1:1234', '--insecure', '-d', '--max-recv-message-size', '1048576'], {})).toMatchObject({
      address: '127.0.0.1:1234',
      insecure: true,
      debug: true,
      maxRecvMessageSize: 1048576,
    });
    expect(parseCli(['--help'], {})).toBe('help');
  });

  it.each(['0', '-5', '1.5', 'lots', '4294967296'])('rejects --max-recv-message-size %s, naming it', (value) => {
    expect(() => parseCli([`--max-recv-message-size=${value}`], {})).toThrow(`--max-recv-message-size: "${value}"`);
  });

  it('rejects unknown flags', () => {
    expect(() => parseCli(['--bogus'], {})).toThrow(/bogus/);
  });
});

describe('heap ceiling', () => {
  const MIB = 1024 * 1024;
  const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
  const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const imageNodeOptions = /^ENV NODE_OPTIONS=(.*)$/m.exec(finalStage)?.[1];

  it('grows with the largest request accepted', () => {
    expect(heapNeeded(DEFAULT_MAX_RECV_MESSAGE_SIZE)).toBe(256 * MIB);
    expect(heapNeeded(2 * DEFAULT_MAX_RECV_MESSAGE_SIZE)).toBe(448 * MIB);
  });

  it('is set by the image to what the default largest request needs, and the benchmark runs with it', () => {
    const ceiling = Number(/--max-old-space-size=(\d+)/.exec(imageNodeOptions ?? '')?.[1]);
    expect(ceiling * MIB).toBeGreaterThanOrEqual(heapNeeded(DEFAULT_MAX_RECV_MESSAGE_SIZE));
    expect(imageNodeOptions).toBe(IMAGE_NODE_OPTIONS);
  });
});
