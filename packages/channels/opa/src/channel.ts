import {
  type Channel,
  type ChannelEvent,
  ConfigError,
  type DeliveryStatus,
  E164,
  isReguaError,
  type OutboundMessage,
  type PluginContext,
  ValidationError,
} from "@regua/core";
import { OpaClient } from "./client.js";
import { ContactBook } from "./contacts.js";
import { Message, type OpaOptions, SendAnswer } from "./schemas.js";
import { TemplateDirectory, templateProblems, variableText } from "./templates.js";

export const CAPABILITIES = {
  templates: true,
  freeText: false,
  documents: false,
  // Opa publishes no delivery webhook régua can verify: the dispatcher polls (pollStatuses).
  statuses: false,
  inbound: false,
} as const;

/** Opa's channel always polls its statuses (GET /api/v1/atendimento/mensagem/{id}): see pollStatuses. */
export type OpaChannel = Channel & Required<Pick<Channel, "pollStatuses">>;

/** Opa's message status words → canonical delivery statuses. */
const STATUS: Record<string, DeliveryStatus> = {
  enviado: "sent",
  enviada: "sent",
  entregue: "delivered",
  lido: "read",
  lida: "read",
  erro: "failed",
  falha: "failed",
};

export function createOpaChannel(options: OpaOptions, ctx: PluginContext): OpaChannel {
  const client = new OpaClient(options, ctx);
  const templates = new TemplateDirectory(client, options);
  const contacts = new ContactBook(client);
  const log = ctx.log.child({ channel: "opa", channelId: options.channelId });

  async function templateId(message: OutboundMessage): Promise<{ id: string; variaveis: string[] }> {
    const template = message.template;
    if (!template) {
      throw new ValidationError("opa: the Opa! Suite channel sends approved templates only", [
        { path: "template", message: "required" },
      ]);
    }
    const found = await templates.find(template.name);
    if (!found) {
      throw new ConfigError(
        `opa: no Opa template for "${template.name}" (map it in options.templates or set its atalho)`,
      );
    }
    return { id: found._id, variaveis: template.body.map(variableText) };
  }

  return {
    capabilities: CAPABILITIES,
    rateLimit: { perSecond: options.perSecond },

    async send(message) {
      if (!E164.safeParse(message.to).success) {
        throw new ValidationError(`opa: "${message.to}" is not an E.164 number`, [
          { path: "to", message: "must be E.164" },
        ]);
      }
      const { id, variaveis } = await templateId(message);
      await contacts.ensure(message.to);
      // POST /api/v1/template/send {contato: {canalCliente}, template: {_id, variaveis}, canal}.
      const answer = await client.post(
        "template/send",
        { contato: { canalCliente: message.to }, template: { _id: id, variaveis }, canal: options.channelId },
        SendAnswer,
      );
      const providerMessageId = answer._id ?? answer.id ?? (answer.id_rota ? `rota:${answer.id_rota}` : null);
      if (!providerMessageId) {
        throw new ValidationError("opa: template/send answered without a message or attendance id", [], {
          provider: { system: "opa" },
        });
      }
      log.debug({ actionKey: message.actionKey, providerMessageId }, "opa template accepted");
      return { providerMessageId };
    },

    async checkTemplate(template) {
      const found = await templates.find(template.name);
      return templateProblems(template, found, options.templates[template.name] !== undefined);
    },

    async pollStatuses(sent) {
      const events: ChannelEvent[] = [];
      for (const { providerMessageId, actionKey } of sent) {
        if (providerMessageId.startsWith("rota:")) continue;
        const message = await client.get(
          `atendimento/mensagem/${encodeURIComponent(providerMessageId)}`,
          Message,
        );
        const status = STATUS[(message.status ?? "").toLowerCase()];
        if (!status) continue;
        events.push({
          kind: "status",
          eventId: `opa:${providerMessageId}:${status}`,
          providerMessageId,
          status,
          at: message.data ?? ctx.clock.now().toISOString(),
          actionKey,
          recipient: message.canalCliente ?? null,
          error:
            status === "failed"
              ? { code: "opa_erro", message: `Opa reported the message as ${message.status}` }
              : null,
        });
      }
      return events;
    },

    async healthCheck() {
      const started = ctx.clock.now().getTime();
      try {
        // GET /api/v1/canal/{id}: the token works and the channel exists.
        await client.get(`canal/${encodeURIComponent(options.channelId)}`, Message.pick({ _id: true }));
        return {
          ok: true,
          detail: `Opa! Suite canal ${options.channelId}`,
          latencyMs: ctx.clock.now().getTime() - started,
        };
      } catch (error) {
        return { ok: false, detail: isReguaError(error) ? error.describe() : String(error) };
      }
    },

    async close() {},
  };
}
