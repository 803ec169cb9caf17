import type { TestProject } from 'vitest/node';
import { startTestPostgres } from './postgres-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresAdminUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const server = await startTestPostgres();
  project.provide('postgresAdminUrl', server.adminUrl);
  console.log(`tests use PostgreSQL from ${server.source}`);
  return () => server.stop();
}
