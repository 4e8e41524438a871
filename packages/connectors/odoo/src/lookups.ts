import { type Customer, type Invoice, isDunnable, normalizeTaxId } from "@regua/core";
import { invoicesOf, MOVE_FIELDS, type OdooSource, PARTNER_DOMAIN, partnerFields } from "./listings.js";
import { mapCustomer } from "./map.js";
import { mapRows } from "./pages.js";
import { Partner } from "./schemas.js";

/** How a CPF/CNPJ may be written in res.partner.vat: bare, punctuated (l10n_br), with "BR". */
function vatSpellings(digits: string): string[] {
  const d = digits;
  const punctuated =
    d.length === 14
      ? `${d.slice(0, 2)}.${d.slice(2, 5)}.${d.slice(5, 8)}/${d.slice(8, 12)}-${d.slice(12)}`
      : d.length === 11
        ? `${d.slice(0, 3)}.${d.slice(3, 6)}.${d.slice(6, 9)}-${d.slice(9)}`
        : d;
  return [...new Set([d, punctuated, `BR${d}`, `BR${punctuated}`])];
}

/** The commercial partners whose vat is this tax id, read now. */
export async function findCustomersByTaxId(source: OdooSource, taxId: string): Promise<Customer[]> {
  const wanted = normalizeTaxId(taxId);
  if (!wanted) return [];
  const rows = await source.client.call({
    model: "res.partner",
    method: "search_read",
    kwargs: {
      domain: [...PARTNER_DOMAIN, ["vat", "in", vatSpellings(wanted)]],
      fields: await partnerFields(source),
      limit: 50,
    },
    readOnly: true,
  });
  const { items } = mapRows(
    Array.isArray(rows) ? rows : [],
    Partner,
    (p) => mapCustomer(p, source.context),
    "customers",
  );
  return items.filter((c) => c.taxId !== null && normalizeTaxId(c.taxId) === wanted);
}

/** The customer's invoices still owed, read now: posted, not paid, not in payment, not reversed. */
export async function listOpenInvoices(source: OdooSource, customerRef: string): Promise<Invoice[]> {
  if (!/^\d+$/.test(customerRef)) return [];
  const rows = await source.client.call({
    model: "account.move",
    method: "search_read",
    kwargs: {
      domain: [
        ["move_type", "=", "out_invoice"],
        ["state", "=", "posted"],
        ["commercial_partner_id", "=", Number(customerRef)],
        ["payment_state", "in", ["not_paid", "partial", "blocked"]],
      ],
      fields: MOVE_FIELDS,
      order: "invoice_date_due asc, id asc",
    },
    readOnly: true,
  });
  const { items } = await invoicesOf(source, Array.isArray(rows) ? rows : []);
  return items.filter((invoice) => isDunnable(invoice.status));
}
