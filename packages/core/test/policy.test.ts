import { describe, expect, it } from "vitest";
import { isReguaError, ValidationError } from "../src/errors.js";
import { parsePolicy, SAMPLE_POLICY_YAML } from "../src/policy/index.js";

const MINIMAL = `timezone: America/Sao_Paulo
steps:
  - id: d3
    offsetDays: 3
    channel: wa
    template: { name: fatura_vencida }
    variables:
      "1": customer.firstName
`;

function parseError(text: string, fileName = "policy.yaml"): ValidationError {
  try {
    parsePolicy(text, fileName);
  } catch (error) {
    expect(isReguaError(error)).toBe(true);
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error("expected parsePolicy to throw");
}

describe("parsePolicy", () => {
  it("reads the sample régua with its defaults", () => {
    const policy = parsePolicy(SAMPLE_POLICY_YAML, "policy.yaml");
    expect(policy.timezone).toBe("America/Sao_Paulo");
    expect(policy.steps.map((s) => s.id)).toEqual([
      "lembrete-d-3",
      "vencimento-d0",
      "vencida-d3",
      "vencida-d7",
      "vencida-d15",
      "escalar-d15",
      "juridico-d30",
    ]);
    expect(policy.steps[0]?.template).toEqual({ name: "lembrete_vencimento", language: "pt_BR" });
    expect(policy.window).toMatchObject({ sun: null });
    expect(policy.holidays).toEqual({ country: "BR", state: "SP", types: ["public"], extra: [] });
    expect(policy.lifecycle.paymentConfirmation?.template.name).toBe("confirmacao_pagamento");
    expect(policy.steps.find((s) => s.id === "escalar-d15")?.escalate).toEqual({
      queue: "cobranca",
      target: "operator",
    });
  });

  it("fills defaults for a minimal policy", () => {
    const policy = parsePolicy(MINIMAL, "p.yaml");
    expect(policy.currency).toBe("BRL");
    expect(policy.locale).toBe("pt-BR");
    expect(policy.grouping).toBe("invoice");
    expect(policy.catchUp).toBe("latest");
    expect(policy.caps).toEqual({ perCustomerPerDay: 1, perCustomerPerWeek: 3 });
    expect(policy.window).toMatchObject({ mon: "08:00-20:00" });
    expect(policy.steps[0]?.action).toBe("message");
    expect(policy.steps[0]?.template?.language).toBe("pt_BR");
    expect(policy.steps[0]?.conditions).toEqual({});
  });

  it("reads JSON too", () => {
    const json = JSON.stringify({
      timezone: "America/Sao_Paulo",
      steps: [{ id: "d0", offsetDays: 0, channel: "wa", template: { name: "vencimento_hoje" } }],
    });
    expect(parsePolicy(json, "policy.json").steps[0]?.id).toBe("d0");
  });

  it("names file, line, column and path for a wrong type", () => {
    const text = MINIMAL.replace("offsetDays: 3", 'offsetDays: "three"');
    const error = parseError(text);
    expect(error.message).toBe("policy.yaml:4:17 steps[0].offsetDays: expected number, received string");
    expect(error.where).toBe("policy.yaml:4:17");
    expect(error.issues[0]?.path).toBe("steps[0].offsetDays");
  });

  it("points at the line of the third step", () => {
    const text = `${MINIMAL}  - id: d7
    offsetDays: 7
    channel: wa
    template: { name: fatura_vencida }
  - id: d15
    offsetDays: 15.5
    channel: wa
    template: { name: fatura_vencida }
`;
    expect(parseError(text).message).toMatch(/^policy\.yaml:14:17 steps\[2\]\.offsetDays: /);
  });

  it("reports YAML syntax errors with their position", () => {
    const error = parseError("timezone: America/Sao_Paulo\nsteps:\n  - id: [unclosed\n", "bad.yaml");
    expect(error.message).toMatch(/^bad\.yaml:\d+:\d+ /);
    expect(error.where).toMatch(/^bad\.yaml:\d+:\d+$/);
  });

  it("rejects noReplyTo naming an unknown step, at that list item", () => {
    const text = `${MINIMAL}    conditions:
      noReplyTo: [d3, d99]
`;
    const error = parseError(text);
    expect(error.message).toMatch(
      /policy\.yaml:10:23 steps\[0\]\.conditions\.noReplyTo\[1\]: unknown step "d99"/,
    );
  });

  it("rejects duplicate step ids", () => {
    const text = `${MINIMAL}  - id: d3
    offsetDays: 5
    channel: wa
    template: { name: fatura_vencida }
`;
    expect(parseError(text).message).toMatch(/:9:\d+ steps\[1\]\.id: duplicate step id "d3"/);
  });

  it("rejects unknown keys at the key, and typos in variable sources", () => {
    expect(parseError(`${MINIMAL}grupping: customer\n`).message).toMatch(
      /policy\.yaml:9:1 \(root\): .*grupping/,
    );
    const typo = parseError(MINIMAL.replace("customer.firstName", "customer.fristName"));
    expect(typo.message).toMatch(/steps\[0\]\.variables\.1: unknown variable source "customer\.fristName"/);
  });

  it("requires channel and template on message steps, escalate on escalate steps", () => {
    const error = parseError(`timezone: America/Sao_Paulo
steps:
  - { id: a, offsetDays: 1 }
  - { id: b, offsetDays: 2, action: escalate }
`);
    expect(error.issues.map((i) => i.path)).toEqual([
      "steps[0].channel",
      "steps[0].template",
      "steps[1].escalate",
    ]);
  });

  it("checks time zone, window, amounts and holiday region", () => {
    expect(parseError(MINIMAL.replace("America/Sao_Paulo", "Mars/Olympus")).message).toMatch(
      /timezone: .*IANA/,
    );
    expect(parseError(`${MINIMAL}window: { mon: "20:00-08:00" }\n`).message).toMatch(/window\.mon: /);
    expect(parseError(`${MINIMAL}holidays: { country: BR, state: XX }\n`).message).toMatch(
      /holidays\.state: /,
    );
    const amount = `${MINIMAL}    conditions: { minOpenAmount: "10.005" }\n`;
    expect(parseError(amount).message).toMatch(/minOpenAmount: BRL has 2 decimal places/);
  });

  it("requires at least one step and one open weekday", () => {
    expect(parseError("timezone: America/Sao_Paulo\nsteps: []\n").issues[0]?.path).toBe("steps");
    const closed = `${MINIMAL}window: { mon: null, tue: null, wed: null, thu: null, fri: null }\n`;
    expect(parseError(closed).message).toMatch(/window: at least one weekday/);
  });
});

describe("parsePolicy error order", () => {
  it("lists every problem in file order", () => {
    const error = parseError(`timezone: America/Sao_Paulo
grouping: everyone
steps:
  - id: a
    offsetDays: x
    channel: wa
    template: { name: ok }
catchUp: never
`);
    expect(error.issues.map((i) => i.path)).toEqual(["grouping", "steps[0].offsetDays", "catchUp"]);
    expect(error.message.split("\n").map((line) => line.split(" ")[0])).toEqual([
      "policy.yaml:2:11",
      "policy.yaml:5:17",
      "policy.yaml:8:10",
    ]);
  });
});
