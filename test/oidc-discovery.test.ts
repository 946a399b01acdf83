import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './support/factories.js';
import { buildTestApp, type TestApp } from './support/test-app.js';

/**
 * An external issuer configured without jwksUri: its keys are found through
 * its OIDC metadata, which must name the same issuer.
 */
describe('OIDC discovery of an external issuer’s keys', () => {
  let server: Server;
  let base: string;
  let privateKey: CryptoKey;
  let metadataIssuer: (issuer: string) => string = (issuer) => issuer;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    server = createServer((request, response) => {
      const issuer = `${base}/realm`;
      if (request.url === '/realm/.well-known/openid-configuration') {
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ issuer: metadataIssuer(issuer), jwks_uri: `${base}/realm/certs` }));
      } else if (request.url === '/realm/certs') {
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ keys: [jwk] }));
      } else {
        response.statusCode = 404;
        response.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const t of apps) await t.close();
    await new Promise((resolve) => server.close(resolve));
  });

  const appFor = async () => {
    const t = await buildTestApp({ AUTH_ISSUERS: JSON.stringify([{ issuer: `${base}/realm`, audience: 'pos-api' }]) });
    apps.push(t);
    return t;
  };
  const token = () =>
    new SignJWT({ email: 'kc@example.com', name: 'Keycloak User' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(`${base}/realm`)
      .setAudience('pos-api')
      .setSubject(`user-${Date.now()}-${Math.random()}`)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);

  it('finds the keys through the metadata and accepts the issuer’s tokens', async () => {
    metadataIssuer = (issuer) => issuer;
    const t = await appFor();
    const created = await call(t.app, { method: 'POST', url: '/tenants', token: await token(), body: { name: 'Discovered' } });
    expect(created.status).toBe(201);
  });

  it('refuses tokens when the metadata names another issuer', async () => {
    metadataIssuer = () => 'https://impostor.example/realm';
    const t = await appFor();
    const refused = await call(t.app, { method: 'POST', url: '/tenants', token: await token(), body: { name: 'Impostor' } });
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('invalid_token');
  });
});
