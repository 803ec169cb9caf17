export {
  alertEventNames,
  testEventName,
  type AlertEvent,
  type AlertEventName,
  type JobFinishedPayload,
  type SignalAwaitingApprovalPayload,
  type OrderFilledPayload,
  type OrderRejectedPayload,
  type LimitBreachedPayload,
  type TradingStateChangedPayload,
  type SquareOffDonePayload,
  type ReconciliationDifferencesPayload,
  type IngestLagPayload,
  type DailyPnlSummaryPayload,
} from './alert-events.ts';
export { recordAlert, type Queryable, type RecordedAlert } from './record-alert.ts';
export { alertText } from './alert-text.ts';
export { AlertDeliverer, type AlertDelivererOptions } from './alert-deliverer.ts';
export { alertsConfigSpec, loadAlertsConfig, type AlertsConfig } from './alerts-config.ts';
export { retryDelayMs, outageCoveredMs, type RetrySchedule } from './retry-schedule.ts';
export { ChannelStore, type ChannelStoreOptions, type ChannelView, type ChannelInput, type ChannelChange, type EventSwitches } from './channel-store.ts';
export { AlertHistory, deliveryStatuses, type AlertView, type DeliveryView, type DeliveryStatus } from './alert-history.ts';
export { alertsModule, alertsModuleWith, type AlertsModuleOptions } from './alerts-module.ts';
export { webhookBody } from './channels/webhook-channel.ts';
export { webhookSignature, verifyWebhookSignature, signatureHeader, signatureTimestampHeader } from './channels/webhook-signature.ts';
export { webhookNetworkKinds, refusedAddress, type WebhookNetworkKind } from './channels/webhook-target.ts';
export { TelegramCommandBot, isBotToken, unlinkedReply, type CommandBotOptions, type BotLog } from './telegram-bot/command-bot.ts';
export { startTelegramPolling } from './telegram-bot/start-polling.ts';
export { ChatLinks, type ChatLink } from './telegram-bot/chat-links.ts';
export { webhookSecretOf } from './telegram-bot/sealed-key.ts';
export { commands as telegramCommands, squareOffConfirmation as telegramSquareOffConfirmation } from './telegram-bot/commands.ts';
