/**
 * A realistic Brazilian régua, written by `regua init` and used by `regua demo`.
 * Template names follow WhatsApp's rules (lowercase, digits, underscores); their bodies are
 * approved in Meta's WhatsApp Manager with the positional parameters listed under `variables`.
 */
export const SAMPLE_POLICY_YAML = `# régua: when, how and to whom collection messages go.
version: 1
timezone: America/Sao_Paulo
currency: BRL
locale: pt-BR

# Send window per weekday, in the policy's time zone (null = no sends that day).
window:
  mon: "08:00-20:00"
  tue: "08:00-20:00"
  wed: "08:00-20:00"
  thu: "08:00-20:00"
  fri: "08:00-20:00"
  sat: "09:00-13:00"
  sun: null

# National and state holidays block sends (date-holidays). Add region: SP for the capital's
# own holidays, and extra: [{ date: "12-24", name: ... }] for closures of your own.
holidays: { country: BR, state: SP }

caps: { perCustomerPerDay: 1, perCustomerPerWeek: 3 }

# invoice: one message per invoice; customer: one message listing the customer's invoices.
grouping: invoice

# After downtime, send only the latest missed step…
catchUp: latest
# …and never one whose day passed more than 7 days ago: those are skipped (reason too_late)
# and left to an operator, so a fresh install does not escalate old debts on its first run.
catchUpMaxDays: 7

# Each step: offsetDays from the due date (negative = before), an action (message, escalate,
# pause), and for messages a channel id from regua.yaml, an approved template and where each
# template parameter comes from. Sources: customer.name, customer.firstName, invoice.number,
# invoice.openAmount, invoice.total, invoice.dueDate, invoice.boletoLine, invoice.pixCode,
# invoice.payLink, invoices.count, invoices.totalOpen, invoices.list; any other text is a
# literal ({ literal: "..." } forces one). A missing value stops the send instead of sending
# an empty parameter.
# Conditions: minOpenAmount/maxOpenAmount (decimal, policy currency), minDaysOverdue/
# maxDaysOverdue, segments, minCustomerValue/maxCustomerValue, paymentHistory (how the
# customer pays: averageDaysLate, p90DaysLate, paidEarlyShare, paidAfterReminderShare,
# brokenPromises, replies as { min, max }; docs/payment-behaviour.md), noReplyTo: [step ids].
steps:
  - id: lembrete-d-3
    offsetDays: -3
    channel: wa
    template: { name: lembrete_vencimento, language: pt_BR }
    variables:
      "1": customer.firstName
      "2": invoice.number
      "3": invoice.openAmount
      "4": invoice.dueDate
      "5": invoice.boletoLine

  - id: vencimento-d0
    offsetDays: 0
    channel: wa
    template: { name: vencimento_hoje, language: pt_BR }
    variables:
      "1": customer.firstName
      "2": invoice.openAmount
      "3": invoice.pixCode
    attachDocument: true

  - id: vencida-d3
    offsetDays: 3
    channel: wa
    template: { name: fatura_vencida, language: pt_BR }
    variables:
      "1": customer.firstName
      "2": invoice.number
      "3": invoice.openAmount
      "4": invoice.dueDate
      "5": invoice.pixCode

  - id: vencida-d7
    offsetDays: 7
    channel: wa
    template: { name: fatura_vencida_lembrete, language: pt_BR }
    variables:
      "1": customer.firstName
      "2": invoice.openAmount
      "3": invoice.boletoLine
    conditions:
      noReplyTo: [vencida-d3]

  - id: vencida-d15
    offsetDays: 15
    channel: wa
    template: { name: fatura_vencida_aviso, language: pt_BR }
    variables:
      "1": customer.firstName
      "2": invoice.number
      "3": invoice.openAmount
      "4": invoice.pixCode
    attachDocument: true

  - id: escalar-d15
    offsetDays: 15
    action: escalate
    escalate: { queue: cobranca, target: operator }
    conditions:
      minOpenAmount: "1000.00"

  - id: juridico-d30
    offsetDays: 30
    action: escalate
    escalate: { queue: juridico, target: cartorio }
    conditions:
      minOpenAmount: "200.00"

lifecycle:
  paymentConfirmation:
    channel: wa
    template: { name: confirmacao_pagamento, language: pt_BR }
    variables:
      "1": customer.firstName
      "2": invoice.number
      "3": invoice.total
  renegotiation:
    channel: wa
    template: { name: acordo_renegociacao, language: pt_BR }
    variables:
      "1": customer.firstName
      "2": invoices.totalOpen
`;
