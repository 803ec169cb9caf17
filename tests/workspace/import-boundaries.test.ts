import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const eslint = new ESLint({ cwd: root });

/** The no-restricted-imports messages the repository's lint config gives `source` as if it were at `filePath`. */
async function boundaryErrors(filePath: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath });
  return result!.messages.filter((message) => message.ruleId === 'no-restricted-imports').map((message) => message.message);
}

describe('import boundaries (eslint.config.js)', () => {
  it('a service importing another service by package name fails lint', async () => {
    const errors = await boundaryErrors(
      'services/model/src/boundary-probe.ts',
      "import { marketDataService } from '@closecross/market-data';\nexport const probe = marketDataService;\n",
    );
    expect(errors).toEqual([expect.stringContaining('A service never imports another service')]);
  });

  it('a type-only import of another service fails lint too', async () => {
    const errors = await boundaryErrors(
      'services/ingestor/src/boundary-probe.ts',
      "import type { RiskDependencies } from '@closecross/risk-analysis';\nexport type Probe = RiskDependencies;\n",
    );
    expect(errors).toHaveLength(1);
  });

  it("a service reaching into another service's files by a relative path fails lint", async () => {
    const errors = await boundaryErrors(
      'services/risk-analysis/src/routes/boundary-probe.ts',
      "export { StockRow } from '../../../market-data/src/schemas/stock-data.ts';\n",
    );
    expect(errors).toEqual([expect.stringContaining('No reaching into services/market-data')]);
  });

  it('a service importing the shared packages and its own files passes', async () => {
    const source =
      "import { StockRow } from '@closecross/contracts';\nimport { withTransaction } from '@closecross/db';\nimport { loadModelConfig } from '../model-config.ts';\nexport const probe = [StockRow, withTransaction, loadModelConfig];\n";
    expect(await boundaryErrors('services/model/src/routes/boundary-probe.ts', source)).toEqual([]);
  });

  it('a service test may mount another service it declares, but never reach into its files', async () => {
    expect(
      await boundaryErrors(
        'services/model/test/boundary-probe.test.ts',
        "import { marketDataService } from '@closecross/market-data';\nexport const probe = marketDataService;\n",
      ),
    ).toEqual([]);
    expect(
      await boundaryErrors(
        'services/model/test/boundary-probe.test.ts',
        "import { marketDataService } from '../../market-data/src/plugin.ts';\nexport const probe = marketDataService;\n",
      ),
    ).toHaveLength(1);
  });

  it('a shared package or the test support importing a service fails lint', async () => {
    const source = "import { ingestorService } from '@closecross/ingestor';\nexport const probe = ingestorService;\n";
    expect(await boundaryErrors('packages/db/src/boundary-probe.ts', source)).toEqual([expect.stringContaining('Packages sit below the services')]);
    expect(await boundaryErrors('tests/support/boundary-probe.ts', source)).toHaveLength(1);
    expect(await boundaryErrors('packages/db/src/boundary-probe.ts', "export * from '../../../services/ingestor/src/index.ts';\n")).toHaveLength(1);
  });

  it('the composition roots (packages/local-system, infra) may import every service', async () => {
    const source =
      "import { marketDataService } from '@closecross/market-data';\nimport { riskAnalysisService } from '@closecross/risk-analysis';\nexport const probe = [marketDataService, riskAnalysisService];\n";
    expect(await boundaryErrors('packages/local-system/src/boundary-probe.ts', source)).toEqual([]);
    expect(await boundaryErrors('infra/lib/boundary-probe.ts', source)).toEqual([]);
  });
});
