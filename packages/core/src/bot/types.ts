import type { InteractiveContent } from "../contracts.js";
import type { Money } from "../money.js";

/** The customer the bot identified, as the conversation keeps it (no second-factor data). */
export interface BotCustomer {
  source: string;
  customerRef: string;
  name: string;
  /** Normalised CPF/CNPJ. */
  taxId: string;
}

/** What the bot shows of an open invoice, read fresh from the ERP when the list was made. */
export interface BotInvoice {
  ref: string;
  number: string;
  dueDate: string;
  openAmount: Money;
  boletoLine: string | null;
}

/**
 * Where a self-service conversation stands; JSON, kept in `Conversation.botState`.
 * - ask_tax_id: waiting for a CPF/CNPJ (`tries` wrong ones so far);
 * - verify: the number is not the customer's; waiting for the second factor;
 * - invoices: the list of open invoices was sent; waiting for a choice;
 * - menu: the menu was sent (about `chosen`, when an invoice was chosen);
 * - handed_off / closed: the bot is done.
 */
export type BotState =
  | { step: "ask_tax_id"; tries: number }
  | { step: "verify"; tries: number; taxId: string }
  | { step: "invoices"; customer: BotCustomer; invoices: BotInvoice[] }
  | { step: "menu"; customer: BotCustomer; invoices: BotInvoice[]; chosen: string | null }
  | { step: "handed_off" }
  | { step: "closed" };

export type SecondFactor = "birth_date" | "postal_code";

/** A customer found by CPF/CNPJ, and whether the WhatsApp number writing is one of theirs. */
export interface FoundCustomer extends BotCustomer {
  phoneMatches: boolean;
}

/** What happened: a message from the customer, or the answer to an action the bot asked for. */
export type BotInput =
  | { type: "message"; text: string; payload: string | null }
  | { type: "customers"; taxId: string; found: FoundCustomer[] }
  | { type: "lookup_refused"; reason: "rate_limited" | "failed" }
  | { type: "factor_checked"; customer: BotCustomer | null }
  | { type: "invoices"; invoices: BotInvoice[] }
  | { type: "timeout" };

/** A message the bot sends: text, reply buttons or a list. */
export type BotReply = { type: "text"; text: string } | InteractiveContent;

/**
 * What the bot wants done, in order. `reply` sends a message; the others ask for I/O whose
 * answer comes back as the next input (find_customers → customers, check_factor →
 * factor_checked, list_invoices → invoices) or change the conversation.
 */
export type BotAction =
  | { type: "reply"; reply: BotReply }
  | { type: "find_customers"; taxId: string }
  | { type: "check_factor"; taxId: string; factor: SecondFactor; answer: string }
  /** The conversation now belongs to this customer (its source, ref, name and tax id). */
  | { type: "identified"; customer: BotCustomer }
  | { type: "list_invoices"; customer: BotCustomer }
  /**
   * Fetch and send a document of the first of `invoices` that has one (the boleto of the chosen
   * bill; the latest agreement term); `missing` is sent when none has.
   */
  | {
      type: "send_document";
      document: "boleto_pdf" | "agreement_term";
      customer: BotCustomer;
      invoices: BotInvoice[];
      missing: string;
    }
  /** Render and send the debt statement PDF of these open invoices. */
  | { type: "send_statement"; customer: BotCustomer; invoices: BotInvoice[]; caption: string }
  /** Into the operator queue (status with_operator); the bot stays quiet from now on. */
  | { type: "hand_off" }
  | { type: "close"; reason: "idle" | "finished" };

export interface BotTurn {
  state: BotState;
  actions: BotAction[];
}
