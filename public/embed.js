/*
 * Quire embed.js: puts a live Quire editor into any page. No framework, no build step.
 *
 *   <div id="notes"></div>
 *   <script src="https://quire.example.com/embed.js"></script>
 *   <script>
 *     Quire.embed('#notes', {
 *       document: 'team-notes',
 *       token: () => fetch('/quire-token', { method: 'POST' }).then((r) => r.text()),
 *       on: { saved: () => console.log('saved') },
 *     });
 *   </script>
 *
 * Or with no script of your own: <div data-quire-document="team-notes" data-quire-token-url="/quire-token"></div>
 * (the token URL gets a POST with {"document": "…"} and answers with the token as text or {"token": "…"}).
 *
 * The token is handed to the editor frame with postMessage, only ever to the Quire origin, and
 * never appears in a URL. Messages are accepted only from the frame this script created, at the
 * Quire origin. The Quire server must allow this site in EMBED_ORIGINS. Full guide: docs/embedding.md
 */
(() => {
  const PROTOCOL = 1;
  const EVENTS = ['ready', 'change', 'saved', 'presence', 'status', 'error'];
  const script = document.currentScript;
  // The Quire origin is where this script was loaded from, unless an embed says otherwise.
  const scriptOrigin = script?.src ? new URL(script.src, window.location.href).origin : null;

  /**
   * Shows the document `options.document` in `target` (an element or a selector) and returns a
   * handle: { on, off, setReadOnly, setTheme, getContent, destroy, iframe }.
   *
   * options.token     a token string, or a function returning one (or a promise of one): called
   *                   when the editor starts, whenever it reconnects and shortly before each token
   *                   expires, so tokens can be short-lived (a string cannot be renewed)
   * options.readOnly  show without letting the user type (default false)
   * options.toolbar   show the toolbar and save status (default true)
   * options.height    CSS height ('480px', the default), a number of pixels, or 'auto' (fits the content)
   * options.theme     'light' (default) or 'dark'
   * options.on        { ready, change, saved, presence, status, error } handlers
   * options.origin    the Quire server's origin (default: where embed.js came from)
   * options.loadTimeout  milliseconds to wait for the editor to load before an error (default 15000)
   */
  function embed(target, options) {
    const container = typeof target === 'string' ? document.querySelector(target) : target;
    if (!container) throw new Error(`Quire.embed: no element matches ${String(target)}`);
    if (!options || typeof options.document !== 'string' || options.document === '') {
      throw new Error('Quire.embed: options.document (the document name) is required');
    }
    if (typeof options.token !== 'string' && typeof options.token !== 'function') {
      throw new Error('Quire.embed: options.token must be a token or a function that returns one');
    }
    const originSource = options.origin || scriptOrigin;
    if (!originSource) throw new Error('Quire.embed: set options.origin to the Quire server, like https://quire.example.com');
    const origin = new URL(originSource).origin;

    const listeners = new Map(EVENTS.map((name) => [name, new Set()]));
    const pending = new Map();
    let nextId = 1;
    let loaded = false;
    let destroyed = false;

    const query = new URLSearchParams();
    if (options.theme === 'dark') query.set('theme', 'dark');
    if (options.toolbar === false) query.set('toolbar', '0');
    if (options.readOnly) query.set('readonly', '1');
    if (options.height === 'auto') query.set('height', 'auto');
    const search = query.toString();

    const iframe = document.createElement('iframe');
    iframe.src = `${origin}/embed/${encodeURIComponent(options.document)}${search ? `?${search}` : ''}`;
    iframe.title = options.title || `Document ${options.document}`;
    iframe.allow = 'clipboard-read; clipboard-write';
    iframe.referrerPolicy = 'origin';
    iframe.style.display = 'block';
    iframe.style.width = '100%';
    iframe.style.border = '0';
    iframe.style.colorScheme = options.theme === 'dark' ? 'dark' : 'light';
    iframe.style.height = typeof options.height === 'number' ? `${options.height}px` : options.height === 'auto' ? '160px' : options.height || '480px';

    // A frame the browser refuses to show (this site is not in EMBED_ORIGINS) never says hello.
    const loadTimer = setTimeout(() => {
      if (!loaded && !destroyed) {
        emit('error', {
          code: 'load-failed',
          message: `the editor did not load from ${origin}; check that the Quire server lists ${window.location.origin} in EMBED_ORIGINS`,
        });
      }
    }, options.loadTimeout || 15000);

    function emit(name, detail) {
      for (const handler of listeners.get(name)) {
        try {
          handler(detail);
        } catch (error) {
          // A failing handler must not stop the others; report it without swallowing it.
          setTimeout(() => {
            throw error;
          });
        }
      }
      container.dispatchEvent(new CustomEvent(`quire:${name}`, { detail }));
    }

    function post(message) {
      if (!destroyed && iframe.contentWindow) iframe.contentWindow.postMessage(message, origin);
    }

    async function currentToken() {
      const value = typeof options.token === 'function' ? await options.token() : options.token;
      if (typeof value !== 'string' || value === '') throw new Error('the token function gave no token');
      return value;
    }

    async function handOverToken(message) {
      try {
        post({ ...message, token: await currentToken() });
      } catch (error) {
        const text = error?.message ? error.message : String(error);
        if (message.type === 'quire:token') post({ type: 'quire:token', id: message.id, error: text });
        emit('error', { code: 'token', message: `no token for the editor: ${text}` });
      }
    }

    function onMessage(event) {
      // Only our own frame, and only while it shows the Quire origin.
      if (event.source !== iframe.contentWindow || event.origin !== origin) return;
      const data = event.data;
      if (!data || typeof data.type !== 'string' || !data.type.startsWith('quire:')) return;
      switch (data.type) {
        case 'quire:hello':
          loaded = true;
          clearTimeout(loadTimer);
          if (data.protocol !== PROTOCOL) console.warn(`Quire embed: the server speaks protocol ${data.protocol}, this embed.js ${PROTOCOL}; reload embed.js`);
          void handOverToken({ type: 'quire:init', readOnly: Boolean(options.readOnly), theme: options.theme === 'dark' ? 'dark' : 'light' });
          break;
        case 'quire:token-request':
          void handOverToken({ type: 'quire:token', id: data.id });
          break;
        case 'quire:event':
          if (listeners.has(data.event)) emit(data.event, data.detail);
          break;
        case 'quire:resize':
          if (options.height === 'auto' && typeof data.height === 'number' && data.height > 0) iframe.style.height = `${Math.ceil(data.height)}px`;
          break;
        case 'quire:content': {
          const request = pending.get(data.id);
          if (!request) break;
          pending.delete(data.id);
          if (typeof data.content === 'string') request.resolve(data.content);
          else request.reject(new Error(data.error || 'no content'));
          break;
        }
      }
    }

    window.addEventListener('message', onMessage);

    const handle = {
      iframe,
      /** Adds a handler for 'ready', 'change', 'saved', 'presence', 'status' or 'error'. */
      on(name, handler) {
        if (!listeners.has(name)) throw new Error(`Quire: unknown event "${name}"; the events are ${EVENTS.join(', ')}`);
        listeners.get(name).add(handler);
        return handle;
      },
      off(name, handler) {
        listeners.get(name)?.delete(handler);
        return handle;
      },
      /** Lets the user type, or not (a viewer token stays read-only either way). */
      setReadOnly(readOnly) {
        options.readOnly = Boolean(readOnly);
        post({ type: 'quire:options', readOnly: options.readOnly });
      },
      setTheme(theme) {
        options.theme = theme === 'dark' ? 'dark' : 'light';
        iframe.style.colorScheme = options.theme;
        post({ type: 'quire:options', theme: options.theme });
      },
      /** The document as 'html', 'json' or 'text', as the editor has it now. */
      getContent(format = 'html') {
        return new Promise((resolve, reject) => {
          const id = nextId++;
          pending.set(id, { resolve, reject });
          post({ type: 'quire:get-content', id, format });
          setTimeout(() => {
            if (pending.delete(id)) reject(new Error('the editor did not answer'));
          }, 10000);
        });
      },
      /** Removes the editor from the page. */
      destroy() {
        destroyed = true;
        clearTimeout(loadTimer);
        window.removeEventListener('message', onMessage);
        for (const request of pending.values()) request.reject(new Error('the editor was removed'));
        pending.clear();
        iframe.remove();
      },
    };
    for (const [name, handler] of Object.entries(options.on || {})) handle.on(name, handler);
    container.appendChild(iframe);
    return handle;
  }

  /** Embeds every element with data-quire-document (and data-quire-token-url) not embedded yet. */
  function mount(root) {
    for (const element of (root || document).querySelectorAll('[data-quire-document]')) {
      if (element.quire) continue;
      const data = element.dataset;
      const tokenUrl = data.quireTokenUrl;
      if (!tokenUrl) {
        console.error('Quire embed: data-quire-token-url is missing on', element);
        continue;
      }
      element.quire = embed(element, {
        document: data.quireDocument,
        token: async () => {
          const response = await fetch(tokenUrl, {
            method: 'POST',
            credentials: 'same-origin',
            headers: { 'content-type': 'application/json', accept: 'application/json, text/plain' },
            body: JSON.stringify({ document: data.quireDocument }),
          });
          if (!response.ok) throw new Error(`${tokenUrl} answered ${response.status}`);
          const type = response.headers.get('content-type') || '';
          return type.includes('json') ? (await response.json()).token : (await response.text()).trim();
        },
        readOnly: data.quireReadonly === 'true',
        toolbar: data.quireToolbar !== 'false',
        height: data.quireHeight || undefined,
        theme: data.quireTheme,
      });
    }
  }

  window.Quire = { embed, mount, protocol: PROTOCOL };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => mount());
  else mount();
})();
