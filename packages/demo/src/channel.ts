import { startFakeGraphApi } from "@regua/test-fixtures/whatsapp";

/** A template the policy sends: the fake approves it with this many positional parameters. */
export interface DemoTemplateSpec {
  name: string;
  language: string;
  parameters: number;
  /** Dynamic buttons by index, as the policy fills them. */
  buttons: ("url" | "copy_code")[];
}

/**
 * The demo's channel: @regua/channel-whatsapp against the fake Graph API. Status webhooks are
 * signed by the fake and POSTed to the runner's own webhook route, as Meta would.
 */
export interface DemoChannel {
  /** The `channels[0]` entry of the demo config. */
  configEntry: { id: string; channel: string; options: Record<string, unknown> };
  describe: string;
  /** Points the channel's status webhooks at the runner's server (before anything is sent). */
  attach(webhookBase: string): void;
  /** Waits until the fake has posted every pending status webhook; returns how many it posted. */
  deliverStatuses(): Promise<number>;
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
function demoTemplates(policyTemplates: DemoTemplateSpec[]) {
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
  templates: DemoTemplateSpec[];
  /** The demo's clock: webhook timestamps must be near it or the server refuses them. */
  now: () => Date;
}): Promise<DemoChannel> {
  let delivered = 0;
  const graph = await startFakeGraphApi({
    token: TOKEN,
    appSecret: APP_SECRET,
    phoneNumberId: PHONE_NUMBER_ID,
    templates: demoTemplates(options.templates),
    // Meta's webhook delays (seconds) compressed so the demo finishes quickly.
    clockSpeed: 2000,
    seed: 7,
    now: options.now,
  });
  return {
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
