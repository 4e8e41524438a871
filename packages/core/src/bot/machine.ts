import { brazilianTaxIdKind, normalizeTaxId } from "../tax-id.js";
import {
  firstName,
  invoiceList,
  menu,
  menuOptions,
  negotiationLink,
  pickInvoice,
  pickOption,
  say,
  text,
} from "./replies.js";
import { type BotSettings, botText, enabledMenu } from "./settings.js";
import { fillText } from "./texts.js";
import type {
  BotAction,
  BotCustomer,
  BotInput,
  BotInvoice,
  BotReply,
  BotState,
  BotTurn,
  FoundCustomer,
} from "./types.js";

/**
 * The self-service bot as a pure function: the conversation's state and what just happened
 * (a message, or the answer to a lookup the bot asked for) → the next state and what to do.
 * No I/O, no clock: @regua/bot runs the actions and feeds their answers back as inputs.
 */
export function botTurn(settings: BotSettings, state: BotState | null, input: BotInput): BotTurn {
  if (input.type === "timeout") {
    if (state?.step === "closed" || state?.step === "handed_off") return { state, actions: [] };
    return {
      state: { step: "closed" },
      actions: [
        { type: "reply", reply: say(settings, "closing") },
        { type: "close", reason: "idle" },
      ],
    };
  }
  if (state === null) return start(settings, input);
  switch (state.step) {
    case "ask_tax_id":
      return askTaxId(settings, state, input);
    case "verify":
      return verify(settings, state, input);
    case "invoices":
      return chooseInvoice(settings, state, input);
    case "menu":
      return chooseOption(settings, state, input);
    default:
      // handed_off, closed: an operator has it, or it is over.
      return { state, actions: [] };
  }
}

const reply = (r: BotReply): BotAction => ({ type: "reply", reply: r });

/** The first message: welcome; a valid CPF/CNPJ in it is looked up at once. */
function start(settings: BotSettings, input: BotInput): BotTurn {
  const welcome = reply(say(settings, "welcome"));
  const taxId = input.type === "message" ? taxIdIn(input.text) : null;
  if (taxId) return { state: { step: "ask_tax_id", tries: 0 }, actions: [welcome, lookup(taxId)] };
  return {
    state: { step: "ask_tax_id", tries: 0 },
    actions: [welcome, reply(say(settings, "askTaxId"))],
  };
}

/**
 * A CPF or CNPJ in what the customer typed, normalised, when its check digits are right:
 * "529.982.247-25", "52998224725", "meu cpf é 529 982 247 25", "12.ABC.345/01DE-35".
 */
export function taxIdIn(typed: string): string | null {
  const whole = normalizeTaxId(typed.trim());
  if (brazilianTaxIdKind(whole)) return whole;
  const digits = typed.replace(/\D/g, "");
  if ((digits.length === 11 || digits.length === 14) && brazilianTaxIdKind(digits)) return digits;
  return null;
}

const lookup = (taxId: string): BotAction => ({ type: "find_customers", taxId });

function askTaxId(
  settings: BotSettings,
  state: { step: "ask_tax_id"; tries: number },
  input: BotInput,
): BotTurn {
  if (input.type === "lookup_refused") {
    return {
      state,
      actions: [reply(say(settings, input.reason === "rate_limited" ? "lookupLimited" : "lookupFailed"))],
    };
  }
  if (input.type === "customers") return found(settings, state, input.taxId, input.found);
  if (input.type !== "message") return { state, actions: [] };
  const taxId = taxIdIn(input.text);
  if (taxId) return { state, actions: [lookup(taxId)] };
  return wrong(settings, state.tries + 1, "invalidTaxId", (tries) => ({ step: "ask_tax_id", tries }));
}

/** One more wrong answer: ask again with the tries left, or give up after the last. */
function wrong(
  settings: BotSettings,
  tries: number,
  key: "invalidTaxId" | "notFound" | "factorWrong",
  next: (tries: number) => BotState,
): BotTurn {
  if (tries >= settings.maxTries) return giveUp(settings, "tooManyTries");
  return { state: next(tries), actions: [reply(say(settings, key, { left: settings.maxTries - tries }))] };
}

