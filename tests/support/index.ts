export { createTestDatabase, type TestDatabase } from './test-database.ts';
export { startTestPostgres } from './postgres-server.ts';
export { generateStockRows, seededRandom, type GeneratedStockRow } from './stock-rows.ts';
export { sharedDataPath } from './shared-data.ts';
export { spawnCommand, spawnTsx, waitFor, type RunningProcess } from './child-process.ts';
export { startBenchPostgres, median, timeRuns } from './bench-database.ts';
export { connectKinesis, startKinesisEmulator, type KinesisEmulator } from './kinesis-emulator.ts';
export { loggedEvents, testLogging } from './log-capture.ts';
export { benchSize, benchSmoke } from './bench-size.ts';
