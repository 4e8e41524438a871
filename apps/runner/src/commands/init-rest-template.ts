/**
 * The REST source `regua init --erp rest` writes: @regua/connector-rest's preset for a typical
 * Brazilian ERP API, spelled out so the user edits paths, fields and paging in place. Static text
 * (the runner does not depend on any connector); test/init.test.ts parses it with the
 * connector's own option schema so the two never drift apart.
 */
export const REST_SOURCE_YAML = `  # A JSON REST API: the mapping below is @regua/connector-rest's preset for a typical
  # Brazilian ERP API, spelled out so you can edit paths, fields and paging.
  - id: erp
    connector: "@regua/connector-rest"
    options:
      baseUrl: https://erp.example.com
      auth:
        type: bearer
        token:
          env: ERP_TOKEN
      system: rest-erp
      currency: BRL
      defaultRegion: BR
      resources:
        customers:
          path: /api/customers
          list: data
          paging:
            style: page
            pageParam: page
            sizeParam: per_page
            size: 100
            nextPage: meta.next_page
          since:
            param: updated_since
            format: iso
          fields:
            externalId: id
            name: name
            taxId: tax_id
            phones: phone
            email: email
            segment: segment
            value: tier
            updatedAt: updated_at
        invoices:
          path: /api/invoices
          list: data
          paging:
            style: page
            pageParam: page
            sizeParam: per_page
            size: 100
            nextPage: meta.next_page
          since:
            param: updated_since
            format: iso
          fields:
            externalId: id
            number: number
            customerRef: customer_id
            issueDate: issue_date
            dueDate: due_date
            total: total
            openAmount: balance
            currency: currency
            status: status
            boletoLine: boleto.digitable_line
            pixCode: pix.copy_paste
            updatedAt: updated_at
          statusMap:
            aberta: open
            parcial: partially_paid
            paga: paid
            cancelada: void
        payments:
          path: /api/payments
          list: data
          paging:
            style: page
            pageParam: page
            sizeParam: per_page
            size: 100
            nextPage: meta.next_page
          since:
            param: updated_since
            format: iso
          fields:
            externalId: id
            customerRef: customer_id
            date: date
            amount: amount
            allocations: allocations
            allocationInvoiceRef: invoice_id
            allocationAmount: amount
            updatedAt: updated_at
      getInvoice:
        path: /api/invoices/{id}
        record: data
      activities:
        path: /api/activities
        idempotencyHeader: Idempotency-Key
        fields:
          kind: type
          customerRef: customer_id
          invoiceRefs: invoice_ids
          occurredAt: occurred_at
          channel: channel
          providerMessageId: provider_message_id
          subject: subject
          details: description
        record: data
        id: id
      errors:
        message: error.message
        code: error.code
`;
