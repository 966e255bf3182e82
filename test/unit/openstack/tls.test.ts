import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Deadline } from '../../../lib/runtime/deadline';
import { KeystoneUnreachableError, ServiceUnreachableError } from '../../../lib/openstack/errors';
import { ServiceHttp, closeHttpAgents, type TlsOptions } from '../../../lib/openstack/http';

let dir: string;
let server: Server;
let base: string;
let certPath: string;
let otherCertPath: string;

function selfSigned(name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}.key`);
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert,
  ], { stdio: 'ignore', timeout: 30_000 });
  return { cert, key };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tls-'));
  const own = selfSigned('server');
  certPath = own.cert;
  otherCertPath = selfSigned('other').cert;
  server = createServer({ cert: readFileSync(own.cert), key: readFileSync(own.key) }, (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  closeHttpAgents();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

function get(tls: TlsOptions, isKeystone = false): Promise<unknown> {
  const http = new ServiceHttp({ service: isKeystone ? 'Keystone' : 'nova', isKeystone, baseUrl: base, deadline: Deadline.in(10_000), tls, retry: { attempts: 1, baseDelayMs: 1 } });
  return http.get('/', { what: 'a check' }).then((result) => result.data);
}

describe('TLS', () => {
  it('verifies certificates by default and says to check ca_bundle', async () => {
    const error = await get({ insecure: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceUnreachableError);
    expect((error as Error).message).toMatch(/SELF_SIGNED.*check ca_bundle \(or insecure\)$/);
    await expect(get({ insecure: false }, true)).rejects.toBeInstanceOf(KeystoneUnreachableError);
  });

  it('trusts the CA bundle given, and only that one', async () => {
    await expect(get({ insecure: false, caBundle: certPath })).resolves.toEqual({ ok: true });
    await expect(get({ insecure: false, caBundle: otherCertPath })).rejects.toBeInstanceOf(ServiceUnreachableError);
  });

  it('skips verification when insecure', async () => {
    await expect(get({ insecure: true })).resolves.toEqual({ ok: true });
  });
});
