import type { Pool } from 'pg';
import { loadAlertsConfig } from '../alerts-config.ts';
import { isBotToken, TelegramCommandBot, type BotLog } from './command-bot.ts';

/**
 * Telegram commands by long polling, for a system on one machine (`pnpm start`): started when
 * ALERTS_TELEGRAM_BOT_TOKEN holds a bot token, else nothing (undefined). A bot that cannot start
 * (a wrong token, Telegram unreachable) is logged and left off: the rest of the system runs.
 */
export async function startTelegramPolling(options: {
  pool: Pool;
  systemUrl: string;
  log: BotLog;
  environment?: NodeJS.ProcessEnv;
}): Promise<{ stop(): Promise<void> } | undefined> {
  const config = loadAlertsConfig(options.environment ?? process.env);
  if (!isBotToken(config.ALERTS_TELEGRAM_BOT_TOKEN)) return undefined;
  const bot = new TelegramCommandBot({
    pool: options.pool,
    botToken: config.ALERTS_TELEGRAM_BOT_TOKEN,
    telegramApiUrl: config.ALERTS_TELEGRAM_API_URL,
    systemUrl: options.systemUrl,
    log: options.log,
  });
  try {
    await bot.startPolling();
  } catch (error) {
    const token = config.ALERTS_TELEGRAM_BOT_TOKEN;
    // The token is in the Bot API's URLs: keep it out of the log.
    const reason = (error instanceof Error ? error.message : String(error)).split(token).join('<token>');
    options.log.error({ event: 'telegram_polling_refused' }, `Telegram commands are off: ${reason}`);
    return undefined;
  }
  return bot;
}
