import {
  type BotInput,
  type BotSettings,
  type BotState,
  botTurn,
  type Channel,
  type Clock,
  type Conversation,
  type ConversationPatch,
  type ConversationStore,
  type DunningStore,
  type ErpLookups,
  type Logger,
  type RoutedChannelEvent,
} from "@regua/core";
import { type ActionResult, type BotIo, runAction } from "./actions.js";
import { Outbox } from "./outbox.js";

export interface BotOptions {
  settings: BotSettings;
  conversations: ConversationStore;
  /** Audit log and the shared rate limit of lookups. */
  store: DunningStore;
  /** The engine's fresh ERP reads (`engine.erp`). */
  erp: ErpLookups;
  /** Sources asked for a CPF/CNPJ, in order (those declaring the `lookups` capability). */
  sources: readonly string[];
  /** By channel instance id: where replies go. */
  channels: ReadonlyMap<string, Channel>;
  clock: Clock;
  log: Logger;
}

export interface Bot {
  /** Pass as `EngineOptions.onChannelEvent`: answers inbound messages of self-service conversations. */
  onChannelEvent(routed: RoutedChannelEvent): Promise<void>;
  /** Closes self-service conversations silent for `idleMinutes`, with the closing message. */
  closeIdle(options?: { limit?: number }): Promise<number>;
}

/** Turns per event at most: a lookup answer feeds one more turn; a loop here is a bug. */
const MAX_TURNS = 8;

/**
 * The self-service bot: runs the pure machine (`botTurn` in @regua/core) for a conversation,
 * carries out what it asks (ERP lookups, documents, replies through the channel) and feeds the
 * answers back, then stores the new state on the conversation. Only conversations in
 * `self_service` are its business: once handed off, the operator has them.
 */
export function createBot(options: BotOptions): Bot {
  const log = options.log.child({ component: "bot" });

  async function converse(conversation: Conversation, first: BotInput, turnKey: string): Promise<void> {
    const channel = options.channels.get(conversation.channel);
    if (!channel) {
      log.warn({ channel: conversation.channel }, "no such channel: the bot cannot answer");
      return;
    }
    const outbox = new Outbox(
      options.conversations,
      channel,
      conversation,
      turnKey,
      options.clock,
      options.settings,
    );
    const io: BotIo = { ...options, log, outbox, conversation };
    let state = readState(conversation.botState);
    let input: BotInput | null = first;
    const patch: Omit<ConversationPatch, "at"> = {};
    for (let turn = 0; input && turn < MAX_TURNS; turn++) {
      const next = botTurn(options.settings, state, input);
      state = next.state;
      input = null;
      for (const action of next.actions) {
        const result: ActionResult = await runAction(io, action);
        if (result.input) input = result.input;
        Object.assign(patch, result.patch);
      }
    }
    const at = options.clock.now().toISOString();
    const saved = await options.conversations.updateConversation(
      conversation.id,
      { ...patch, botState: state, at },
      conversation.version,
    );
    if (!saved) {
      // Someone else (an operator, another runner) changed it meanwhile: theirs stands, the
      // bot's state still moves on so the next message continues from here.
      log.warn({ conversation: conversation.id }, "conversation changed while the bot answered");
      const { status: _theirs, ...rest } = patch;
      await options.conversations.updateConversation(conversation.id, { ...rest, botState: state, at });
    }
  }

  return {
    async onChannelEvent(routed) {
      if (routed.kind !== "inbound" || !routed.conversation) return;
      if (routed.route !== "receptive" && routed.route !== "continued") return;
      if (routed.conversation.status !== "self_service") return;
      const { event } = routed;
      await converse(
        routed.conversation,
        { type: "message", text: event.text, payload: event.payload ?? null },
        event.eventId,
      );
    },

    async closeIdle({ limit = 200 } = {}) {
      const before = new Date(options.clock.now().getTime() - options.settings.idleMinutes * 60_000);
      const idle = await options.conversations.listIdleConversations({
        statuses: ["self_service"],
        before: before.toISOString(),
        limit,
      });
      for (const conversation of idle) {
        await converse(conversation, { type: "timeout" }, `idle-${conversation.lastMessageAt}`);
      }
      return idle.length;
    },
  };
}

/** The stored state, or null (a new conversation) when it is not one of the machine's. */
function readState(value: unknown): BotState | null {
  if (typeof value !== "object" || value === null || !("step" in value)) return null;
  return value as BotState;
}
