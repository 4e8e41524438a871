import type { ServerResponse } from "node:http";
import type { ConversationChange, ConversationStore, Logger } from "@regua/core";
import type { FastifyInstance } from "fastify";
import { seesConversations } from "./access.js";
import type { ConsoleContext } from "./context.js";

type Listener = (change: ConversationChange) => void;

/**
 * One feed per console for every open event stream: changes made in this process arrive at once
 * through `watchConversations`; changes made by other runners (or the bot in another process)
 * through polling the store's change feed. Both paths meet here and are de-duplicated by `seq`.
 */
export class ConversationFeed {
  private readonly listeners = new Set<Listener>();
  private position = -1;
  private timer: NodeJS.Timeout | undefined;
  private unwatch: (() => void) | undefined;
  private polling = false;

  constructor(
    private readonly store: ConversationStore,
    private readonly log: Logger,
    private readonly pollMs: number,
  ) {}

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.start();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  private start(): void {
    this.unwatch = this.store.watchConversations((change) => this.deliver(change));
    this.store.conversationFeedPosition().then(
      (seq) => {
        this.position = Math.max(this.position, seq);
      },
      (error: unknown) => this.log.warn({ err: String(error) }, "console feed: cannot read the position"),
    );
    this.timer = setInterval(() => void this.poll(), this.pollMs);
    this.timer.unref();
  }

  stop(): void {
    this.unwatch?.();
    this.unwatch = undefined;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private deliver(change: ConversationChange): void {
    if (change.seq <= this.position) return;
    this.position = change.seq;
    for (const listener of this.listeners) listener(change);
  }

  private async poll(): Promise<void> {
    if (this.polling || this.position < 0) return;
    this.polling = true;
    try {
      const changes = await this.store.conversationChanges({ after: this.position, limit: 500 });
      for (const change of changes) this.deliver(change);
    } catch (error) {
      this.log.warn({ err: String(error) }, "console feed: polling the change feed failed");
    } finally {
      this.polling = false;
    }
  }
}

/**
 * GET /console/events: server-sent events for htmx's SSE extension. Every change sends "queue"
 * (the queue re-reads its rows) and "conversation-<id>" (that conversation's screen re-reads).
 * https://html.spec.whatwg.org/multipage/server-sent-events.html
 */
export function registerLive(app: FastifyInstance, c: ConsoleContext, feed: ConversationFeed): void {
  // Streams never end on their own: closing the server ends them (else close() would wait for them).
  const open = new Set<ServerResponse>();
  app.addHook("onClose", async () => {
    for (const res of open) res.end();
    feed.stop();
  });
  app.get("/console/events", async (req, reply) => {
    if (!seesConversations(c.who(req).operator)) return reply.code(403).send();
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    res.write(": connected\n\n");
    const send = (event: string, seq: number) => res.write(`event: ${event}\ndata: ${seq}\n\n`);
    const unsubscribe = feed.subscribe((change) => {
      send("queue", change.seq);
      send(`conversation-${change.conversationId}`, change.seq);
    });
    // A comment every 25 s keeps proxies from closing an idle stream.
    const keepAlive = setInterval(() => res.write(": keep-alive\n\n"), 25_000);
    keepAlive.unref();
    const close = () => {
      clearInterval(keepAlive);
      unsubscribe();
      open.delete(res);
    };
    open.add(res);
    req.raw.on("close", close);
    res.on("error", close);
  });
}
