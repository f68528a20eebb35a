import type { Config } from '../collab-server/config';
import { startTestIssuer, type TestIssuer } from './oidcIssuer';
import { freePort } from './postgres';
import { startTestServer, type TestServer } from './testServer';

/** A collab server in workspace mode, signing people in through a real test OpenID provider. */
export interface WorkspaceServer {
  server: TestServer;
  issuer: TestIssuer;
  /** PUBLIC_URL: the server's own origin. */
  url: string;
  stop(): Promise<void>;
}

/** Starts a test OpenID provider and a collab server configured for it (PUBLIC_URL on a free loopback port). */
export async function startWorkspaceServer(config: Partial<Config> = {}): Promise<WorkspaceServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const issuer = await startTestIssuer({ redirectUri: `${url}/api/auth/callback` });
  const server = await startTestServer({
    port,
    config: { publicUrl: url, oidcIssuer: issuer.url, oidcClientId: issuer.clientId, oidcClientSecret: issuer.clientSecret, ...config },
  });
  return {
    server,
    issuer,
    url,
    stop: async () => {
      await server.stop({ removeData: true });
      await issuer.stop();
    },
  };
}