/** To an operator when the menu offers one, else closed. */
function giveUp(settings: BotSettings, why: "tooManyTries" | "cannotShowDetails"): BotTurn {
  const actions: BotAction[] = [reply(say(settings, why))];
  if (enabledMenu(settings).includes("operator")) {
    actions.push(reply(say(settings, "handOff")), { type: "hand_off" });
    return { state: { step: "handed_off" }, actions };
  }
  actions.push({ type: "close", reason: "finished" });
  return { state: { step: "closed" }, actions };
}

/**
 * The privacy rule: details only for a number registered for the customer; otherwise the
 * tenant's second factor, or an operator (never the debts of a CPF someone merely typed).
 */
function found(
  settings: BotSettings,
  state: { step: "ask_tax_id"; tries: number },
  taxId: string,
  customers: FoundCustomer[],
): BotTurn {
  if (customers.length === 0) {
    return wrong(settings, state.tries + 1, "notFound", (tries) => ({ step: "ask_tax_id", tries }));
  }
  const owner = customers.find((c) => c.phoneMatches);
  if (owner) return identified(stripMatch(owner));
  if (settings.secondFactor === "none") return giveUp(settings, "cannotShowDetails");
  const ask = settings.secondFactor === "birth_date" ? "askBirthDate" : "askPostalCode";
  return { state: { step: "verify", tries: 0, taxId }, actions: [reply(say(settings, ask))] };
}

function stripMatch({ phoneMatches: _, ...customer }: FoundCustomer): BotCustomer {
  return customer;
}

function identified(customer: BotCustomer): BotTurn {
  return {
    state: { step: "invoices", customer, invoices: [] },
    actions: [
      { type: "identified", customer },
      { type: "list_invoices", customer },
    ],
  };
}

function verify(
  settings: BotSettings,
  state: { step: "verify"; tries: number; taxId: string },
  input: BotInput,
): BotTurn {
  if (input.type === "factor_checked") {
    if (input.customer) return identified(input.customer);
    return wrong(settings, state.tries + 1, "factorWrong", (tries) => ({ ...state, tries }));
  }
  if (input.type === "lookup_refused") return { state, actions: [reply(say(settings, "lookupFailed"))] };
  if (input.type !== "message" || settings.secondFactor === "none") return { state, actions: [] };
  const answer = settings.secondFactor === "birth_date" ? birthDateIn(input.text) : postalCodeIn(input.text);
  if (answer === null)
    return wrong(settings, state.tries + 1, "factorWrong", (tries) => ({ ...state, tries }));
  return {
    state,
    actions: [{ type: "check_factor", taxId: state.taxId, factor: settings.secondFactor, answer }],
  };
}

