import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './support/factories.js';
import { buildTestApp, type TestApp } from './support/test-app.js';

const UID_PATTERN = '^[A-Za-z0-9-_]+$';

/**
 * The documented `User` section (api.md §1) plus POST /tenants, with the kind of
 * token each takes (null: none) and the error statuses the contract names for it.
 */
const DOCUMENTED = [
  { method: 'get', path: '/account', security: 'accessToken', success: '200', errors: ['401'] },
  { method: 'post', path: '/account', security: 'deviceToken', success: '200', errors: ['400', '401', '403', '429'] },
  { method: 'put', path: '/account', security: 'accessToken', success: '200', errors: ['400', '401', '422'] },
  { method: 'get', path: '/tenants/{tenantUid}/account', security: 'accessToken', success: '200', errors: ['401', '403'] },
  { method: 'post', path: '/tenants/{tenantUid}/account', security: 'authToken', success: '200', errors: ['401', '403'] },
  { method: 'put', path: '/tenants/{tenantUid}/account', security: 'accessToken', success: '200', errors: ['400', '401', '403', '422'] },
  { method: 'get', path: '/account/invite', security: null, success: '200', errors: ['404', '410'] },
  { method: 'put', path: '/account/invite', security: 'authToken', success: '200', errors: ['400', '401', '403', '409', '410'] },
  { method: 'post', path: '/tenants', security: 'authToken', success: '201', errors: ['400', '401', '409'] },
] as const;

