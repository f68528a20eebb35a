import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { SECRET_FILE } from '../collab-server/authSecret';
import { mintToken, type Role } from '../shared/token';
import { apiRequest } from '../testing/apiRequest';
import type { App } from './fixtures';

/** A token for `doc` signed with the app's generated secret (in its DATA_DIR), as a backend would mint one. */
export async function appToken(app: App, doc: string, role: Role = 'admin'): Promise<string> {
  const secret = (await readFile(path.join(app.dataDir, SECRET_FILE), 'utf8')).trim();
  return mintToken(secret, { sub: `test-${role}`, name: 'Test', doc, role });
}

/** Creates `name` through the content API with share links; returns the edit link's URL. */
export async function createWithLinks(app: App, body: Record<string, unknown>): Promise<{ name: string; editUrl: string }> {
  const answer = await apiRequest(app.url, 'POST', '/api/docs', { token: await appToken(app, '*'), body: { ...body, links: true } });
  if (answer.status !== 201) throw new Error(`creating the document answered ${answer.status}: ${answer.text}`);
  const links = answer.json.links as { paths: { edit: string } };
  return { name: answer.json.name as string, editUrl: `${app.url}${links.paths.edit}` };
}

/** The document's content through the content API. */
export async function contentOf(app: App, name: string, format = 'text'): Promise<string> {
  const answer = await apiRequest(app.url, 'GET', `/api/docs/${encodeURIComponent(name)}/content?format=${format}`, { token: await appToken(app, name) });
  if (answer.status !== 200) throw new Error(`reading the document answered ${answer.status}: ${answer.text}`);
  return answer.text;
}

/**
 * What the rendered document body would show of an attack on the page: elements positioned over
 * the page (fixed, or covering most of the viewport), links that could reach the opener or
 * another frame, and classes the app's styles could apply.
 */
export function renderedDangers(page: Page): Promise<string[]> {
  return page.locator('.tiptap').evaluate((body) => {
    const found: string[] = [];
    const viewport = window.innerWidth * window.innerHeight;
    for (const element of body.querySelectorAll('*')) {
      const style = getComputedStyle(element);
      if (style.position === 'fixed' || style.position === 'absolute' || style.position === 'sticky') {
        if (!element.closest('.collaboration-carets__caret')) found.push(`${element.tagName} is positioned ${style.position}`);
      }
      const box = element.getBoundingClientRect();
      if (box.width * box.height > viewport * 0.9) found.push(`${element.tagName} covers the page`);
      if (element instanceof HTMLAnchorElement) {
        if (element.rel !== 'noopener noreferrer nofollow') found.push(`a link has rel="${element.rel}"`);
        if (element.target !== '' && element.target !== '_blank') found.push(`a link has target="${element.target}"`);
        if (/^\s*(javascript|data|vbscript):/i.test(element.getAttribute('href') ?? '')) found.push(`a link goes to ${element.getAttribute('href')}`);
        if (element.className) found.push(`a link has class="${element.className}"`);
      }
      if (element instanceof HTMLImageElement && !/^(https?:|\/[^/\\])/i.test(element.getAttribute('src') ?? 'https:'))
        found.push(`an image loads ${element.getAttribute('src')}`);
    }
    return found;
  });
}
