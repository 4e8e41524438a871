import type {
  BotReply,
  BotSettings,
  Channel,
  Clock,
  Conversation,
  ConversationStore,
  DocumentRef,
  MessageKind,
  OutboundMessage,
} from "@regua/core";

/** WhatsApp's customer service window: free-form messages only this long after the customer's last one. */
const SERVICE_WINDOW_MS = 24 * 60 * 60_000;

/**
 * Sends the bot's messages to one conversation and records each one in it, with the provider's
 * message id so status webhooks move its ticks. Action keys are `bot:<conversation>:<turn>:<n>`
 * (echoed back by WhatsApp as biz_opaque_callback_data).
 */
export class Outbox {
  private sequence = 0;

  constructor(
    private readonly conversations: ConversationStore,
    private readonly channel: Channel,
    private readonly conversation: Conversation,
    private readonly turnKey: string,
    private readonly clock: Clock,
    private readonly settings: BotSettings,
  ) {}

  /** Inside the 24-hour window: free-form (text, buttons, lists, documents) is allowed. */
  windowOpen(): boolean {
    const last = this.conversation.lastInboundAt;
    return last !== null && this.clock.now().getTime() - Date.parse(last) < SERVICE_WINDOW_MS;
  }

  /**
   * A reply: as it is inside the window; outside it (the closing message of a conversation
   * silent for more than a day) the tenant's closing template, or nothing without one.
   */
  async reply(reply: BotReply): Promise<void> {
    if (!this.windowOpen()) {
      const template = this.settings.closingTemplate;
      if (!template) return;
      await this.send(
        { template: { name: template.name, language: template.language, body: [] } },
        "template",
        `[template ${template.name}]`,
        { template: template.name },
      );
      return;
    }
    if (reply.type === "text") {
      await this.send({ text: reply.text }, "text", reply.text, null);
      return;
    }
    await this.send({ interactive: reply }, "interactive", reply.body, reply);
  }

  async document(document: DocumentRef, caption: string): Promise<void> {
    await this.send({ document, text: caption }, "document", caption, null, {
      filename: document.filename,
      mime: document.upload?.mime ?? "application/pdf",
      caption,
    });
  }

  private async send(
    content: Omit<OutboundMessage, "actionKey" | "to" | "preview">,
    kind: MessageKind,
    preview: string,
    payload: unknown,
    document?: { filename: string; mime: string; caption: string },
  ): Promise<void> {
    this.sequence += 1;
    const actionKey = `bot:${this.conversation.id}:${this.turnKey}:${this.sequence}`.slice(0, 512);
    const { providerMessageId } = await this.channel.send({
      ...content,
      actionKey,
      to: this.conversation.phone,
      preview,
    });
    await this.conversations.appendMessage({
      conversationId: this.conversation.id,
      direction: "outbound",
      kind,
      author: "bot",
      body: preview,
      payload,
      document: document ?? null,
      providerMessageId,
      status: "pending",
      at: this.clock.now().toISOString(),
    });
  }
}
