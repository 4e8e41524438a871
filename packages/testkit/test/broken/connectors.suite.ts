import {
  type Connector,
  type ConnectorDefinition,
  type Invoice,
  type Page,
  PermanentError,
} from "@regua/core";
import {
  CONNECTOR_SUITES,
  createMemoryChannel,
  createMemoryConnector,
  describeChannelConformance,
  describeConnectorConformance,
  listSuite,
} from "../../src/index.js";
import { sampleData } from "../data.js";

/** Wraps a memory connector's definition so one behaviour is broken. */
function broken<T extends ConnectorDefinition>(definition: T, patch: (connector: Connector) => Connector): T {
  return { ...definition, create: async (options, ctx) => patch(await definition.create(options, ctx)) } as T;
}

async function* mapPages<T>(pages: AsyncIterable<Page<T>>, fn: (page: Page<T>, index: number) => Page<T>) {
  let i = 0;
  for await (const page of pages) yield fn(page, i++);
}

function suite(name: string, patch: (connector: Connector) => Connector) {
  const memory = createMemoryConnector(sampleData(), { pageSize: 3 });
  describeConnectorConformance({
    name,
    definition: broken(memory.definition, patch),
    setup: () => memory,
    options: {},
    mutate: (m, invoice: Invoice) => m.markPaid(invoice.externalId),
    holds: (m) => m.ids(),
    remove: (m, invoice: Invoice) => m.remove("invoices", invoice.externalId),
    // Only the duplicates check is disabled, with its reason; the resume suite still fails.
    ...(name === "duplicates across pages, no-duplicates check disabled"
      ? {
          suites: CONNECTOR_SUITES.map((s) =>
            s === listSuite ? listSuite({ disable: { noDuplicates: "a reason shown in the report" } }) : s(),
          ),
        }
      : {}),
  });
}

suite("duplicates across pages", (c) => ({
  ...c,
  listInvoices: (q) =>
    mapPages(c.listInvoices(q), (page, i) =>
      i === 1 ? { ...page, items: [...page.items, ...page.items.slice(0, 1)] } : page,
    ),
}));

suite("duplicates across pages, no-duplicates check disabled", (c) => ({
  ...c,
  listInvoices: (q) =>
    mapPages(c.listInvoices(q), (page, i) =>
      i === 1 ? { ...page, items: [...page.items, ...page.items.slice(0, 1)] } : page,
    ),
}));

// A mapper that writes money as decimal reais (12.5) instead of integer minor units (1250).
suite("broken mapper", (c) => ({
  ...c,
  listInvoices: (q) =>
    mapPages(c.listInvoices(q), (page) => ({
      ...page,
      items: page.items.map((x) => ({ ...x, total: { ...x.total, amountMinor: x.total.amountMinor / 100 } })),
    })),
}));

// A paginator that skips the second page (an off-by-one in the page token).
suite("loses a page", (c) => ({
  ...c,
  listInvoices: (q) =>
    (async function* () {
      let i = 0;
      for await (const page of c.listInvoices(q)) if (i++ !== 1 || q.cursor) yield page;
    })(),
}));

// A connector serving invoices from a cache it never invalidates: a deleted invoice stays open.
suite("ignores a deletion", (c) => {
  const seen = new Map<string, Invoice>();
  return {
    ...c,
    listInvoices: (q) =>
      (async function* () {
        const listed = new Set<string>();
        let last: Page<Invoice> | undefined;
        for await (const page of c.listInvoices(q)) {
          for (const invoice of page.items) {
            seen.set(invoice.externalId, invoice);
            listed.add(invoice.externalId);
          }
          if (last) yield last;
          last = page;
        }
        const stale = [...seen.values()].filter((invoice) => !listed.has(invoice.externalId));
        if (last) yield q.cursor ? last : { ...last, items: [...last.items, ...stale] };
      })(),
    getInvoice: async (id) => (await c.getInvoice!(id)) ?? seen.get(id) ?? null,
  };
});

suite("unhealthy", (c) => ({ ...c, healthCheck: async () => ({ ok: false, detail: "down" }) }));

suite("wrong source tag", (c) => ({
  ...c,
  listCustomers: (q) =>
    mapPages(c.listCustomers(q), (page) => ({
      ...page,
      items: page.items.map((x) => ({ ...x, source: "other" })),
    })),
}));

suite("writes twice", (c) => {
  let n = 0;
  return { ...c, writeActivity: async () => ({ externalId: `a${++n}`, created: true }) };
});

suite("stale getInvoice", (c) => {
  const first = new Map<string, Invoice | null>();
  return {
    ...c,
    getInvoice: async (id) => {
      if (!first.has(id)) first.set(id, (await c.getInvoice!(id)) ?? null);
      return first.get(id) ?? null;
    },
  };
});

// A mapper that reads the wrong stamp: a paid invoice looks older than its open copy, so the
// store (newest wins) would keep the open one.
suite("stamps a change older than the record", (c) => {
  const backdate = (invoice: Invoice): Invoice =>
    invoice.status === "paid" ? { ...invoice, updatedAt: "2000-01-01T00:00:00.000Z" } : invoice;
  return {
    ...c,
    listInvoices: (q) =>
      mapPages(c.listInvoices(q), (page) => ({ ...page, items: page.items.map(backdate) })),
    getInvoice: async (id) => {
      const invoice = await c.getInvoice!(id);
      return invoice && backdate(invoice);
    },
  };
});

suite("declares payments without listPayments", (c) => {
  const { listPayments: _gone, ...rest } = c;
  return rest as Connector;
});

const memory = createMemoryConnector(sampleData(), { pageSize: 3, token: "right" });
describeConnectorConformance({
  name: "auth fails with a plain Error",
  definition: broken(memory.definition, (c) => ({
    ...c,
    listCustomers: () => {
      throw new Error("401");
    },
  })),
  setup: () => memory,
  options: { token: "right" },
  badCredentials: { token: "wrong" },
});

const channel = createMemoryChannel();
describeChannelConformance({
  name: "channel whose webhook accepts anything and errors without provider code",
  definition: {
    ...channel.definition,
    create: async (o, ctx) => {
      const real = await channel.definition.create(o, ctx);
      return { ...real, webhook: { verify: () => true, parse: real.webhook!.parse } };
    },
  },
  setup: () => channel,
  options: {},
  webhookRequest: (m, sent) => m.emitStatus(sent.providerMessageId, "read").request,
  providerError: (m) => {
    m.failNext(new PermanentError("refused"));
    return undefined;
  },
});

suite("documents of another kind", (c) => ({
  ...c,
  getDocument: async (invoice, kind) => {
    const document = await c.getDocument?.(invoice, kind);
    return document ? { ...document, kind: kind === "pix_code" ? "payment_link" : "pix_code" } : null;
  },
}));

suite("open invoices of everybody", (c) => ({
  ...c,
  listOpenInvoices: async (customerRef) => {
    const mine = (await c.listOpenInvoices?.(customerRef)) ?? [];
    const other = await c.listOpenInvoices?.(customerRef === "C1" ? "C2" : "C1");
    return [...mine, ...(other ?? [])];
  },
}));
