import { Command, CommanderError, Option } from 'commander';
import { ClosecrossApiError } from '@closecross/client';
import { Context, type GlobalOptions, type Io } from './context.ts';
import { CliError, exitCodeOf, exitCodes, isUnreachable } from './exit-codes.ts';
import { authCommands } from './commands/auth.ts';
import { dataCommands } from './commands/data.ts';
import { modelCommands } from './commands/models.ts';
import { operationCommands } from './commands/operations.ts';
import type { Run } from './commands/shared.ts';
import { strategyCommands } from './commands/strategies.ts';
import { tradingCommands } from './commands/trading.ts';

/** Why a command failed, in a line: the API's own message (and the refused field), never a stack. */
export function failureMessage(error: unknown): string {
  if (error instanceof ClosecrossApiError) {
    const where = error.field ? ` [${error.location}/${error.field}]` : '';
    const retry =
      error.retryAfterSeconds !== undefined && (error.status === 429 || error.status === 503) ? ` (retry in ${Math.ceil(error.retryAfterSeconds)} s)` : '';
    return `${error.method} ${error.url} answered ${error.status}: ${error.message}${where}${retry}`;
  }
  if (isUnreachable(error)) {
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
    return `cannot reach the server (${cause?.code ?? cause?.message ?? 'no answer'}): is it running? (closecross whoami says where the CLI connects)`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** The `closecross` program, writing to `io`; `run` resolves to the exit status. */
export function createProgram(io: Io): { program: Command; exitCode: () => number } {
  let exitCode: number = exitCodes.ok;
  const program = new Command('closecross')
    .description(
      'The Closecross API from a terminal: data, models, risk, strategies, orders, positions and jobs.\nServer and key: --url/--key, CLOSECROSS_URL/CLOSECROSS_API_KEY, `closecross login`, or the running local system.',
    )
    .version('0.1.0')
    .addOption(new Option('--url <url>', 'the API (default: CLOSECROSS_URL, the saved login, or the running local system)'))
    .addOption(new Option('--key <key>', 'an API key (default: CLOSECROSS_API_KEY or the saved login)'))
    .option('--json', 'print the result as JSON (for scripts)')
    .option('-q, --quiet', 'no progress or notes on stderr')
    .showHelpAfterError('(add --help for usage)')
    .enablePositionalOptions(false)
    .configureOutput({ writeOut: (text) => void io.stdout.write(text), writeErr: (text) => void io.stderr.write(text) })
    .exitOverride();

  const run: Run =
    (action) =>
    async (...args: unknown[]) => {
      // commander passes the positional arguments, the options, then the command itself.
      const command = args.at(-1) as Command;
      const cx = new Context(io, command.optsWithGlobals<GlobalOptions>());
      try {
        await (action as (cx: Context, ...rest: unknown[]) => Promise<void>)(cx, ...args.slice(0, -1));
      } catch (error) {
        exitCode = exitCodeOf(error);
        io.stderr.write(`closecross: ${failureMessage(error)}\n`);
      }
    };

  authCommands(program, run);
  dataCommands(program, run);
  modelCommands(program, run);
  operationCommands(program, run);
  strategyCommands(program, run);
  tradingCommands(program, run);

  // Every command group answers its help when called without a subcommand.
  for (const command of program.commands) {
    if (command.commands.length > 0) command.action(() => command.help({ error: true }));
    command.exitOverride();
  }
  return { program, exitCode: () => exitCode };
}

/** Parses and runs a command line (without node and the script); answers the exit status. */
export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  const { program, exitCode } = createProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode();
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, with code 0.
      if (error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return exitCodes.ok;
      return exitCodes.usage;
    }
    if (error instanceof CliError) {
      io.stderr.write(`closecross: ${error.message}\n`);
      return error.exitCode;
    }
    io.stderr.write(`closecross: ${failureMessage(error)}\n`);
    return exitCodeOf(error);
  }
}
