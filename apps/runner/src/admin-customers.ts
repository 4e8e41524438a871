import type { Clock, DunningStore, Engine } from "@regua/core";
import type { FastifyInstance } from "fastify";
import { z } from "zod";

/**
 * What an operator does about a customer from the admin API:
 * - POST /admin/customers/:source/:customerRef/release — lifts the hold a customer's "já paguei"
 *   put on their dunning before the ERP shows the payment (404 when there was none).
 * - DELETE /admin/phone-flags/:phone — clears a number a channel reported undeliverable, once the
 *   operator knows it works (the number is E.164, "+" URL-encoded as %2B).
 * Both are audited with the actor "admin".
 */
const CustomerParams = z.object({ source: z.string().min(1), customerRef: z.string().min(1) });
const PhoneParams = z.object({ phone: z.string().regex(/^\+[1-9]\d{6,14}$/, "an E.164 number") });

export function registerCustomerAdmin(
  admin: FastifyInstance,
  deps: { engine: Engine; store: DunningStore; clock: Clock },
): void {
  admin.post("/admin/customers/:source/:customerRef/release", async (req, reply) => {
    const params = CustomerParams.safeParse(req.params);
    if (!params.success) return reply.code(400).send({ error: "source and customerRef are required" });
    const { source, customerRef } = params.data;
    const released = await deps.engine.releasePaymentHold(source, customerRef, "admin");
    if (!released)
      return reply.code(404).send({ error: `${source}/${customerRef} has no "already paid" hold` });
    return { released: true };
  });

  admin.delete("/admin/phone-flags/:phone", async (req, reply) => {
    const params = PhoneParams.safeParse(req.params);
    if (!params.success) return reply.code(400).send({ error: `phone: ${params.error.issues[0]?.message}` });
    const { phone } = params.data;
    if (!(await deps.store.clearPhoneFlag(phone)))
      return reply.code(404).send({ error: `${phone} is not flagged` });
    await deps.store.appendAudit({
      at: deps.clock.now().toISOString(),
      actor: "admin",
      action: "phone.flag_cleared",
      subject: phone,
      detail: { why: "cleared by an operator" },
    });
    return { cleared: true };
  });
}
