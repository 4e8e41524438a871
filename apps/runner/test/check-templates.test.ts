import { type Channel, parsePolicy, SAMPLE_POLICY_YAML, type TemplateMessage } from "@regua/core";
import { describe, expect, it } from "vitest";
import { checkPolicyTemplates } from "../src/commands/check-templates.js";

const FATURA_VENCIDA = "    template: { name: fatura_vencida, language: pt_BR }\n";
const policyWithButtons = SAMPLE_POLICY_YAML.replace(
  FATURA_VENCIDA,
  `${FATURA_VENCIDA}    buttons:\n      - { index: 0, type: copy_code, source: invoice.pixCode }\n`,
);

function recordingChannel(problemsFor: (t: TemplateMessage) => { path: string; message: string }[]) {
  const checked: TemplateMessage[] = [];
  const channel = {
    async checkTemplate(template: TemplateMessage) {
      checked.push(template);
      return problemsFor(template);
    },
  } as unknown as Channel;
  return { channel, checked };
}

describe("checkPolicyTemplates", () => {
  it("has a sample policy to add buttons to", () => {
    expect(policyWithButtons).not.toBe(SAMPLE_POLICY_YAML);
  });

  it("asks the channel about every message template, shaped as the policy renders it", async () => {
    const { channel, checked } = recordingChannel((t) =>
      t.name === "fatura_vencida" ? [{ path: "body", message: "expected 4 parameters" }] : [],
    );
    const results = await checkPolicyTemplates(
      parsePolicy(policyWithButtons, "policy.yaml"),
      new Map([["wa", channel]]),
    );
    expect(checked.map((t) => t.name)).toEqual([
      "lembrete_vencimento",
      "vencimento_hoje",
      "fatura_vencida",
      "fatura_vencida_lembrete",
      "fatura_vencida_aviso",
      "confirmacao_pagamento",
      "acordo_renegociacao",
    ]);
    const vencida = checked.find((t) => t.name === "fatura_vencida");
    expect(vencida?.body).toHaveLength(5);
    expect(vencida?.buttons).toEqual([{ index: 0, subType: "copy_code", parameter: "x" }]);
    expect(checked.find((t) => t.name === "vencimento_hoje")?.header).toMatchObject({ type: "document" });
    expect(results.find((r) => r.what.endsWith(" fatura_vencida"))?.problems).toEqual([
      { path: "body", message: "expected 4 parameters" },
    ]);
  });

  it("flags messages whose channel id is not configured", async () => {
    const results = await checkPolicyTemplates(parsePolicy(SAMPLE_POLICY_YAML, "policy.yaml"), new Map());
    expect(results.length).toBeGreaterThan(0);
    expect(results.every((r) => r.problems[0]?.message === "no channel with id wa in the config")).toBe(true);
  });
});
