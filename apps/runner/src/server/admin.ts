import type { Clock, DunningStore, Engine } from "@regua/core";
import { ACTION_STATUSES, fromZodError } from "@regua/core";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { registerCustomerAdmin } from "../admin-customers.js";
import { renderDashboard } from "../dashboard.js";
import { loadCharts } from "../reports/load-charts.js";
import { registerReportsPage } from "../reports/page.js";
import type { ReportsConfig } from "../reports/schema.js";

const AdminActionsQuery = z.strictObject({
  status: z
    .string()
    .optional()
    .transform((s) => (s ? s.split(",") : undefined))
    .pipe(z.array(z.enum(ACTION_STATUSES)).optional()),
  source: z.string().optional(),
  customer: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export interface AdminOptions {
  engine: Engine;
  store: DunningStore;
  clock: Clock;
  /** onRequest guard: answers 401/429 itself and returns the reply when the token is wrong. */
  authorize: (req: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;
  /** `reports:` from regua.yaml, for the /reports page. */
  reports?: ReportsConfig | undefined;
}

/** /admin/* and the dashboard at /: always behind the admin token (the server refuses to start without one). */
export function registerAdmin(app: FastifyInstance, o: AdminOptions): void {
  app.register(async (admin) => {
    admin.addHook("onRequest", o.authorize);
    admin.get("/admin/actions", async (req, reply) => {
      const query = AdminActionsQuery.safeParse(req.query);
      if (!query.success) return reply.code(400).send({ error: fromZodError(query.error, "query").message });
      const { status, source, customer, limit } = query.data;
      return o.store.listActions({
        limit,
        ...(status ? { status } : {}),
        ...(source ? { source } : {}),
        ...(customer ? { customerRef: customer } : {}),
      });
    });
    admin.get("/admin/report", async () => o.store.report(o.clock.now().toISOString()));
    registerCustomerAdmin(admin, { engine: o.engine, store: o.store, clock: o.clock });
    registerReportsPage(admin, {
      store: o.store,
      clock: o.clock,
      config: o.reports,
      loadCharts: () => loadCharts(),
    });
    admin.get("/", async (_req, reply) => {
      const now = o.clock.now().toISOString();
      return reply.type("text/html; charset=utf-8").send(renderDashboard(await o.store.report(now), now));
    });
  });
}
