import type { HttpClient } from "@regua/connector-kit";
import { type CollectionActivity, fromZodError } from "@regua/core";
import { AcmeActivityAnswer } from "./schemas.js";

/**
 * Writes one collection contact into Acme as an activity on the customer. Acme dedupes on the
 * `Idempotency-Key` header (201 the first time, 200 with the same id after), so a retry after a
 * timeout never writes twice and the kit may retry the POST.
 */
export async function writeActivity(
  http: HttpClient,
  activity: CollectionActivity,
): Promise<{ externalId: string; created: boolean }> {
  const response = await http.request({
    method: "POST",
    url: "activities",
    headers: { "Idempotency-Key": activity.key },
    idempotent: true,
    data: {
      customer_id: activity.customerRef,
      invoice_ids: activity.invoiceRefs,
      occurred_at: activity.occurredAt,
      kind: activity.kind,
      channel: activity.channel,
      subject: activity.subject,
      details: activity.details,
    },
  });
  const answer = AcmeActivityAnswer.safeParse(response.data);
  if (!answer.success) throw fromZodError(answer.error, "acme: POST /api/activities answer");
  return { externalId: answer.data.id, created: response.status === 201 };
}
