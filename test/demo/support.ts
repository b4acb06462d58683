import * as fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { LocalCloud } from '../../local/cloud';
import { demoRoute } from '../../local/demo';
import { buildClient, ROOT } from '../../tools/build-client';
import { startCloud } from '../support/local';

/** Debian's chromium (apt-get install chromium); playwright-core cannot download browsers here. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const browserAvailable = fs.existsSync(CHROMIUM);
if (!browserAvailable) console.warn(`test/demo skipped: no browser at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`);

/** Local mode serving the demo (with a freshly built client bundle) on its FC port, and the demo's URL. */
export async function startDemoCloud(): Promise<{ cloud: LocalCloud; base: string }> {
  await buildClient();
  let config: LocalCloud['config'] | undefined;
  const cloud = await startCloud({ fcExtraRoute: demoRoute(ROOT, () => config) });
  config = cloud.config;
  return { cloud, base: `${cloud.config.endpoint}/demo/` };
}

/** Headless chromium; launch() gives it a fresh temporary profile of its own (it refuses --user-data-dir). */
export const launchBrowser = (): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });

/** The page marks <body data-busy> from a click until what it changed is shown again. */
export const settled = (page: Page) => page.waitForSelector('body:not([data-busy])', { state: 'attached' });
