import { hkdfSync } from 'node:crypto';
import { EncryptJWT, jwtDecrypt } from 'jose';
import * as client from 'openid-client';
import { HttpError } from '../http/Router';
import type { Logger } from '../logger';

export interface OidcLoginOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The server's secret: the key sealing sign-ins under way is derived from it. */
  authSecret: string;
  /** PUBLIC_URL/api/auth/callback: registered at the provider, and the only address it redirects to. */
  redirectUri: string;
  logger: Logger;
  now?: () => number;
}

/** What the identity provider vouched for, from a validated ID token (and its userinfo endpoint). */
export interface SignedIn {
  subject: string;
  name: string;
  email: string | null;
  avatarUrl: string | null;
}

/** How long someone has to finish signing in at the provider, in seconds (the sealed cookie's lifetime). */
export const PENDING_SECONDS = 10 * 60;

/** What a sign-in under way needs to check the provider's answer, sealed into the browser's login cookie. */
interface Pending {
  state: string;
  nonce: string;
  verifier: string;
  returnTo: string;
}

const PENDING_AUDIENCE = 'quire-sign-in';

/**
 * Signing in through the organisation's OpenID provider (`openid-client`): the authorization code
 * flow with PKCE, a random `state` bound to the browser, and a `nonce` the ID token must carry.
 * The library validates the ID token: issuer, audience, signature, expiry.
 *
 * A sign-in under way (its state, nonce, PKCE verifier and where to go after) is kept in the
 * browser that started it, sealed: an encrypted JWT (`dir` + A256GCM, a key derived from
 * AUTH_SECRET) with a ten-minute expiry. No node keeps anything, so the provider's answer may reach
 * any node of a cluster, and nobody can fill a server's memory by starting sign-ins. The browser
 * cannot read or alter what it holds (the verifier and nonce stay secret, and a changed cookie
 * does not decrypt); the cookie is cleared when the answer arrives, and the provider accepts an
 * authorization code only once, so a replayed answer signs nobody in.
 */
export class OidcLogin {
  private configuration: Promise<client.Configuration> | null = null;
  private readonly key: Uint8Array;
  private readonly now: () => number;

  constructor(private readonly options: OidcLoginOptions) {
    this.now = options.now ?? Date.now;
    // Its own key: a sealed sign-in can never pass for a collab token, an identity cookie or the other way round.
    this.key = new Uint8Array(hkdfSync('sha256', Buffer.from(options.authSecret, 'utf8'), Buffer.alloc(0), 'quire sign-in under way', 32));
  }

