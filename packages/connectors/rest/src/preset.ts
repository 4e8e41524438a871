import type { RestConnectorOptionsInput } from "./options.js";

/**
 * Options matching @regua/test-fixtures' fake REST ERP exactly (and a typical Brazilian ERP
 * API): bearer token, `/api/<resource>?updated_since=&page=&per_page=` with `{ data, meta }`,
 * decimals as strings, Portuguese statuses, activities with an Idempotency-Key header.
 * `regua demo` starts the fake and passes `restErpPreset(erp.url, token)`.
 */
export function restErpPreset(baseUrl: string, token: string, pageSize = 100): RestConnectorOptionsInput {
  const paging = {
    style: "page",
    pageParam: "page",
    sizeParam: "per_page",
    size: pageSize,
    nextPage: "meta.next_page",
  } as const;
  const since = { param: "updated_since", format: "iso" } as const;
  return {
    baseUrl,
    auth: { type: "bearer", token },
    system: "rest-erp",
    currency: "BRL",
    defaultRegion: "BR",
    resources: {
      customers: {
        path: "/api/customers",
        list: "data",
        paging,
        since,
        fields: {
          externalId: "id",
          name: "name",
          taxId: "tax_id",
          phones: "phone",
          email: "email",
          segment: "segment",
          value: "tier",
          updatedAt: "updated_at",
        },
      },
      invoices: {
        path: "/api/invoices",
        list: "data",
        paging,
        since,
        fields: {
          externalId: "id",
          number: "number",
          customerRef: "customer_id",
          issueDate: "issue_date",
          dueDate: "due_date",
          total: "total",
          openAmount: "balance",
          currency: "currency",
          status: "status",
          boletoLine: "boleto.digitable_line",
          pixCode: "pix.copy_paste",
          updatedAt: "updated_at",
        },
        statusMap: { aberta: "open", parcial: "partially_paid", paga: "paid", cancelada: "void" },
      },
      payments: {
        path: "/api/payments",
        list: "data",
        paging,
        since,
        fields: {
          externalId: "id",
          customerRef: "customer_id",
          date: "date",
          amount: "amount",
          allocations: "allocations",
          allocationInvoiceRef: "invoice_id",
          allocationAmount: "amount",
          updatedAt: "updated_at",
        },
      },
    },
    getInvoice: { path: "/api/invoices/{id}", record: "data" },
    activities: {
      path: "/api/activities",
      idempotencyHeader: "Idempotency-Key",
      fields: {
        kind: "type",
        customerRef: "customer_id",
        invoiceRefs: "invoice_ids",
        occurredAt: "occurred_at",
        channel: "channel",
        providerMessageId: "provider_message_id",
        subject: "subject",
        details: "description",
      },
      record: "data",
      id: "id",
    },
    errors: { message: "error.message", code: "error.code" },
  };
}
