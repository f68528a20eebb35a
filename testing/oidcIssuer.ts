import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider from 'oidc-provider';

/** A real OpenID provider (`oidc-provider`) on a loopback port, with its own login and consent pages. */
export interface TestIssuer {
  /** The issuer identifier (http://127.0.0.1:port). */
  url: string;
  clientId: string;
  clientSecret: string;
  /** The provider's private signing key (tests sign tokens it would never issue, to see them refused). */
  signingKey: JWK;
  /** Replaces what the token endpoint answers from now on (null: as the provider made it). */
  tamperTokenResponse(tamper: ((body: Record<string, unknown>) => Promise<Record<string, unknown>>) | null): void;
  stop(): Promise<void>;
}

/** The e-mail address a test person signing in as `login` has (`<login>@example.test`). */
export function emailOf(login: string): string {
  return `${login.toLowerCase()}@example.test`;
}

/** The display name of a test person signing in as `login` ("Ada Tester" for "ada"). */
export function nameOf(login: string): string {
  return `${login.charAt(0).toUpperCase()}${login.slice(1)} Tester`;
}

/**
 * Starts an OpenID provider for one client whose only redirect URI is `redirectUri`. Anyone may
 * sign in on its development login page with any login and password: the login becomes the
 * subject, `emailOf(login)` the e-mail and `nameOf(login)` the name. Authorization code with PKCE only.
 */
export async function startTestIssuer({ redirectUri, clientId = 'quire' }: { redirectUri: string; clientId?: string }): Promise<TestIssuer> {
  let handle: (request: IncomingMessage, response: ServerResponse) => void = (_request, response) => response.writeHead(503).end();
  const server: Server = createServer((request, response) => handle(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const clientSecret = 'test-client-secret-long-enough-0123456789';
  const provider = new Provider(url, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: ['test-issuer-cookie-key-0123456789abcdef'] },
    pkce: { required: () => true },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'picture'] },
    findAccount: (_context: unknown, sub: string) => ({
      accountId: sub,
      claims: async () => ({ sub, email: emailOf(sub), email_verified: true, name: nameOf(sub) }),
    }),
    features: { devInteractions: { enabled: true } },
  });
  let tamper: ((body: Record<string, unknown>) => Promise<Record<string, unknown>>) | null = null;
  provider.use(async (context, next) => {
    await next();
    if (tamper && context.path === '/token' && context.status === 200 && context.body && typeof context.body === 'object') {
      context.body = await tamper(context.body as Record<string, unknown>);
    }
  });
  handle = provider.callback();
  return {
    url,
    clientId,
    clientSecret,
    signingKey,
    tamperTokenResponse: (next) => {
      tamper = next;
    },
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
