import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  classifyReply,
  intentFromPayload,
  normalizeReply,
  promiseDate,
  replyIntent,
  replyPayload,
} from "../src/reply.js";

describe("classifyReply", () => {
  it.each([
    ["PARAR", "opt_out"],
    ["Pare.", "opt_out"],
    ["stop", "opt_out"],
    ["Não quero", "opt_out"],
    ["sair por favor", "opt_out"],
    ["Já paguei!", "already_paid"],
    ["segue o comprovante", "already_paid"],
    ["quero falar com um atendente", "talk_to_human"],
    ["Bom dia", "other"],
    ["", "other"],
    ["não vou parar de pagar minhas contas", "other"],
    ["pago dia 10", "promise_to_pay"],
    ["Vou pagar sexta", "promise_to_pay"],
    ["pagarei amanhã", "promise_to_pay"],
    ["já paguei dia 10", "already_paid"],
    ["já está pago", "already_paid"],
  ])("%j → %s", (text, intent) => {
    expect(classifyReply(text)).toBe(intent);
  });

  it("ignores case, accents and punctuation", () => {
    expect(normalizeReply("  JÁ   Paguéi!!! ")).toBe("ja paguei");
    fc.assert(
      fc.property(
        fc.constantFrom("parar", "já paguei", "atendente", "bom dia"),
        fc.boolean(),
        (text, upper) => {
          const variant = `${upper ? text.toUpperCase() : text}!`;
          expect(classifyReply(variant)).toBe(classifyReply(text));
        },
      ),
    );
  });

  it("only opts out on short messages", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom("eu", "vou", "continuar", "pagando"), { minLength: 3, maxLength: 8 }),
        (words) => {
          expect(classifyReply(`parar ${words.join(" ")}`)).not.toBe("opt_out");
        },
      ),
    );
  });

  it("never throws, whatever arrives", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (text) => {
        expect(["opt_out", "already_paid", "promise_to_pay", "talk_to_human", "other"]).toContain(
          classifyReply(text),
        );
      }),
    );
  });
});

describe("button payloads", () => {
  it("decide the intent whatever the button's visible title says", () => {
    expect(replyIntent({ payload: "regua:paid", text: "Já paguei" })).toBe("already_paid");
    expect(replyIntent({ payload: "regua:paid", text: "Ya pagué" })).toBe("already_paid");
    expect(replyIntent({ payload: "regua:agent", text: "Falar com alguém" })).toBe("talk_to_human");
    expect(replyIntent({ payload: "regua:stop", text: "Não quero mais receber" })).toBe("opt_out");
    expect(replyIntent({ payload: "regua:promise:2026-12-10", text: "Pago no dia 10" })).toBe(
      "promise_to_pay",
    );
  });

  it("leave the text to decide when régua did not set them", () => {
    expect(intentFromPayload("Unsubscribe")).toBeNull();
    expect(intentFromPayload("regua:unknown")).toBeNull();
    expect(intentFromPayload("regua:paid:2026-12-10")).toBeNull();
    expect(replyIntent({ payload: "cancel-button", text: "PARAR" })).toBe("opt_out");
    expect(replyIntent({ payload: null, text: "Bom dia" })).toBe("other");
  });

  it("of the self-service bot's menu never carry an intent, whatever the title", () => {
    expect(replyIntent({ payload: "regua-bot:menu:operator", text: "Falar com atendente" })).toBe("other");
    expect(replyIntent({ payload: "regua-bot:menu:paid", text: "Já paguei" })).toBe("other");
    expect(replyIntent({ payload: "regua-bot:x", text: "PARAR" })).toBe("other");
  });

  it("round-trip through replyPayload", () => {
    expect(replyPayload("paid")).toBe("regua:paid");
    expect(replyPayload("promise", "2026-12-10")).toBe("regua:promise:2026-12-10");
    expect(() => replyPayload("promise", "10/12")).toThrow(RangeError);
    for (const button of ["paid", "promise", "agent", "stop"] as const) {
      expect(intentFromPayload(replyPayload(button))).not.toBeNull();
    }
  });
});

describe("promiseDate", () => {
  // 2026-03-10 is a Tuesday.
  it.each([
    ["vou pagar amanhã", "2026-03-11"],
    ["pago hoje", "2026-03-10"],
    ["pago depois de amanhã", "2026-03-12"],
    ["vou pagar sexta", "2026-03-13"],
    ["pago na terça-feira", "2026-03-10"],
    ["pago segunda", "2026-03-16"],
    ["pago dia 20", "2026-03-20"],
    ["pago dia 5", "2026-04-05"],
    ["pago dia 31", "2026-03-31"],
    ["pagarei 15/04", "2026-04-15"],
    ["pagarei 05/01", "2027-01-05"],
    ["pagarei 05/01/2027", "2027-01-05"],
    ["vou pagar", null],
    ["pagarei 31/02", null],
  ])("%j → %s", (text, date) => {
    expect(promiseDate({ text }, "2026-03-10")).toBe(date);
  });

  it("takes a payload's date over the text", () => {
    expect(promiseDate({ payload: "regua:promise:2026-04-01", text: "amanhã" }, "2026-03-10")).toBe(
      "2026-04-01",
    );
  });

  it("clamps the day of month to the next month's end", () => {
    expect(promiseDate({ text: "pago dia 31" }, "2026-04-30")).toBe("2026-04-30");
    expect(promiseDate({ text: "pago dia 30" }, "2027-01-31")).toBe("2027-02-28");
  });
});
