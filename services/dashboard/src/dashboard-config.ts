import { ConfigError, env, loadConfig, type ConfigOf } from '@closecross/platform';

export const dashboardConfigSpec = {
  TRADING_TIMEZONE: env.string({
    default: 'America/New_York',
    description:
      "the desk's time zone: the dashboard shows every time in it, with its label (the trading service's exchange zone, read from the same variable)",
  }),
};
export type DashboardConfig = ConfigOf<typeof dashboardConfigSpec>;

export function loadDashboardConfig(source: NodeJS.ProcessEnv = process.env): DashboardConfig {
  const config = loadConfig(dashboardConfigSpec, source);
  if (!isTimeZone(config.TRADING_TIMEZONE))
    throw new ConfigError([
      `TRADING_TIMEZONE is ${JSON.stringify(config.TRADING_TIMEZONE)}, not an IANA time zone (e.g. America/New_York, Europe/London, UTC)`,
    ]);
  return config;
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
