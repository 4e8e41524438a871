/**
 * What the self-service bot says, per language. A tenant overrides any of these in config
 * (`bot.texts`); `{name}`-style placeholders are filled by the machine.
 */
export const BOT_LANGUAGES = ["pt-BR", "es", "en"] as const;
export type BotLanguage = (typeof BOT_LANGUAGES)[number];

export const BOT_TEXT_KEYS = [
  "welcome",
  "askTaxId",
  "invalidTaxId",
  "tooManyTries",
  "notFound",
  "lookupLimited",
  "lookupFailed",
  "askBirthDate",
  "askPostalCode",
  "factorWrong",
  "cannotShowDetails",
  "noOpenInvoices",
  "invoicesBody",
  "invoicesButton",
  "invoiceRow",
  "menuBody",
  "menuButton",
  "barcode",
  "barcodeMissing",
  "documentMissing",
  "statementCaption",
  "negotiation",
  "handOff",
  "notUnderstood",
  "closing",
] as const;
export type BotTextKey = (typeof BOT_TEXT_KEYS)[number];

export const BOT_MENU_OPTIONS = [
  "barcode",
  "boleto",
  "statement",
  "negotiation",
  "agreement",
  "otherInvoice",
  "operator",
  "restart",
] as const;
export type BotMenuOption = (typeof BOT_MENU_OPTIONS)[number];

type Texts = Record<BotTextKey, string>;
type Labels = Record<BotMenuOption, string>;

const PT_BR: Texts = {
  welcome:
    "Olá! Sou o assistente virtual de {company}. Posso enviar a 2ª via, o código de barras e o extrato dos seus débitos.",
  askTaxId: "Para começar, informe o CPF ou CNPJ do titular (só os números, ou com pontos e traço).",
  invalidTaxId:
    "Esse CPF/CNPJ não é válido. Confira os números e envie de novo ({left} tentativa(s) restante(s)).",
  tooManyTries: "Não consegui validar os dados informados.",
  notFound:
    "Não encontrei cadastro com esse CPF/CNPJ. Confira e envie de novo ({left} tentativa(s) restante(s)).",
  lookupLimited: "Muitas consultas seguidas a partir deste número. Tente de novo mais tarde.",
  lookupFailed: "Não consegui consultar o sistema agora. Tente de novo em alguns minutos.",
  askBirthDate: "Para sua segurança, confirme a data de nascimento do titular (DD/MM/AAAA).",
  askPostalCode: "Para sua segurança, confirme o CEP do endereço de cobrança.",
  factorWrong: "Os dados não conferem ({left} tentativa(s) restante(s)).",
  cannotShowDetails: "Por segurança, só mostramos os débitos para um telefone cadastrado pelo titular.",
  noOpenInvoices: "{name}, não há faturas em aberto. Obrigado!",
  invoicesBody: "{name}, encontrei {count} fatura(s) em aberto{more}. Escolha uma:",
  invoicesButton: "Ver faturas",
  invoiceRow: "Vence {due} · {amount}",
  menuBody: "Fatura {number}, {amount}, vencimento {due}. O que deseja?",
  menuButton: "Opções",
  barcode: "Linha digitável da fatura {number}:",
  barcodeMissing: "A fatura {number} ainda não tem código de barras.",
  documentMissing: "Esse documento não está disponível agora.",
  statementCaption: "Extrato de débitos de {name}",
  negotiation: "Negocie online: {url}",
  handOff: "Vou transferir você para um de nossos atendentes. Aguarde, por favor.",
  notUnderstood: "Não entendi. Escolha uma das opções, por favor.",
  closing: "Encerramos este atendimento por falta de resposta. Se precisar, é só mandar uma mensagem.",
};

const PT_BR_LABELS: Labels = {
  barcode: "Código de barras",
  boleto: "Boleto (PDF)",
  statement: "Extrato de débitos",
  negotiation: "Negociar online",
  agreement: "Termo de acordo",
  otherInvoice: "Outra fatura",
  operator: "Falar com atendente",
  restart: "Consultar outro CPF",
};

