import type { OutboundMessage } from "@regua/core";

export const DEFAULT_CONFORMANCE_MESSAGE: OutboundMessage = {
  actionKey: "conformance:invoice-1:step-d0:2026-03-15",
  to: "+5511987654321",
  template: {
    name: "regua_lembrete",
    language: "pt_BR",
    body: [
      { type: "text", text: "Maria" },
      { type: "currency", amount: { amountMinor: 12345, currency: "BRL" }, fallback: "R$ 123,45" },
    ],
  },
  preview: "Olá Maria, sua fatura de R$ 123,45 vence hoje.",
};
