import type { ActionRow } from "../actions.js";
import type { ChannelStateRow, TemplateStateRow } from "../channel-account-port.js";
import type { OutboundMessage } from "../contracts.js";
import { templateSendable } from "../contracts.js";
import { templateFallback } from "../policy/index.js";
import { type EngineContext, nowIso } from "./context.js";

/** A send held by a blocked template is looked at again after this, if no approval came first. */
export const TEMPLATE_RECHECK_MS = 15 * 60_000;
const DAY_MS = 24 * 60 * 60_000;

/**
 * The channel accounts as the store had them when a dispatch run started: template statuses
 * and each channel's quality, limit and suspension. Read once per run (two queries), not once
 * per message; an event that arrives mid-run counts from the next run.
 */
export class AccountView {
  private constructor(
    private readonly templates: ReadonlyMap<string, TemplateStateRow>,
    readonly channels: ReadonlyMap<string, ChannelStateRow>,
  ) {}

  static empty(): AccountView {
    return new AccountView(new Map(), new Map());
  }

  static async load(ctx: EngineContext): Promise<AccountView> {
    const accounts = ctx.store.channelAccounts;
    if (!accounts) return AccountView.empty();
    const [templates, channels] = await Promise.all([accounts.templateStatuses(), accounts.channelStates()]);
    return new AccountView(
      new Map(templates.map((t) => [templateKey(t.channel, t.name, t.language), t])),
      new Map(channels.map((c) => [c.channel, c])),
    );
  }

  /** The blocking status of a template, or null when it may be sent (never reported: sendable). */
  blocked(channel: string, name: string, language: string): TemplateStateRow | null {
    const row = this.templates.get(templateKey(channel, name, language));
    return row && !templateSendable(row.status) ? row : null;
  }
}

function templateKey(channel: string, name: string, language: string): string {
  return `${channel}\u0000${name}\u0000${language}`;
}

/** The status reason of a send waiting for a template; `wakeWaiting` finds them by it. */
export function templateWaitReason(name: string, language: string): string {
  return `template ${name} (${language}) is blocked: `;
}

/** The status reason of a send waiting for the channel's messaging limit; woken when the limit changes. */
export function limitWaitReason(channelId: string): string {
  return `channel ${channelId} reached its messaging limit `;
}

export type AccountVerdict =
  | { message: OutboundMessage }
  | { waitUntilMs: number; reason: string; template?: { name: string; language: string } };

/**
 * Before a send: a template the provider paused, disabled or rejected is not used. The step's
 * `fallback` template goes instead when it is sendable; otherwise the send waits (back to
 * planned, no attempt counted) until the template is approved again. Then the messaging limit:
 * a new customer beyond the account's daily reach waits until the oldest send of the rolling
 * 24 hours leaves the window.
 */
export async function checkAccount(
  ctx: EngineContext,
  view: AccountView,
  channelId: string,
  row: ActionRow,
  message: OutboundMessage,
): Promise<AccountVerdict> {
  let chosen = message;
  const template = message.template;
  if (template) {
    const blocked = view.blocked(channelId, template.name, template.language);
    if (blocked) {
      const fallback = templateFallback(ctx.policy, row);
      const fallbackLanguage = fallback?.language ?? template.language;
      if (!fallback || view.blocked(channelId, fallback.name, fallbackLanguage)) {
        return {
          waitUntilMs: ctx.clock.now().getTime() + TEMPLATE_RECHECK_MS,
          reason: `${templateWaitReason(template.name, template.language)}${blocked.status} (${blocked.providerEvent}) since ${blocked.at}${fallback ? `; fallback ${fallback.name} is blocked too` : "; no fallback configured"}`,
          template: { name: template.name, language: template.language },
        };
      }
      ctx.log.info(
        { action: row.key, template: template.name, fallback: fallback.name, status: blocked.status },
        "template blocked: sending its fallback",
      );
      chosen = {
        ...message,
        template: { ...template, name: fallback.name, language: fallbackLanguage },
        preview: `${message.preview} [fallback ${fallback.name}: ${template.name} is ${blocked.status}]`,
      };
    }
  }
  const limit = await messagingLimitWait(ctx, view.channels.get(channelId), channelId, row);
  return limit ?? { message: chosen };
}

async function messagingLimitWait(
  ctx: EngineContext,
  state: ChannelStateRow | undefined,
  channelId: string,
  row: ActionRow,
): Promise<{ waitUntilMs: number; reason: string } | null> {
  const cap = state?.dailyRecipients ?? null;
  const accounts = ctx.store.channelAccounts;
  if (cap === null || !accounts) return null;
  const nowMs = ctx.clock.now().getTime();
  const reach = await accounts.recentRecipients({
    channel: channelId,
    since: new Date(nowMs - DAY_MS).toISOString(),
    customer: { source: row.source, customerRef: row.customerRef },
  });
  if (reach.includes || reach.count < cap) return null;
  const frees = reach.oldestSentAt ? Date.parse(reach.oldestSentAt) + DAY_MS : nowMs + TEMPLATE_RECHECK_MS;
  return {
    waitUntilMs: Math.max(frees, nowMs + 1_000),
    reason: `${limitWaitReason(channelId)}(${state?.limit ?? cap}: ${cap} customers a rolling 24 h) at ${nowIso(ctx)}`,
  };
}
