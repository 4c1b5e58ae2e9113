/**
 * The plumbing of the webview tests and benches: the built bundle (or why the test skips), a 127.0.0.1 server for it
 * (under the panel's strict CSP when given a nonce) with a Chromium tab, the stub page that plays the VS Code host
 * (`acquireVsCodeApi`) around the bundle, and `until`. Each test writes its own stub behaviour (`answer`) and
 * assertions; only this frame is shared.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { openChromium, whyNoChromium } from './chromium';

/**
 * dist/webviews/<name>.js and why a test of it must skip (no Chromium, or not built; undefined: it can run). When
 * `required` (by default HERD_WEBVIEW_REQUIRED=1), a reason to skip throws instead.
 */
export function webviewBundle(name: string, required = process.env.HERD_WEBVIEW_REQUIRED === '1'): { bundle: string; missing: string | undefined } {
  const bundle = path.resolve(__dirname, '../../dist/webviews', `${name}.js`);
  const missing = whyNoChromium(bundle);
  if (missing && required) throw new Error(missing);
  return { bundle, missing };
}

export interface ServeWebview {
  /** The built bundle, dist/webviews/<name>.js: served at /<name>.js, its stylesheet (<name>.css beside it) at /<name>.css. */
  bundle: string;
  /** The HTML served at `/`, from the query string (after `?`, '' when none) and the server's origin. */
  page(query: string, origin: string): string;
  /** Any other file (path without the query) as its content type and body; undefined: 404 (favicon.ico: 204). */
  files?(url: string, origin: string): { type: string; body: string | Buffer } | undefined;
  /**
   * With a nonce, every response carries the webview's CSP: nothing by default, scripts only with this nonce, styles
   * and images only from the server (images also from `imgSrc`, e.g. 'data:'), no connections. Without (the
   * benches): no CSP.
   */
  nonce?: string;
  imgSrc?: string;
  /** Extra headers on every file served, e.g. { 'cache-control': 'no-store' }. */
  headers?: Record<string, string>;
}

export interface WebviewServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** The page: `${origin}/` */
  base: string;
  close(): Promise<void>;
}

/** Serves a webview bundle and its stub page on 127.0.0.1 (a free port). */
export async function serveWebview(options: ServeWebview): Promise<WebviewServer> {
  const name = path.basename(options.bundle, '.js');
  let origin = '';
  const server = http.createServer((req, res) => {
    const [url, query = ''] = (req.url ?? '/').split('?');
    const send = (type: string, body: string | Buffer) => {
      const csp = options.nonce
        ? { 'content-security-policy': `default-src 'none'; img-src ${origin}${options.imgSrc ? ` ${options.imgSrc}` : ''}; style-src ${origin}; script-src 'nonce-${options.nonce}'; connect-src 'none'` }
        : {};
      res.writeHead(200, { 'content-type': type, ...options.headers, ...csp });
      res.end(body);
    };
    if (url === '/') return send('text/html', options.page(query, origin));
    if (url === `/${name}.js`) return send('text/javascript', fs.readFileSync(options.bundle));
    if (url === `/${name}.css`) return send('text/css', fs.readFileSync(options.bundle.replace(/\.js$/, '.css')));
    const file = options.files?.(url, origin);
    if (file) return send(file.type, file.body);
    res.writeHead(url === '/favicon.ico' ? 204 : 404);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, base: `${origin}/`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

export interface OpenWebview extends WebviewServer {
  context: BrowserContext;
  /** A fresh Chromium tab, not navigated yet (go to `base`). */
  tab: Page;
  /** Closes Chromium, then the server. */
  close(): Promise<void>;
}

/** `serveWebview` and a headless Chromium (`openChromium`: page and console errors go to `problems` when given). */
export async function openWebview(options: ServeWebview, viewport: { width: number; height: number }, problems?: string[]): Promise<OpenWebview> {
  const served = await serveWebview(options);
  try {
    const { context, tab } = await openChromium(viewport, problems);
    const close = async () => {
      await context.close();
      await served.close();
    };
    return { ...served, context, tab, close };
  } catch (error) {
    await served.close();
    throw error;
  }
}

export interface StubPage {
  /** The bundle the page loads (its path or name; /<name>.js and /<name>.css). */
  bundle: string;
  /** The nonce on both scripts (the CSP's); omitted: none (the benches, served without a CSP). */
  nonce?: string;
  /** The stub's own declarations (INIT, helpers), run before `acquireVsCodeApi` is defined. */
  script?: string;
  /** Statements answering one message `m` the webview posted to the host (a leading newline is dropped). */
  answer: string;
  /**
   * 'recorded' (the tests): every message is kept in `window.__sent` (a JSON copy) before it is answered, and the
   * webview state lives in sessionStorage, cleared on load unless the URL has `keep` (a reloaded panel). 'bare'
   * (the benches): nothing recorded, no state.
   */
  host?: 'recorded' | 'bare';
}

/** The HTML of a webview page with a stub VS Code host: `#root`, the stub script, the bundle and its stylesheet. */
export function stubPage({ bundle, nonce, script = '', answer, host = 'recorded' }: StubPage): string {
  const name = path.basename(bundle, '.js');
  const attr = nonce ? ` nonce="${nonce}"` : '';
  const recorded = host === 'recorded';
  return `<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="/${name}.css"></head><body><div id="root"></div>
<script${attr}>
${recorded ? `window.__sent = [];\nif (!location.search.includes('keep')) sessionStorage.clear();\n` : ''}${script}
window.acquireVsCodeApi = () => ({
  postMessage(m) {
${recorded ? '    window.__sent.push(JSON.parse(JSON.stringify(m)));\n' : ''}${answer.replace(/^\n/, '')}
  },
${
  recorded
    ? `  getState() { return JSON.parse(sessionStorage.getItem('state') ?? 'null') ?? undefined; },\n  setState(s) { sessionStorage.setItem('state', JSON.stringify(s)); },`
    : '  getState() {}, setState() {},'
}
});
</script><script${attr} src="/${name}.js"></script></body></html>`;
}

/** Polls `probe` every 20 ms until it holds; throws "timed out waiting for <what>" after `ms`. */
export async function until(probe: () => Promise<boolean>, what = 'a condition', ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
