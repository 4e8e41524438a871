/**
 * A régua for an internet provider, in IXC Provedor's vocabulary: its steps are named after
 * IXC's message kinds (Pré-cobrança/Lembrete, Aviso de Cobrança, Questionamento de Pendência,
 * Aviso de Bloqueio, Cobrança Presencial, Crédito/Cartório) and its lifecycle messages after
 * IXC's Baixa, Cancelamento, Renegociação and Remover negativações. The templates are Opa! Suite
 * templates, addressed by their atalho; the variables are positional ({{1}}, {{2}}, …).
 * "Agendar Pagamento" (the customer schedules a payment) arrives as a reply, not as a step.
 */
export const IXC_ISP_POLICY_YAML = `# régua for an ISP on IXC Provedor + Opa! Suite.
version: 1
timezone: America/Sao_Paulo
currency: BRL
locale: pt-BR

# IXC's own sending hours for collections: weekdays 8h-20h, Saturday mornings.
# IXC's cron fields (minute hour day month weekday): weekdays 08:00–20:00, Saturdays 08:00–12:00.
window: ["* 8-19 * * 1-5", "* 8-11 * * 6"]
holidays: { country: BR }
caps: { perCustomerPerDay: 1, perCustomerPerWeek: 3 }
grouping: invoice
catchUp: latest
catchUpMaxDays: 7

steps:
  # Pré-cobrança / Lembrete: the boleto line before the due date.
  - id: pre-cobranca
    offsetDays: -3
    channel: opa
    template: { name: lembrete_vencimento }
    variables: { "1": customer.firstName, "2": invoice.openAmount, "3": invoice.dueDate, "4": invoice.boletoLine }

  # Aviso de Cobrança: the day after the due date, with the PIX code.
  - id: aviso-de-cobranca
    offsetDays: 1
    channel: opa
    template: { name: aviso_cobranca }
    variables: { "1": customer.firstName, "2": invoice.openAmount, "3": invoice.dueDate, "4": invoice.pixCode }

  # Questionamento de Pendência: no answer to the notice? Ask whether something is wrong.
  - id: questionamento-de-pendencia
    offsetDays: 5
    channel: opa
    template: { name: questionamento_pendencia }
    variables: { "1": customer.firstName, "2": invoice.number }
    conditions: { noReplyTo: [aviso-de-cobranca] }

  # Aviso de Bloqueio: the warning before IXC suspends the connection (not once it is blocked).
  - id: aviso-de-bloqueio
    offsetDays: 10
    channel: opa
    template: { name: aviso_bloqueio }
    variables: { "1": customer.firstName, "2": invoice.openAmount, "3": invoice.dueDate, "4": invoice.pixCode }
    conditions: { notTags: ["ixc:bloqueado"] }

  # Cobrança Presencial: a visit by the field team (an IXC ticket for the collections sector).
  - id: cobranca-presencial
    offsetDays: 20
    action: escalate
    escalate: { queue: cobranca-presencial, target: operator }
    conditions: { minOpenAmount: "50.00" }

  # Crédito / Cartório: protest and credit bureaus, with the legal team.
  - id: credito-cartorio
    offsetDays: 45
    action: escalate
    escalate: { queue: credito-cartorio, target: cartorio }
    conditions: { minOpenAmount: "200.00" }

lifecycle:
  # Baixa: the receivable turned R (received) in IXC; the connection is unblocked.
  paymentConfirmation:
    channel: opa
    template: { name: baixa_pagamento }
    variables: { "1": customer.firstName, "2": invoice.total }
  # Cancelamento: the receivable turned C (cancelled) — never confirmed as a payment.
  cancellation:
    channel: opa
    template: { name: cancelamento_titulo }
    variables: { "1": customer.firstName, "2": invoice.number }
  # Renegociação: new receivables replace this one.
  renegotiation:
    channel: opa
    template: { name: renegociacao }
    variables: { "1": customer.firstName, "2": invoices.totalOpen }
  # Remover negativações: paid after a credit-bureau record; the record is being removed.
  negativeRecordRemoval:
    channel: opa
    template: { name: remover_negativacao }
    variables: { "1": customer.firstName }
`;
