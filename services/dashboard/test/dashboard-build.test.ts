import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { stampedFiles } from '../src/dashboard-build.js';

const repoFile = (relative: string) => realpathSync(fileURLToPath(new URL(`../../../${relative}`, import.meta.url)));

describe('the build stamp', () => {
  it('covers the workspace sources the app bundles, so a change to any of them rebuilds the app', async () => {
    const stamped = new Set((await stampedFiles()).map((file) => realpathSync(file)));
    // The auction-row rules the upload page imports from @closecross/contracts, and the API client.
    expect(stamped.has(repoFile('packages/contracts/src/auction-csv-rows.ts'))).toBe(true);
    expect(stamped.has(repoFile('packages/client/src/index.ts'))).toBe(true);
    expect(stamped.has(repoFile('services/dashboard/web/src/lib/csv.ts'))).toBe(true);
  });
});
