import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { classifyReply, normalizeReply } from "../src/reply.js";

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
        expect(["opt_out", "already_paid", "talk_to_human", "other"]).toContain(classifyReply(text));
      }),
    );
  });
});