/** "21/07/1984", "21071984", "21-07-1984" or "1984-07-21" → "1984-07-21"; null otherwise. */
export function birthDateIn(typed: string): string | null {
  const value = typed.trim();
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const local = /^(\d{2})[/.-]?(\d{2})[/.-]?(\d{4})$/.exec(value);
  const [year, month, day] = iso ? [iso[1], iso[2], iso[3]] : local ? [local[3], local[2], local[1]] : [];
  if (!year || !month || !day) return null;
  const date = new Date(`${year}-${month}-${day}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== `${year}-${month}-${day}`)
    return null;
  return `${year}-${month}-${day}`;
}

/** A postcode compared by its letters and digits: "89010-100" → "89010100". */
export function postalCodeIn(typed: string): string | null {
  const value = typed.toUpperCase().replace(/[^0-9A-Z]/g, "");
  return value.length >= 3 && value.length <= 10 ? value : null;
}

function chooseInvoice(
  settings: BotSettings,
  state: { step: "invoices"; customer: BotCustomer; invoices: BotInvoice[] },
  input: BotInput,
): BotTurn {
  if (input.type === "invoices") {
    const invoices = [...input.invoices].sort((a, b) => a.dueDate.localeCompare(b.dueDate));
    if (invoices.length === 0) {
      return {
        state: { step: "menu", customer: state.customer, invoices, chosen: null },
        actions: [reply(menu(settings, state.customer, invoices, null))],
      };
    }
    if (invoices.length === 1) return showMenu(settings, state.customer, invoices, invoices[0] ?? null);
    return {
      state: { step: "invoices", customer: state.customer, invoices },
      actions: [reply(invoiceList(settings, state.customer, invoices))],
    };
  }
  if (input.type === "lookup_refused") return { state, actions: [reply(say(settings, "lookupFailed"))] };
  if (input.type !== "message") return { state, actions: [] };
  const chosen = pickInvoice(state.invoices, input);
  if (!chosen) {
    return {
      state,
      actions: [
        reply(say(settings, "notUnderstood")),
        reply(invoiceList(settings, state.customer, state.invoices)),
      ],
    };
  }
  return showMenu(settings, state.customer, state.invoices, chosen);
}

function showMenu(
  settings: BotSettings,
  customer: BotCustomer,
  invoices: BotInvoice[],
  chosen: BotInvoice | null,
): BotTurn {
  return {
    state: { step: "menu", customer, invoices, chosen: chosen?.ref ?? null },
    actions: [reply(menu(settings, customer, invoices, chosen))],
  };
}

function chooseOption(
  settings: BotSettings,
  state: { step: "menu"; customer: BotCustomer; invoices: BotInvoice[]; chosen: string | null },
  input: BotInput,
): BotTurn {
  const { customer, invoices } = state;
  const chosen = invoices.find((i) => i.ref === state.chosen) ?? null;
  if (input.type !== "message") return { state, actions: [] };
  const options = menuOptions(settings, invoices, chosen);
  const option = pickOption(settings, options, input);
  const again = reply(menu(settings, customer, invoices, chosen));
  const stay = (...actions: BotAction[]): BotTurn => ({ state, actions: [...actions, again] });
  switch (option) {
    case "barcode":
      if (!chosen?.boletoLine)
        return stay(reply(say(settings, "barcodeMissing", { number: chosen?.number ?? "" })));
      // The line alone in its own message, so it can be copied with one tap.
      return stay(reply(say(settings, "barcode", { number: chosen.number })), reply(text(chosen.boletoLine)));
    case "boleto":
      return stay(documentAction(settings, "boleto_pdf", customer, chosen ? [chosen] : []));
    case "agreement": {
      const latestFirst = [...invoices].sort((a, b) => b.dueDate.localeCompare(a.dueDate));
      return stay(documentAction(settings, "agreement_term", customer, latestFirst));
    }
    case "statement": {
      const caption = fillText(botText(settings, "statementCaption"), { name: customer.name });
      return stay({ type: "send_statement", customer, invoices, caption });
    }
    case "negotiation":
      return stay(
        reply(say(settings, "negotiation", { url: negotiationLink(settings, customer, chosen) ?? "" })),
      );
    case "otherInvoice":
      return {
        state: { step: "invoices", customer, invoices },
        actions: [reply(invoiceList(settings, customer, invoices))],
      };
    case "operator":
      return {
        state: { step: "handed_off" },
        actions: [reply(say(settings, "handOff")), { type: "hand_off" }],
      };
    case "restart":
      return { state: { step: "ask_tax_id", tries: 0 }, actions: [reply(say(settings, "askTaxId"))] };
    default: {
      // A new CPF/CNPJ typed at the menu starts over with it.
      const taxId = taxIdIn(input.text);
      if (taxId && !input.payload)
        return { state: { step: "ask_tax_id", tries: 0 }, actions: [lookup(taxId)] };
      return stay(reply(say(settings, "notUnderstood", { name: firstName(customer.name) })));
    }
  }
}

function documentAction(
  settings: BotSettings,
  document: "boleto_pdf" | "agreement_term",
  customer: BotCustomer,
  invoices: BotInvoice[],
): BotAction {
  return {
    type: "send_document",
    document,
    customer,
    invoices,
    missing: botText(settings, "documentMissing"),
  };
}
