/**
 * @module test/e2e/dashboard-suite
 * The dashboard, used as a person would in Chromium: the catalog with its pictures, a user's
 * recommendations with explanations and a click that changes them, text search and similar
 * items, the model charts, the A/B page, the operator page, and the same on a phone screen. Screenshots go to
 * test-artifacts/. `start` provides a running server with data (see dashboard.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, launchBrowser } from './browser.js';
import { canvasesDrawn, imageWidths, navigate, screenshot } from './steps.js';

export interface RunningDashboard {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  /** A user with feedback, whose recommendations the tests open. */
  user: string;
  /** A word that appears in some item titles. */
  word: string;
  /** Id of an A/B experiment with traffic. */
  experiment: string;
  /** An item's picture as a file, to search by image with. */
  image: { id: string; path: string };
  close(): Promise<void>;
}

export function describeDashboard(title: string, start: () => Promise<RunningDashboard>): void {
  describe(title, () => {
    let app: RunningDashboard;
    let browser: Browser;

    beforeAll(async () => {
      app = await start();
      browser = await launchBrowser();
    }, 300_000);

    afterAll(async () => {
      await browser?.close();
      await app?.close();
    });

    it('opens on the catalog, with pictures, sound, modality badges and the status strip', async () => {
      const { page } = browser;
      await navigate(page, 'catalog', () => page.goto(`${app.url}/`));
      expect(page.url()).toContain('#/catalog');
      const cards = page.locator('[data-testid="catalog-grid"] [data-testid="item-card"]');
      expect(await cards.count()).toBeGreaterThan(5);
      const widths = await imageWidths(
        page,
        '[data-testid="catalog-grid"] [data-testid="item-card"]:nth-child(-n+6)',
      );
      expect(widths.length).toBeGreaterThan(0);
      expect(widths.every((w) => w > 0)).toBe(true);
      expect(await page.locator('[data-testid="catalog-grid"] audio').count()).toBeGreaterThan(0);
      expect(
        await page
          .locator('[data-testid="catalog-grid"] .badge[data-modality="image"][data-state="present"]')
          .count(),
      ).toBeGreaterThan(0);
      await page.waitForSelector('[data-testid="status"][data-state="ok"]');
      expect(await page.locator('[data-status="model"] .status-value').textContent()).toMatch(/v\d+|v[\w-]+/);
      expect(
        Number((await page.locator('[data-status="items"] .status-value').textContent())?.replace(/,/g, '')),
      ).toBeGreaterThan(0);
      await screenshot(page, 'catalog-desktop');
      // the next page of the catalog
      await navigate(page, 'catalog', () => page.locator('.pager a[rel="next"]').click());
      expect(page.url()).toContain('offset=');
    });

    it("shows a user's recommendations with pictures and explanations, and a click changes the list", async () => {
      const { page } = browser;
      await navigate(page, 'users', () => page.locator('nav.nav a', { hasText: 'Users' }).click());
      await navigate(page, 'user', () => page.goto(`${app.url}/#/user/${encodeURIComponent(app.user)}`));
      const recs = page.locator('[data-testid="recs"]');
      const before = (await recs.getAttribute('data-items'))?.split(',') ?? [];
      expect(before.length).toBeGreaterThan(3);
      const widths = await imageWidths(
        page,
        '[data-testid="recs"] [data-testid="item-card"]:nth-child(-n+6)',
      );
      expect(widths.length).toBeGreaterThan(0);
      expect(widths.every((w) => w > 0)).toBe(true);
      expect(
        await page.locator('[data-testid="recs"] [data-testid="contributions"]').count(),
      ).toBeGreaterThan(0);
      expect(await page.locator('[data-testid="recs"] .score').first().textContent()).toMatch(/score -?\d/);
      await page.locator('[data-testid="history"]').waitFor();
      await screenshot(page, 'user-desktop');

      // a person clicks the first recommendation; the list reloads without it
      const clicked = before[0]!;
      await page
        .locator(`[data-testid="recs"] [data-item="${clicked}"] button[data-feedback="click"]`)
        .click();
      await page.waitForFunction(
        () =>
          (
            globalThis as unknown as {
              document: { querySelector(s: string): { dataset: { loads?: string } } | null };
            }
          ).document.querySelector('[data-testid="recs"]')?.dataset.loads === '2',
        undefined,
        { timeout: 30_000 },
      );
      const after = (await recs.getAttribute('data-items'))?.split(',') ?? [];
      expect(after).not.toEqual(before);
      expect(after).not.toContain(clicked);
      await expect
        .poll(() => page.locator('[data-testid="recs-change"]').textContent())
        .toMatch(/new|moved|left/);
      await page
        .locator(`[data-testid="history"] [data-item="${clicked}"]`)
        .first()
        .waitFor({ timeout: 15_000 });
      await screenshot(page, 'user-after-click-desktop');
    });

    it('finds items by text, and shows items similar to a result', async () => {
      const { page } = browser;
      await navigate(page, 'search', () => page.locator('nav.nav a', { hasText: 'Search' }).click());
      await page.locator('[data-testid="search-input"]').fill(app.word);
      await navigate(page, 'search', () => page.locator('form.search-form button[type="submit"]').click());
      const results = page.locator('[data-testid="search-results"] [data-testid="item-card"]');
      expect(await results.count()).toBeGreaterThan(0);
      const titles = await page.locator('[data-testid="search-results"] .card-title').allTextContents();
      expect(titles.some((t) => t.toLowerCase().includes(app.word.toLowerCase()))).toBe(true);
      await screenshot(page, 'search-desktop');
      await navigate(page, 'item', () => results.first().locator('a', { hasText: 'Similar' }).click());
      await page.locator('[data-testid="item-detail"]').waitFor();
      expect(
        await page.locator('[data-testid="similar-grid"] [data-testid="item-card"]').count(),
      ).toBeGreaterThan(0);
      await screenshot(page, 'item-similar-desktop');
    });

    it('finds an item by uploading its picture', async () => {
      const { page } = browser;
      await navigate(page, 'search', () => page.locator('nav.nav a', { hasText: 'Search' }).click());
      await page.locator('input[type="file"][name="image"]').setInputFiles(app.image.path);
      await page.locator('form.search-form button[type="submit"]').click();
      const first = page.locator('[data-testid="search-results"] [data-testid="item-card"]').first();
      await first.waitFor({ timeout: 30_000 });
      expect(await first.getAttribute('data-item')).toBe(app.image.id);
      expect(await first.locator('.tag').textContent()).toBe('via image');
      const widths = await imageWidths(
        page,
        '[data-testid="search-results"] [data-testid="item-card"]:nth-child(-n+4)',
      );
      expect(widths.every((w) => w > 0)).toBe(true);
    });

    it('draws the model charts: metrics per model, Recall/NDCG against K, per-epoch curves', async () => {
      const { page } = browser;
      await navigate(page, 'models', () => page.locator('nav.nav a', { hasText: 'Models' }).click());
      expect(await page.locator('[data-testid="versions-table"] tbody tr').count()).toBeGreaterThan(0);
      for (const id of ['chart-metrics', 'chart-at-k', 'chart-epochs']) {
        expect(await page.locator(`[data-testid="${id}"]`).count(), id).toBeGreaterThan(0);
      }
      const drawn = await canvasesDrawn(page, '#outlet');
      expect(drawn.length).toBeGreaterThanOrEqual(4);
      expect(drawn.every(Boolean)).toBe(true);
      await page.locator('[data-testid="report"]').waitFor();
      await screenshot(page, 'models-desktop', true);
      // the stored ablation: each variant against the model with all modalities
      await navigate(page, 'models', () =>
        page.locator('[data-testid="report-list"] a', { hasText: 'ablation' }).click(),
      );
      const rows = page.locator('[data-testid="ablation-table"] tbody tr');
      expect(await rows.count()).toBeGreaterThan(2);
      expect(await rows.nth(1).locator('.delta').count()).toBeGreaterThan(0);
      expect((await canvasesDrawn(page, '[data-testid="report"]')).every(Boolean)).toBe(true);
      await page.locator('[data-testid="ablation-table"]').scrollIntoViewIfNeeded();
      await screenshot(page, 'models-ablation-desktop');
    });

    it('shows the A/B experiment: arms, shares, rates with intervals and the verdict', async () => {
      const { page } = browser;
      await navigate(page, 'ab', () => page.locator('nav.nav a', { hasText: 'A/B' }).click());
      await navigate(page, 'ab', () => page.locator(`[data-experiment="${app.experiment}"]`).click());
      expect(await page.locator('[data-testid="arms-table"] tbody tr').count()).toBeGreaterThanOrEqual(2);
      expect(['significant', 'not significant', 'insufficient data']).toContain(
        await page.locator('[data-testid="verdict"]').getAttribute('data-verdict'),
      );
      expect(
        (await page.locator('[data-testid="verdict"] .verdict-text').textContent())?.length,
      ).toBeGreaterThan(10);
      const drawn = await canvasesDrawn(page, '#outlet');
      expect(drawn.length).toBeGreaterThanOrEqual(2);
      expect(drawn.every(Boolean)).toBe(true);
      await screenshot(page, 'ab-desktop', true);
    });

    it('shows the operator page: bias of the served lists per model version and arm, review queue, rules', async () => {
      const { page } = browser;
      await navigate(page, 'operator', () => page.locator('nav.nav a', { hasText: 'Operator' }).click());
      const rows = page.locator('[data-testid="fairness-table"] tbody tr');
      expect(await rows.count()).toBeGreaterThanOrEqual(2); // the experiment's two arms at least
      const cells = await rows.first().locator('td').allTextContents();
      expect(cells).toHaveLength(9);
      expect(cells[6]).toMatch(/%$/); // top 1% share
      expect(await page.locator('#outlet').textContent()).toContain('Review queue');
      await screenshot(page, 'operator-desktop', true);
    });

    it('fits a phone screen', async () => {
      const { page } = browser;
      await page.setViewportSize({ width: 390, height: 844 });
      for (const [name, hash] of [
        ['catalog', '#/catalog'],
        ['user', `#/user/${encodeURIComponent(app.user)}`],
        ['models', '#/models'],
        ['ab', `#/ab/${encodeURIComponent(app.experiment)}`],
      ] as const) {
        await navigate(page, name, () => page.goto(`${app.url}/${hash}`));
        const overflow = await page.evaluate(() => {
          const d = (
            globalThis as unknown as {
              document: { documentElement: { scrollWidth: number; clientWidth: number } };
            }
          ).document;
          return d.documentElement.scrollWidth - d.documentElement.clientWidth;
        });
        expect(overflow, `${name} scrolls sideways`).toBeLessThanOrEqual(1);
        await screenshot(page, `${name}-phone`);
      }
      expect(browser.pageErrors).toEqual([]);
      expect(browser.consoleErrors).toEqual([]);
    });
  });
}
