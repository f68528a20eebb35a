import * as client from 'openid-client';
import { HttpError } from '../http/Router';
import type { Logger } from '../logger';

export interface OidcLoginOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
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

/** A sign-in under way: what checks the provider's answer, and where to go after. */
interface Pending {
  nonce: string;
  verifier: string;
  returnTo: string;
  expiresAt: number;
}

/** How long someone has to finish signing in at the provider, in ms. */
const PENDING_MS = 10 * 60 * 1000;
/** The most sign-ins under way at once: each costs a little memory until it finishes or expires. */
const MAX_PENDING = 10_000;

/**
 * Signing in through the organisation's OpenID provider (`openid-client`): the authorization code
 * flow with PKCE, a random `state` bound to the browser (its cookie must match the answer's) and
 * used once, and a `nonce` the ID token must carry. The library validates the ID token: issuer,
 * audience, signature, expiry. Sign-ins under way are kept in this process, so the answer must
 * reach the node that sent the person to the provider.
 */
export class OidcLogin {
  private configuration: Promise<client.Configuration> | null = null;
  private readonly pending = new Map<string, Pending>();
  private readonly now: () => number;

  constructor(private readonly options: OidcLoginOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The provider's address to send the browser to, and the `state` to bind to the browser. */
  async begin(returnTo: string): Promise<{ url: URL; state: string }> {
    const configuration = await this.discovered();
    const now = this.now();
    for (const [state, entry] of this.pending) if (entry.expiresAt <= now) this.pending.delete(state);
    if (this.pending.size >= MAX_PENDING) throw new HttpError(503, 'too many sign-ins are under way; try again in a few minutes');
    const state = client.randomState();
    const nonce = client.randomNonce();
    const verifier = client.randomPKCECodeVerifier();
    this.pending.set(state, { nonce, verifier, returnTo, expiresAt: now + PENDING_MS });
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: this.options.redirectUri,
      scope: 'openid profile email',
      state,
      nonce,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    return { url, state };
  }

  /**
   * Checks the provider's answer (`callback`, the full callback URL) against the sign-in this
   * browser started (`browserState`, from its cookie) and returns who signed in and where they
   * were going. Refuses with 400 an answer this browser did not ask for, or one already used; 401
   * one the provider refused or whose tokens do not validate.
   */
  async finish(callback: URL, browserState: string | null): Promise<SignedIn & { returnTo: string }> {
    const state = callback.searchParams.get('state');
    if (!state || !browserState || state !== browserState) {
      throw new HttpError(
        400,
        'this sign-in answer does not belong to a sign-in started in this browser (state does not match); sign in again',
        'state-mismatch',
      );
    }
    const pending = this.pending.get(state);
    this.pending.delete(state);
    if (!pending || pending.expiresAt <= this.now()) {
      throw new HttpError(400, 'this sign-in was already finished or took too long; sign in again', 'state-used');
    }
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
