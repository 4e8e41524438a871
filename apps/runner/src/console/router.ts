import type { Conversation } from "@regua/core";
import { assignConversation } from "./assign.js";
import type { ConsoleDeps } from "./context.js";
import { nextOpening, withinBusinessHours } from "./hours.js";
import type { ConversationFeed } from "./live.js";

const NOTICE = "outside_hours";

/**
 * Gives waiting conversations (with_operator, nobody holding them) to available operators, the
 * least loaded first. Runs on every conversation change (the feed) and on a timer (an operator
 * who just became available picks up what waited). Outside business hours nobody is assigned
 * and the debtor is told once, after their latest message, when someone will answer.
 */
export class ConsoleRouter {
  private running: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly deps: ConsoleDeps,
    private readonly sendNotice: (conversation: Conversation, text: string) => Promise<void>,
  ) {}

  start(feed: ConversationFeed, everyMs: number): void {
    this.unsubscribe = feed.subscribe(() => this.kick());
    this.timer = setInterval(() => this.kick(), everyMs);
    this.timer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    clearInterval(this.timer);
    await this.running;
  }

  /** Runs a sweep now, or once more after the running one. */
  kick(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.sweep().catch((error: unknown) =>
          this.deps.log.warn({ err: String(error) }, "console routing failed; retrying on the next change"),
        );
      } while (this.again);
      this.running = null;
    })();
    return this.running;
  }

  private async sweep(): Promise<void> {
    const { store, clock, config } = this.deps;
    if (!this.deps.selfServiceBot) {
      // No bot answers a debtor who writes first: the conversation goes to the operator queue.
      const unattended = await store.listConversations({ status: ["self_service"], limit: 200 });
      for (const conversation of unattended.items) {
        await store.updateConversation(
          conversation.id,
          { status: "with_operator", at: clock.now().toISOString() },
          conversation.version,
        );
      }
    }
    // An operator wrote first and the debtor has answered now: it is a conversation with them.
    const answered = await store.listConversations({ status: ["initiated_not_answered"], limit: 200 });
    for (const conversation of answered.items) {
      if (conversation.lastInboundAt === null) continue;
      await store.updateConversation(
        conversation.id,
        { status: "with_operator", at: clock.now().toISOString() },
        conversation.version,
      );
    }
    const waiting = await store.listConversations({
      status: ["with_operator"],
      operatorId: null,
      limit: 200,
    });
    if (waiting.items.length === 0) return;
    const now = clock.now();
    if (!withinBusinessHours(config.businessHours, now)) {
      for (const conversation of waiting.items) await this.noticeOnce(conversation);
      return;
    }
    // Oldest first: the queue is newest first.
    for (const conversation of [...waiting.items].reverse()) {
      const operator = await store.operators.nextAvailableOperator();
      if (!operator) return;
      await assignConversation(this.deps, conversation, operator, "routing", null);
    }
  }

  private async noticeOnce(conversation: Conversation): Promise<void> {
    const hours = this.deps.config.businessHours;
    if (!hours || conversation.lastInboundAt === null) return;
    const messages = await this.deps.store.listMessages(conversation.id);
    const told = messages.some(
      (m) =>
        m.direction === "outbound" &&
        (m.payload as { notice?: string } | null)?.notice === NOTICE &&
        m.at >= (conversation.lastInboundAt ?? ""),
    );
    if (told) return;
    const next = nextOpening(hours, this.deps.clock.now());
    if (next === null) return;
    await this.sendNotice(conversation, hours.outsideHoursMessage.replaceAll("{next}", next));
  }
}

export { NOTICE as OUTSIDE_HOURS_NOTICE };
