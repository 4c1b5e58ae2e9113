/** Debian's Chromium driven by playwright-core, as the webview tests and benches use it. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Why a webview test must skip (no Chromium, or the bundle not built), or undefined when it can run. */
export function whyNoChromium(bundle: string): string | undefined {
  if (!fs.existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM}`;
  if (!fs.existsSync(bundle)) return `no ${path.relative(path.resolve(__dirname, '../..'), bundle)} (npm run build)`;
  return undefined;
}

/**
 * Headless Chromium with a fresh profile and one tab. With `problems`, page errors and console errors are appended
 * to it, so a test can assert the page stayed quiet.
 */
export async function openChromium(viewport: { width: number; height: number }, problems?: string[]): Promise<{ context: BrowserContext; tab: Page }> {
  const context = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(os.tmpdir(), 'herd-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--force-device-scale-factor=1'],
  });
  const tab = context.pages()[0] ?? (await context.newPage());
  if (problems) {
    tab.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    tab.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
  }
  return { context, tab };
}
