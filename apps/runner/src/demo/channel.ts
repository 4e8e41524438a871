import type { ChannelDefinition, ChannelEvent, Clock } from "@regua/core";
import type { FastifyInstance } from "fastify";
import type { DemoTemplate } from "./templates.js";

/**
 * The demo's channel: @regua/channel-whatsapp against the fake Graph API (status webhooks are
 * signed by the fake and POSTed to the runner's own webhook route), or, where that package is not
 * built, the testkit's in-memory channel whose signed status webhooks the demo posts itself.
 */
export interface DemoChannel {
  kind: "whatsapp" | "memory";
  /** The `channels[0]` entry of the demo config. */
  configEntry: { id: string; channel: string; options: Record<string, unknown> };
  /** Extra packages the plugin loader resolves (the memory channel is no npm package). */
  packages: Record<string, unknown>;
  describe: string;
  /** Points the channel's status webhooks at the runner's server (before anything is sent). */
  attach(webhookBase: string): void;
  /** Delivers every pending status webhook through the server; returns how many were posted. */
  deliverStatuses(app: FastifyInstance, sent: { providerMessageId: string }[]): Promise<number>;
  close(): Promise<void>;
}

export const CHANNEL_ID = "wa";
const TOKEN = "demo-graph-token";
const APP_SECRET = "demo-app-secret";
const PHONE_NUMBER_ID = "109876543210";

/**
 * Template bodies matching the policy's messages (names and positional parameter counts). No
 * DOCUMENT header: the fake ERP's invoices carry no PDF, and a message renders a document header
 * only when the invoice has one.
 */
function demoTemplates(policyTemplates: DemoTemplate[]) {
  return policyTemplates.map((t) => ({
    name: t.name,
    language: t.language,
    category: "UTILITY" as const,
    body: `Olá ${Array.from({ length: t.parameters }, (_, i) => `{{${i + 1}}}`).join(" · ")}`,
    ...(t.buttons.length > 0
      ? {
          buttons: t.buttons.map((type) =>
            type === "url"
              ? { type: "URL" as const, text: "Pagar", url: "https://pay.example.com/{{1}}" }
              : { type: "COPY_CODE" as const, example: "PIX" },
          ),
        }
      : {}),
  }));
}

export async function startDemoChannel(options: {
  clock: Clock;
  templates: DemoTemplate[];
}): Promise<DemoChannel> {
  const whatsapp = await tryImport("@regua/channel-whatsapp");
  const fixtures = await tryImport("@regua/test-fixtures/whatsapp");
  const start = fixtures?.startFakeGraphApi;
  if (whatsapp?.default && typeof start === "function") {
    let delivered = 0;
    const graph = await (start as (o: Record<string, unknown>) => Promise<FakeGraph>)({
      token: TOKEN,
      appSecret: APP_SECRET,
      phoneNumberId: PHONE_NUMBER_ID,
      templates: demoTemplates(options.templates),
      // Meta's webhook delays (seconds) compressed so the demo finishes quickly.
      clockSpeed: 2000,
      seed: 7,
    });
    return {
      kind: "whatsapp",
      configEntry: {
        id: CHANNEL_ID,
        channel: "@regua/channel-whatsapp",
        options: {
          phoneNumberId: PHONE_NUMBER_ID,
          token: TOKEN,
          appSecret: APP_SECRET,
          verifyToken: "demo",
          baseUrl: graph.url,
        },
      },
      packages: {},
      describe: `@regua/channel-whatsapp → fake WhatsApp Graph API at ${graph.url}`,
      attach(webhookBase) {
        graph.setWebhookUrl(`${webhookBase}/webhooks/whatsapp/${CHANNEL_ID}`);
      },
      async deliverStatuses() {
        await graph.idle();
        const posted = graph.webhooks.length - delivered;
        delivered = graph.webhooks.length;
        return posted;
      },
      close: () => graph.close(),
    };
  }
  const testkit = await tryImport("@regua/testkit");
  if (typeof testkit?.createMemoryChannel !== "function") {
    throw new Error("neither @regua/channel-whatsapp nor @regua/testkit is available for the demo channel");
  }
  const memory = (testkit.createMemoryChannel as (o: Record<string, unknown>) => MemoryChannelHandle)({
    id: "@regua/channel-memory",
    clock: options.clock,
  });
  return {
    kind: "memory",
    configEntry: { id: CHANNEL_ID, channel: "@regua/channel-memory", options: {} },
    packages: { "@regua/channel-memory": { default: memory.definition } },
    describe: "in-memory channel (@regua/testkit); @regua/channel-whatsapp is not built",
    attach() {},
    async deliverStatuses(app, sent) {
      let posted = 0;
      for (const s of sent) {
        for (const status of ["delivered", "read"] as const) {
          const { request } = memory.emitStatus(s.providerMessageId, status);
          const res = await app.inject({
            method: "POST",
            url: `/webhooks/memory/${CHANNEL_ID}`,
            headers: request.headers as Record<string, string>,
            payload: request.rawBody,
          });
          if (res.statusCode !== 200) throw new Error(`webhook answered ${res.statusCode}: ${res.body}`);
          posted += 1;
        }
      }
      return posted;
    },
    close: async () => {},
  };
}

interface FakeGraph {
  url: string;
  webhooks: unknown[];
  setWebhookUrl(url: string | undefined): void;
  idle(): Promise<void>;
  close(): Promise<void>;
}
interface MemoryChannelHandle {
  definition: ChannelDefinition;
  emitStatus(
    id: string,
    status: "delivered" | "read",
  ): { event: ChannelEvent; request: { headers: unknown; rawBody: Buffer } };
}

async function tryImport(specifier: string): Promise<Record<string, unknown> | null> {
  try {
    return (await import(specifier)) as Record<string, unknown>;
  } catch {
    return null;
  }
}
