/**
 * What a customer's free-text reply means for dunning. Channels call this on inbound text so
 * every channel treats "PARAR" the same way. Matching ignores case and accents.
 */
export type ReplyIntent = "opt_out" | "already_paid" | "talk_to_human" | "other";

const OPT_OUT = [
  "parar",
  "pare",
  "stop",
  "sair",
  "cancelar",
  "descadastrar",
  "unsubscribe",
  "nao quero",
  "remover",
];
const PAID = ["ja paguei", "paguei", "ja foi pago", "pago", "already paid", "i paid", "comprovante"];
const HUMAN = ["atendente", "falar com", "humano", "pessoa", "ajuda", "agent", "talk to", "suporte"];

export function normalizeReply(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{Diacritic}/gu, "")
    .toLowerCase()
    .replace(/[^\p{Letter}\p{Number}\s]/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
}

export function classifyReply(text: string): ReplyIntent {
  const normalized = normalizeReply(text);
  if (normalized === "") return "other";
  // Opt-out only on a short message that is the keyword itself, so "não vou parar de pagar"
  // does not unsubscribe anyone.
  const words = normalized.split(" ");
  if (words.length <= 3 && OPT_OUT.some((k) => normalized === k || normalized.startsWith(`${k} `)))
    return "opt_out";
  if (PAID.some((k) => normalized.includes(k))) return "already_paid";
  if (HUMAN.some((k) => normalized.includes(k))) return "talk_to_human";
  return "other";
}
