/**
 * The model service alone in its own process, as a REST client meets it: the bench's client (its
 * requests, their bodies and answers, its garbage) runs in another process and is not charged to
 * this one's event loop and heap. Serves on 127.0.0.1 (auth off: loopback only), prints its address
 * on one line, and on SIGTERM closes and prints its own CPU time.
 * Usage: model-server.ts <database url> <artifact store url>
 */
import { jobsModule } from '@closecross/jobs';
import { marketDataService } from '@closecross/market-data';
import { createPool, createService } from '@closecross/platform';
import { artifactStoreFor } from '@closecross/contracts/artifact-writer';
import { loadModelConfig } from '../src/model-config.ts';
import { modelServiceWith } from '../src/plugin.ts';

const [databaseUrl, storeUrl] = process.argv.slice(2);
if (!databaseUrl || !storeUrl) throw new Error('usage: model-server.ts <database url> <artifact store url>');
const pool = createPool({ connectionString: databaseUrl, max: 10 });
const app = await createService({
  name: 'bench',
  modules: [
    marketDataService,
    modelServiceWith({ config: loadModelConfig({ MODEL_JOB_MAINTENANCE_SECONDS: '5' }), store: artifactStoreFor(storeUrl) }),
    jobsModule,
  ],
  pool,
  logLevel: 'warn',
  auth: false, // the bench measures the work, not credential checks (loopback only)
});
const address = await app.listen({ host: '127.0.0.1', port: 0 });
console.log(`listening ${address}`);
process.once('SIGTERM', () => {
  void app
    .close()
    .then(() => pool.end())
    .then(() => process.exit(0));
});