describe('OpenAPI document (GET /openapi.json)', () => {
  let t: TestApp;
  let doc: any;

  beforeAll(async () => {
    t = await buildTestApp();
    const response = await call(t.app, { method: 'GET', url: '/openapi.json' });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    doc = response.body;
  });
  afterAll(() => t.close());

  /** Follows a local `$ref` (`#/components/schemas/X`) once. */
  function deref(schema: any): any {
    if (schema && typeof schema.$ref === 'string') {
      const parts = schema.$ref.replace(/^#\//, '').split('/');
      let target = doc;
      for (const part of parts) target = target?.[part];
      expect(target, `unresolvable $ref ${schema.$ref}`).toBeDefined();
      return deref(target);
    }
    return schema;
  }

  function operation(method: string, path: string): any {
    const op = doc.paths?.[path]?.[method];
    expect(op, `${method.toUpperCase()} ${path} is not in the document`).toBeDefined();
    return op;
  }

  function requestSchema(method: string, path: string): any {
    const schema = operation(method, path).requestBody?.content?.['application/json']?.schema;
    expect(schema, `${method.toUpperCase()} ${path} documents no JSON request body`).toBeDefined();
    return deref(schema);
  }

  it('is an OpenAPI 3.1 document', () => {
    expect(typeof doc.openapi).toBe('string');
    expect(doc.openapi.startsWith('3.1')).toBe(true);
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
  });

  it.each(DOCUMENTED)('lists $method $path with its exact OpenAPI path and method', ({ method, path }) => {
    expect(Object.keys(doc.paths)).toContain(path);
    expect(Object.keys(doc.paths[path])).toContain(method);
  });

  it('uses OpenAPI path templates, never Fastify-style :params', () => {
    for (const path of Object.keys(doc.paths)) expect(path).not.toMatch(/\/:/);
  });

  it.each(DOCUMENTED.filter((d) => d.path.includes('{tenantUid}')))(
    'documents the tenantUid path parameter of $method $path as a required identifier',
    ({ method, path }) => {
      const parameter = (operation(method, path).parameters ?? []).find((p: any) => p.in === 'path' && p.name === 'tenantUid');
      expect(parameter).toBeDefined();
      expect(parameter.required).toBe(true);
      expect(parameter.schema).toMatchObject({ type: 'string', pattern: UID_PATTERN });
    },
  );

  it('documents the POST /account body: userCode and password, both required, nothing else', () => {
    const schema = requestSchema('post', '/account');
    expect(schema.type).toBe('object');
    expect(Object.keys(schema.properties).sort()).toEqual(['password', 'userCode']);
    expect([...schema.required].sort()).toEqual(['password', 'userCode']);
    expect(schema.properties.userCode.type).toBe('string');
    expect(schema.properties.password.type).toBe('string');
    expect(schema.additionalProperties).toBe(false);
  });

  it('documents the PUT /account body: defaultTenantUid required, with the identifier pattern', () => {
    const schema = requestSchema('put', '/account');
    expect(schema.required).toEqual(['defaultTenantUid']);
    expect(schema.properties.defaultTenantUid).toMatchObject({ type: 'string', pattern: UID_PATTERN });
    expect(schema.additionalProperties).toBe(false);
  });

  it('documents the PUT /tenants/{tenantUid}/account body: exactly the eight optional fields, strict', () => {
    const schema = requestSchema('put', '/tenants/{tenantUid}/account');
    expect(Object.keys(schema.properties).sort()).toEqual(
      ['defaultStoreUid', 'displayName', 'email', 'firstname', 'languageCode', 'lastname', 'mobile', 'password'].sort(),
    );
    expect(schema.required ?? []).toEqual([]);
    expect(schema.additionalProperties).toBe(false);
    // "" clears the default store: the pattern admits the empty string.
    expect(schema.properties.defaultStoreUid.pattern).toBe('^[A-Za-z0-9-_]*$');
  });

  it('documents the PUT /account/invite body: inviteToken required', () => {
    const schema = requestSchema('put', '/account/invite');
    expect(schema.required).toEqual(['inviteToken']);
    expect(schema.properties.inviteToken.type).toBe('string');
    expect(schema.additionalProperties).toBe(false);
  });

  it('documents the POST /tenants body: name required, uid optional with the identifier pattern', () => {
    const schema = requestSchema('post', '/tenants');
    expect(schema.required).toEqual(['name']);
    expect(schema.properties.uid).toMatchObject({ type: 'string', pattern: UID_PATTERN });
    expect(schema.additionalProperties).toBe(false);
  });

  it('documents that the calls without a body take none', () => {
    for (const [method, path] of [
      ['get', '/account'],
      ['get', '/tenants/{tenantUid}/account'],
      ['post', '/tenants/{tenantUid}/account'],
      ['get', '/account/invite'],
    ]) {
      expect(operation(method, path).requestBody, `${method} ${path}`).toBeUndefined();
    }
  });

  it('documents the x-invite-token header parameter of GET /account/invite as required', () => {
    const parameters = operation('get', '/account/invite').parameters ?? [];
    const header = parameters.find((p: any) => p.in === 'header' && p.name.toLowerCase() === 'x-invite-token');
    expect(header).toBeDefined();
    expect(header.required).toBe(true);
    expect(header.schema.type).toBe('string');
  });

  it('declares bearer security schemes for access, device and auth tokens', () => {
    const schemes = doc.components?.securitySchemes ?? {};
    for (const name of ['accessToken', 'deviceToken', 'authToken']) {
      expect(schemes[name], name).toMatchObject({ type: 'http', scheme: 'bearer' });
    }
  });

  it.each(DOCUMENTED)('declares the right security for $method $path', ({ method, path, security }) => {
    const op = operation(method, path);
    if (security === null) {
      expect(op.security ?? []).toEqual([]);
      return;
    }
    const schemes = doc.components.securitySchemes;
    const names = (op.security ?? []).flatMap((requirement: Record<string, unknown>) => Object.keys(requirement));
    expect(names).toEqual([security]);
    expect(schemes[security]).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it.each(DOCUMENTED)('documents the success response and the main errors of $method $path', ({ method, path, success, errors }) => {
    const responses = operation(method, path).responses;
    expect(Object.keys(responses)).toContain(success);
    expect(responses[success].content?.['application/json']?.schema).toBeDefined();
    for (const status of errors) expect(Object.keys(responses), `${status} of ${method} ${path}`).toContain(status);
  });

  it.each(DOCUMENTED)('documents every error response of $method $path as application/problem+json', ({ method, path }) => {
    const responses = operation(method, path).responses;
    const errorStatuses = Object.keys(responses).filter((status) => /^[45]/.test(status));
    expect(errorStatuses.length).toBeGreaterThan(0);
    for (const status of errorStatuses) {
      const content = responses[status].content ?? {};
      expect(Object.keys(content), `${status} of ${method} ${path}`).toEqual(['application/problem+json']);
      const schema = deref(content['application/problem+json'].schema);
      expect([...schema.required].sort()).toEqual(expect.arrayContaining(['code', 'detail', 'status', 'title', 'type']));
      expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['type', 'title', 'status', 'detail', 'code']));
    }
  });

  it('documents 503 on every call that waits for the bounded password hasher, and not on reads', () => {
    const hashing: [string, string][] = [
      ['post', '/account'],
      ['put', '/tenants/{tenantUid}/account'],
      ['post', '/tenants/{tenantUid}/users'],
      ['put', '/tenants/{tenantUid}/users/{memberUid}'],
      ['post', '/tenants/{tenantUid}/device-codes'],
      ['post', '/devices/pair'],
    ];
    for (const [method, path] of hashing) {
      expect(Object.keys(operation(method, path).responses), `${method} ${path}`).toContain('503');
    }
    expect(Object.keys(operation('get', '/account').responses)).not.toContain('503');
  });

  it('lists the stable error codes in the Problem schema', () => {
    const problem = deref(
      operation('get', '/account').responses['401'].content['application/problem+json'].schema,
    );
    const codes = problem.properties.code.enum;
    for (const code of ['validation_failed', 'invalid_token', 'invalid_credentials', 'tenant_mismatch', 'not_a_member', 'not_found', 'payload_too_large', 'unknown_store', 'unknown_tenant', 'too_many_attempts']) {
      expect(codes).toContain(code);
    }
  });
});

describe('API reference page (GET /docs)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.close());

  /** GETs a URL, following up to five redirects; returns the final response and URL. */
  async function fetchFollowing(url: string) {
    let current = new URL(url, 'http://accounts.test');
    for (let hop = 0; hop < 5; hop++) {
      const response = await t.app.inject({ method: 'GET', url: current.pathname + current.search });
      if (response.statusCode >= 300 && response.statusCode < 400 && response.headers.location) {
        current = new URL(String(response.headers.location), current);
        continue;
      }
      return { response, url: current };
    }
    throw new Error(`too many redirects from ${url}`);
  }

  it('serves an HTML page that loads the OpenAPI document', async () => {
    const { response: page, url: pageUrl } = await fetchFollowing('/docs');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toMatch(/<html/i);

    // The page's scripts; one of them names the document the page loads.
    const scripts = [...page.body.matchAll(/<script[^>]*\bsrc="([^"]+)"/g)].map((m) => new URL(m[1], pageUrl));
    expect(scripts.length).toBeGreaterThan(0);
    let documentUrl: URL | undefined;
    for (const script of scripts) {
      const { response } = await fetchFollowing(script.pathname);
      expect(response.statusCode, script.pathname).toBe(200);
      const match = /\burl:\s*(?:resolveUrl\()?["'`]([^"'`]+)["'`]/.exec(response.body);
      if (match) {
        // swagger-ui resolves the url against the page URL with a trailing slash.
        const base = pageUrl.pathname.endsWith('/') ? pageUrl : new URL(pageUrl.pathname + '/', pageUrl);
        documentUrl = new URL(match[1], base);
      }
    }
    expect(documentUrl, 'no script of the page names a document to load').toBeDefined();

    const loaded = await fetchFollowing(documentUrl!.pathname);
    expect(loaded.response.statusCode).toBe(200);
    const published = await call(t.app, { method: 'GET', url: '/openapi.json' });
    const loadedDoc = JSON.parse(loaded.response.body);
    expect(loadedDoc.openapi).toBe(published.body.openapi);
    expect(Object.keys(loadedDoc.paths).sort()).toEqual(Object.keys(published.body.paths).sort());
    expect(loadedDoc.paths['/tenants/{tenantUid}/account']).toEqual(published.body.paths['/tenants/{tenantUid}/account']);
  });
});
