/**
 * @module test/e2e/steps
 * What a person does in the dashboard, as small helpers over a playwright page: navigate and
 * wait until the page has rendered, read which images loaded and which charts drew, and save a
 * screenshot under test-artifacts/. The functions run in the browser are typed structurally, as
 * the test project has no DOM library.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT } from './web-build.js';

export const ARTIFACTS = join(ROOT, 'test-artifacts');

interface Outlet {
  dataset: { nav?: string; ready?: string; page?: string };
}
interface Img {
  complete: boolean;
  naturalWidth: number;
  getAttribute(name: string): string | null;
}
interface Canvas {
  width: number;
  height: number;
  getContext(
    kind: '2d',
  ): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}

/** The outlet's navigation counter. */
export async function navCount(page: Page): Promise<number> {
  return page.$eval('#outlet', (el) => Number((el as unknown as Outlet).dataset.nav ?? 0));
}

/** Runs `action` (a click, a goto) and waits until a later navigation of `name` has rendered. */
export async function navigate(page: Page, name: string, action: () => Promise<unknown>): Promise<void> {
  const before = await page.$('#outlet').then((h) => (h ? navCount(page) : 0));
  await action();
  await page.waitForFunction(
    ([n, want]) => {
      const el = (
        globalThis as unknown as { document: { querySelector(s: string): unknown } }
      ).document.querySelector('#outlet') as Outlet | null;
      return (
        !!el &&
        Number(el.dataset.nav ?? 0) > (n as number) &&
        el.dataset.ready === 'true' &&
        el.dataset.page === want
      );
    },
    [before, name] as const,
    { timeout: 30_000 },
  );
}

/** Waits until every <img> under `selector` has finished (loaded or failed); returns their natural widths. */
export async function imageWidths(page: Page, selector: string): Promise<number[]> {
  await page.waitForFunction(
    (sel) => {
      const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<unknown> } })
        .document;
      return Array.from(doc.querySelectorAll(`${sel} img`) as ArrayLike<Img>).every((i) => i.complete);
    },
    selector,
    { timeout: 30_000 },
  );
  return page.$$eval(`${selector} img`, (imgs) => imgs.map((i) => (i as unknown as Img).naturalWidth));
}

/** For each canvas under `selector`: whether it has any painted (non-transparent) pixel. */
export async function canvasesDrawn(page: Page, selector: string): Promise<boolean[]> {
  return page.$$eval(`${selector} canvas`, (canvases) =>
    canvases.map((c) => {
      const cv = c as unknown as Canvas;
      const ctx = cv.getContext('2d');
      if (!ctx || cv.width === 0 || cv.height === 0) return false;
      const data = ctx.getImageData(0, 0, cv.width, cv.height).data;
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) return true;
      return false;
    }),
  );
}

/** Saves a full-page screenshot as test-artifacts/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string, fullPage = false): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage });
  return path;
}
