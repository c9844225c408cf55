import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo } from '../../demo/generate.js';
import { runCli } from '../testing/run-cli.js';

const cli = (...args: string[]) => runCli(args);

let dir = '';
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fusionrec-encode-cli-'));
  await generateDemo(join(dir, 'shop'), { items: 40, users: 30, seed: 3 });
  // One item whose picture is missing on disk, one with a remote picture.
  const extra = [
    { id: 'lost', text: { title: 'Lost one' }, image: 'images/none.png' },
    { id: 'far', text: { title: 'Far one' }, image: 'https://example.com/far.png' },
  ];
  appendFileSync(join(dir, 'shop', 'items.jsonl'), extra.map((x) => `${JSON.stringify(x)}\n`).join(''));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fusionrec encode', () => {
  it('encodes a catalog, prints the summary and failures, writes the outputs, then reuses the cache', () => {
    const out = join(dir, 'out');
    const cache = join(dir, 'features.sqlite');
    const args = ['encode', '--dataset', `catalog:${join(dir, 'shop')}`, '--cache', cache, '--out', out];
    const r = cli(...args, '--text-options', '{"dim":64}', '--workers', '1');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/modality +encoder +dims +encoded +cached +missing +failed/);
    expect(r.stdout).toMatch(/text +builtin-text:v1:dim=64:.* 64 +42 +0 +0 +0/);
    expect(r.stdout).toMatch(/image +builtin-image:v1:size=64 +282 +40 +0 +0 +2/);
    expect(r.stdout).toMatch(/audio +mfcc.* +40 +0 +2 +0/);
    expect(r.stdout).toMatch(
      /image: 2 failed\n {2}lost: file not found: .*none\.png\n {2}far: remote media not fetched/,
    );
    for (const f of ['text.npy', 'image.npy', 'audio.npy', 'items.json', 'encode-report.json']) {
      expect(existsSync(join(out, f))).toBe(true);
    }
    const report = JSON.parse(readFileSync(join(out, 'encode-report.json'), 'utf8'));
    expect(report.report.image.failed).toHaveLength(2);
    const again = cli(...args, '--text-options', '{"dim":64}', '--image', 'none');
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/text +builtin-text.* 64 +0 +42 +0 +0/);
    expect(again.stdout).toMatch(/audio +mfcc.* +0 +40 +2 +0/);
    expect(again.stdout).not.toMatch(/^image/m);
  });

  it('rejects unknown encoder names and bad options with the valid values', () => {
    const r = cli('encode', '--dataset', `catalog:${join(dir, 'shop')}`, '--image', 'resnet', '--no-cache');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown image encoder "resnet". Should be one of: builtin, clip/);
    const bad = cli(
      'encode',
      '--dataset',
      `catalog:${join(dir, 'shop')}`,
      '--text-options',
      '{dim',
      '--no-cache',
    );
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--text-options expects a JSON object/);
  });
});
