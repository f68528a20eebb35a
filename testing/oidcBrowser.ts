/**
 * A browser without a page: `fetch` with a cookie jar that follows redirects by hand and submits
 * the forms an OpenID provider shows (its login page with `login` and a password, then its
 * consent page), as a person clicking through them would. Cookies are kept per host (ports share
 * them, as in browsers); paths and expiry are left to the server's answers.
 */
export class OidcBrowser {
  readonly cookies = new Map<string, string>();
  /** Every `Set-Cookie` header the app sent, newest last. */
  readonly setCookies: string[] = [];

  constructor(private readonly appUrl: string) {}

  /** Sends one request with this browser's cookies and keeps the cookies of the answer (no redirects followed). */
  async request(url: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<Response> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(url, {
      method: init.method ?? 'GET',
      body: init.body,
      redirect: 'manual',
      headers: { ...(cookie ? { cookie } : {}), ...init.headers },
    });
    for (const header of response.headers.getSetCookie()) {
      if (url.startsWith(this.appUrl)) this.setCookies.push(header);
      const [pair, ...attributes] = header.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute))) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  /** A JSON call to the app, from its own pages (with its Origin) unless `origin` says otherwise (null: none). */
  async call(method: string, path: string, body?: unknown, origin: string | null = new URL(this.appUrl).origin) {
    const headers: Record<string, string> = {};
    if (origin !== null) headers.origin = origin;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await this.request(`${this.appUrl}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body), headers });
    return { status: response.status, data: (await response.json().catch(() => ({}))) as Record<string, unknown> };
  }

  /**
   * Starts signing in at the app (or at `startAt`, another node of it) and goes through the
   * provider's pages as `login`, stopping at the provider's answer to the app: returns that
   * callback address, not yet visited.
   */
  async untilCallback(login: string, returnTo = '/', startAt = this.appUrl): Promise<string> {
    let url = `${startAt}/api/auth/login?returnTo=${encodeURIComponent(returnTo)}`;
    let init: { method?: string; body?: string; headers?: Record<string, string> } = {};
    for (let step = 0; step < 20; step++) {
      if (url.startsWith(`${this.appUrl}/api/auth/callback`)) return url;
      const response = await this.request(url, init);
      init = {};
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        url = new URL(location, url).href;
        continue;
      }
      const html = await response.text();
      const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
      if (response.status !== 200 || !action) throw new Error(`signing in stopped at ${url} (${response.status}): ${html.slice(0, 300)}`);
      const fields = new URLSearchParams();
      for (const [, name, value] of html.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) fields.set(name, value);
      if (/name="login"/.test(html)) fields.set('login', login);
      if (/name="password"/.test(html)) fields.set('password', 'any password');
      url = new URL(action.replaceAll('&amp;', '&'), url).href;
      init = { method: 'POST', body: fields.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
    }
    throw new Error('signing in took more than 20 steps');
  }

  /** Signs in as `login` through the provider's pages; returns the app's answer to the callback. */
  async signIn(login: string, headers: Record<string, string> = {}): Promise<Response> {
    const callback = await this.untilCallback(login);
    const response = await this.request(callback, { headers });
    if (response.status !== 303) throw new Error(`the callback answered ${response.status}: ${await response.text()}`);
    return response;
  }
}
