/**
 * `pnpm docs:config`: writes the variable tables of docs/configuration.md from the config specs the
 * code reads (the platform's, the job queues', the local system's and each declared service's).
 */
import { configurationPage, writeConfigurationPage } from '../tests/support/configuration-doc.ts';

const changed = await writeConfigurationPage();
console.log(`${configurationPage}: ${changed ? 'tables written' : 'already current'}`);