  /** The provider's address to send the browser to, and the sealed sign-in to bind to the browser (its login cookie). */
  async begin(returnTo: string): Promise<{ url: URL; sealed: string }> {
    const configuration = await this.discovered();
    const pending: Pending = { state: client.randomState(), nonce: client.randomNonce(), verifier: client.randomPKCECodeVerifier(), returnTo };
    const issuedAt = Math.floor(this.now() / 1000);
    const sealed = await new EncryptJWT({ ...pending })
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .setAudience(PENDING_AUDIENCE)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + PENDING_SECONDS)
      .encrypt(this.key);
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: this.options.redirectUri,
      scope: 'openid profile email',
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: 'S256',
    });
    return { url, sealed };
  }

  /**
   * Checks the provider's answer (`callback`, the full callback URL) against the sign-in this
   * browser started (`sealed`, from its login cookie) and returns who signed in and where they
   * were going. Refuses with 400 an answer this browser did not ask for (`state-mismatch`) or one
   * whose sign-in expired (`state-used`); 401 one the provider refused (a code used already among
   * them) or whose tokens do not validate.
   */
  async finish(callback: URL, sealed: string | null): Promise<SignedIn & { returnTo: string }> {
    const state = callback.searchParams.get('state');
    const pending = sealed ? await this.unseal(sealed) : null;
    if (!state || !pending || pending.state !== state) {
      throw new HttpError(
        400,
        'this sign-in answer does not belong to a sign-in started in this browser (state does not match); sign in again',
        'state-mismatch',
      );
    }
    if (pending.expired) throw new HttpError(400, 'this sign-in took too long or was already finished; sign in again', 'state-used');
    const configuration = await this.discovered();
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(configuration, callback, {
        pkceCodeVerifier: pending.verifier,
        expectedState: state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      const reason = refusalOf(error);
      this.options.logger.info({ reason }, 'sign-in refused: the identity provider refused it or its tokens did not validate');
      throw new HttpError(401, `the sign-in was refused: ${reason}`, 'sign-in-refused');
    }
    const claims = tokens.claims() as client.IDToken;
    // Providers put profile claims in the ID token or only behind the userinfo endpoint.
    const info = { ...claims, ...(await client.fetchUserInfo(configuration, tokens.access_token, claims.sub)) };
    const text = (value: unknown, max: number) => (typeof value === 'string' && value.trim() ? value.trim().slice(0, max) : null);
    const email = text(info.email, 320);
    return {
      subject: claims.sub,
      name: text(info.name, 200) ?? text(info.preferred_username, 200) ?? email ?? claims.sub,
      email,
      avatarUrl: /^https:\/\//.test(String(info.picture)) ? text(info.picture, 2000) : null,
      returnTo: pending.returnTo,
    };
  }

  /** The sign-in sealed in `value`, and whether it expired; null for anything this server did not seal. */
  private async unseal(value: string): Promise<(Pending & { expired: boolean }) | null> {
    if (value.length > 4096) return null;
    let payload: Record<string, unknown>;
    try {
      // Expiry is checked below, so an expired sign-in is told apart from a forged one.
      ({ payload } = await jwtDecrypt(value, this.key, {
        audience: PENDING_AUDIENCE,
        keyManagementAlgorithms: ['dir'],
        contentEncryptionAlgorithms: ['A256GCM'],
        currentDate: new Date(0),
        requiredClaims: ['exp'],
      }));
    } catch {
      return null;
    }
    const { state, nonce, verifier, returnTo, exp } = payload;
    if (typeof state !== 'string' || typeof nonce !== 'string' || typeof verifier !== 'string' || typeof returnTo !== 'string') return null;
    return { state, nonce, verifier, returnTo, expired: (exp as number) * 1000 <= this.now() };
  }

  /** The provider's metadata, fetched once (again after a failure). */
  private discovered(): Promise<client.Configuration> {
    this.configuration ??= this.discover().catch((error) => {
      this.configuration = null;
      this.options.logger.error({ err: error, issuer: this.options.issuer }, 'the OpenID provider could not be reached');
      throw new HttpError(503, 'the identity provider could not be reached; try again shortly');
    });
    return this.configuration;
  }

  private discover(): Promise<client.Configuration> {
    const issuer = new URL(this.options.issuer);
    // Plain HTTP only to a provider on this machine (tests, development); anything else needs HTTPS.
    const local = issuer.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname);
    // The ID token's signature is checked against the provider's published keys too, not only
    // trusted because it came over the back channel: a token the provider did not sign is refused.
    const execute = local ? [client.allowInsecureRequests, client.enableNonRepudiationChecks] : [client.enableNonRepudiationChecks];
    return client.discovery(issuer, this.options.clientId, this.options.clientSecret, undefined, { execute });
  }
}

/** Why the provider's answer was refused, fit to show: the library's message, naming the claim it found wrong. */
function refusalOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // openid-client wraps the underlying error; the claim found wrong is named deeper in the chain.
  for (let cause: unknown = error; cause instanceof Error || (cause && typeof cause === 'object'); cause = (cause as Error).cause) {
    const claim = (cause as { claim?: unknown }).claim;
    if (typeof claim === 'string') return `${error.message} (the ID token's "${claim}" claim)`;
  }
  return error.message;
}