const ES: Texts = {
  welcome:
    "¡Hola! Soy el asistente virtual de {company}. Puedo enviarle la segunda vía, el código de barras y el estado de cuenta.",
  askTaxId: "Para comenzar, informe el CPF o CNPJ del titular.",
  invalidTaxId: "Ese CPF/CNPJ no es válido. Revíselo y envíelo de nuevo ({left} intento(s) restante(s)).",
  tooManyTries: "No pude validar los datos informados.",
  notFound:
    "No encontré un registro con ese CPF/CNPJ. Revíselo y envíelo de nuevo ({left} intento(s) restante(s)).",
  lookupLimited: "Demasiadas consultas seguidas desde este número. Intente más tarde.",
  lookupFailed: "No pude consultar el sistema ahora. Intente de nuevo en unos minutos.",
  askBirthDate: "Por su seguridad, confirme la fecha de nacimiento del titular (DD/MM/AAAA).",
  askPostalCode: "Por su seguridad, confirme el código postal de la dirección de cobro.",
  factorWrong: "Los datos no coinciden ({left} intento(s) restante(s)).",
  cannotShowDetails: "Por seguridad, solo mostramos las deudas a un teléfono registrado por el titular.",
  noOpenInvoices: "{name}, no hay facturas pendientes. ¡Gracias!",
  invoicesBody: "{name}, encontré {count} factura(s) pendiente(s){more}. Elija una:",
  invoicesButton: "Ver facturas",
  invoiceRow: "Vence {due} · {amount}",
  menuBody: "Factura {number}, {amount}, vencimiento {due}. ¿Qué desea?",
  menuButton: "Opciones",
  barcode: "Línea digitable de la factura {number}:",
  barcodeMissing: "La factura {number} todavía no tiene código de barras.",
  documentMissing: "Ese documento no está disponible ahora.",
  statementCaption: "Estado de cuenta de {name}",
  negotiation: "Negocie en línea: {url}",
  handOff: "Le transfiero a uno de nuestros agentes. Espere, por favor.",
  notUnderstood: "No entendí. Elija una de las opciones, por favor.",
  closing: "Cerramos esta atención por falta de respuesta. Si lo necesita, envíenos un mensaje.",
};

const ES_LABELS: Labels = {
  barcode: "Código de barras",
  boleto: "Boleto (PDF)",
  statement: "Estado de cuenta",
  negotiation: "Negociar en línea",
  agreement: "Término de acuerdo",
  otherInvoice: "Otra factura",
  operator: "Hablar con agente",
  restart: "Consultar otro CPF",
};

const EN: Texts = {
  welcome:
    "Hello! I am {company}'s virtual assistant. I can send your bill, its barcode line and a statement of what is due.",
  askTaxId: "To start, please send the account holder's CPF or CNPJ.",
  invalidTaxId: "That CPF/CNPJ is not valid. Please check it and send it again ({left} attempt(s) left).",
  tooManyTries: "I could not validate the details you sent.",
  notFound:
    "I found no account with that CPF/CNPJ. Please check it and send it again ({left} attempt(s) left).",
  lookupLimited: "Too many lookups from this number. Please try again later.",
  lookupFailed: "I cannot reach our system right now. Please try again in a few minutes.",
  askBirthDate: "For your security, please confirm the account holder's date of birth (DD/MM/YYYY).",
  askPostalCode: "For your security, please confirm the billing address's postcode.",
  factorWrong: "That does not match ({left} attempt(s) left).",
  cannotShowDetails: "For security, we only show what is due to a phone the account holder registered.",
  noOpenInvoices: "{name}, there are no open bills. Thank you!",
  invoicesBody: "{name}, I found {count} open bill(s){more}. Choose one:",
  invoicesButton: "See bills",
  invoiceRow: "Due {due} · {amount}",
  menuBody: "Bill {number}, {amount}, due {due}. What would you like?",
  menuButton: "Options",
  barcode: "Barcode line of bill {number}:",
  barcodeMissing: "Bill {number} has no barcode line yet.",
  documentMissing: "That document is not available right now.",
  statementCaption: "Statement of {name}",
  negotiation: "Negotiate online: {url}",
  handOff: "I am passing you to one of our agents. Please wait.",
  notUnderstood: "Sorry, I did not understand. Please choose one of the options.",
  closing: "We closed this chat for lack of an answer. Write to us any time.",
};

const EN_LABELS: Labels = {
  barcode: "Barcode line",
  boleto: "Bill (PDF)",
  statement: "Statement",
  negotiation: "Negotiate online",
  agreement: "Agreement term",
  otherInvoice: "Another bill",
  operator: "Talk to an agent",
  restart: "Another CPF/CNPJ",
};

export const DEFAULT_BOT_TEXTS: Record<BotLanguage, Texts> = { "pt-BR": PT_BR, es: ES, en: EN };
export const DEFAULT_MENU_LABELS: Record<BotLanguage, Labels> = {
  "pt-BR": PT_BR_LABELS,
  es: ES_LABELS,
  en: EN_LABELS,
};

/** "{name}" → values.name; unknown placeholders stay as they are, so a typo shows in review. */
export function fillText(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) =>
    key in values ? String(values[key]) : whole,
  );
}
