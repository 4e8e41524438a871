import type { Channel, MessageSpec, Policy, Problem, TemplateMessage } from "@regua/core";

export interface TemplateCheck {
  /** "steps[2] fatura_vencida" or "lifecycle.paymentConfirmation confirmacao_pagamento" */
  what: string;
  channel: string;
  problems: Problem[];
}

/** Every message the policy can send, with where it is written. */
function policyMessages(policy: Policy): { where: string; spec: MessageSpec }[] {
  const steps = policy.steps.flatMap((step, i) =>
    step.template && step.channel
      ? [
          {
            where: `steps[${i}] (${step.id})`,
            spec: {
              channel: step.channel,
              template: step.template,
              variables: step.variables,
              attachDocument: step.attachDocument,
              ...(step.buttons ? { buttons: step.buttons } : {}),
            },
          },
        ]
      : [],
  );
  const lifecycle = Object.entries(policy.lifecycle ?? {}).flatMap(([kind, spec]) =>
    spec ? [{ where: `lifecycle.${kind}`, spec }] : [],
  );
  return [...steps, ...lifecycle];
}

/**
 * A template message shaped like the ones the policy renders (same name, language, parameter
 * names/positions and document header), with placeholder values: what `checkTemplate` needs to
 * compare against the provider's approved template.
 */
function sampleMessage(spec: MessageSpec): TemplateMessage {
  return {
    name: spec.template.name,
    language: spec.template.language,
    body: Object.keys(spec.variables).map((key) =>
      /^\d+$/.test(key)
        ? { type: "text" as const, text: "x" }
        : { type: "text" as const, name: key, text: "x" },
    ),
    ...(spec.buttons && spec.buttons.length > 0
      ? { buttons: spec.buttons.map((b) => ({ index: b.index, subType: b.type, parameter: "x" })) }
      : {}),
    ...(spec.attachDocument
      ? {
          header: {
            type: "document" as const,
            document: { link: "https://example.invalid/boleto.pdf", filename: "boleto.pdf" },
          },
        }
      : {}),
  };
}

/** Checks each policy message against its channel: the channel exists, and the template fits. */
export async function checkPolicyTemplates(
  policy: Policy,
  channels: ReadonlyMap<string, Channel>,
  configured: ReadonlySet<string> = new Set(channels.keys()),
): Promise<TemplateCheck[]> {
  const checks: TemplateCheck[] = [];
  for (const { where, spec } of policyMessages(policy)) {
    const what = `${where} ${spec.template.name}`;
    const channel = channels.get(spec.channel);
    if (!configured.has(spec.channel)) {
      checks.push({
        what,
        channel: spec.channel,
        problems: [{ path: `${where}.channel`, message: `no channel with id ${spec.channel} in the config` }],
      });
      continue;
    }
    if (!channel?.checkTemplate) continue;
    try {
      checks.push({
        what,
        channel: spec.channel,
        problems: await channel.checkTemplate(sampleMessage(spec)),
      });
    } catch (error) {
      checks.push({
        what,
        channel: spec.channel,
        problems: [{ path: where, message: (error as Error).message }],
      });
    }
  }
  return checks;
}
