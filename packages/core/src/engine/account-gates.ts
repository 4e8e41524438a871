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

  /** Per channel, the customers whose send this runner admitted and has not finished yet. */
  private readonly reaching = new Map<string, Set<string>>();

  /** Per channel, the end of the queue of messaging-limit checks (one at a time). */
  private readonly checks = new Map<string, Promise<unknown>>();

  /** Runs `check` after the channel's checks before it, alone: a count and its admission are one step. */
  exclusive<T>(channel: string, check: () => Promise<T>): Promise<T> {
    const run = (this.checks.get(channel) ?? Promise.resolve()).then(check);
    this.checks.set(
      channel,
      run.catch(() => undefined),
    );
    return run;
  }

  /** The customers being sent to through `channel` now (sends run concurrently). */
  underWay(channel: string): Set<string> {
    let customers = this.reaching.get(channel);
    if (!customers) {
      customers = new Set();
      this.reaching.set(channel, customers);
    }
    return customers;
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
  /** `done`, when given, is called once the send is over (it counted toward the messaging limit). */
  | { message: OutboundMessage; done?: () => void }
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
  const limit = await messagingLimitWait(ctx, view, channelId, row);
  if ("waitUntilMs" in limit) return limit;
  return limit.done ? { message: chosen, done: limit.done } : { message: chosen };
}

async function messagingLimitWait(
  ctx: EngineContext,
  view: AccountView,
  channelId: string,
  row: ActionRow,
): Promise<{ waitUntilMs: number; reason: string } | { done?: () => void }> {
  const state = view.channels.get(channelId);
  const cap = state?.dailyRecipients ?? null;
  const accounts = ctx.store.channelAccounts;
  if (cap === null || !accounts) return {};
  // Sends run concurrently: the customers admitted and not yet recorded as sent are not in the
  // store's count, so they count here, and each count and admission happen alone (per channel).
  // One of them the store counts already is counted twice: near the cap this errs on waiting.
  const underWay = view.underWay(channelId);
  const customer = `${row.source}\u0000${row.customerRef}`;
  return view.exclusive(channelId, async () => {
    if (underWay.has(customer)) return {}; // admitted already, for another of its actions
    // Taken before the query: a send recorded while it runs was under way when this was taken.
    const admitted = underWay.size;
    const nowMs = ctx.clock.now().getTime();
    const reach = await accounts.recentRecipients({
      channel: channelId,
      since: new Date(nowMs - DAY_MS).toISOString(),
      customer: { source: row.source, customerRef: row.customerRef },
    });
    if (reach.includes || reach.count + admitted < cap) {
      underWay.add(customer);
      return { done: () => underWay.delete(customer) };
    }
    // The sends under way leave now: they free their places 24 hours from now.
    const oldest = reach.oldestSentAt
      ? Date.parse(reach.oldestSentAt)
      : admitted > 0
        ? nowMs
        : nowMs + TEMPLATE_RECHECK_MS - DAY_MS;
    return {
      waitUntilMs: Math.max(oldest + DAY_MS, nowMs + 1_000),
      reason: `${limitWaitReason(channelId)}(${state?.limit ?? cap}: ${cap} customers a rolling 24 h) at ${nowIso(ctx)}`,
    };
  });
}
