export { createProgram, failureMessage, runCli } from './program.ts';
export { exitCodes, CliError } from './exit-codes.ts';
export type { Io } from './context.ts';
