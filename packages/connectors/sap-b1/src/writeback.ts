import { createHash } from "node:crypto";
import { type CollectionActivity, isReguaError, type Logger } from "@regua/core";
import type { ServiceLayerClient } from "./client.js";
import { activityNotes } from "./map.js";
import type { SapB1Options } from "./options.js";
import { ActivityRef, Collection } from "./schemas.js";

/**
 * Contacts become Activities (EntitySet Activities, EntityType Activity in SAPB1-v{1,2}.edmx):
 * linked to the business partner (CardCode) and the first invoice (DocType "13" = A/R invoice,
 * DocEntry — an Edm.String there), Notes carrying what was sent and its status.
 * The kind of activity is `Activity` in v1 and `ActivityProperty` in v2 (BoActivities enum,
 * cn_Conversation = a conversation with the customer).
 * Idempotency: Details (254 characters in OCLG) starts with "regua:<hash of the key>", looked
 * up with `startswith` before creating, so a retry after a lost answer finds the first write.
 */
export function activityMarker(key: string): string {
  return `regua:${createHash("sha256").update(key).digest("base64url").slice(0, 22)}`;
}

const DETAILS_MAX = 254;

function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export class ActivityWriter {
  constructor(
    private readonly client: ServiceLayerClient,
    private readonly options: SapB1Options,
    private readonly log: Logger,
  ) {}

  async write(activity: CollectionActivity): Promise<{ externalId: string; created: boolean }> {
    const marker = activityMarker(activity.key);
    const existing = await this.find(activity.customerRef, marker);
    if (existing !== null) return { externalId: existing, created: false };
    const body = this.body(activity, marker);
    const invoice = activity.invoiceRefs[0];
    if (!invoice || !/^\d+$/.test(invoice)) return { externalId: await this.create(body), created: true };
    try {
      return { externalId: await this.create({ ...body, DocType: "13", DocEntry: invoice }), created: true };
    } catch (error) {
      if (!isReguaError(error) || error.code !== "VALIDATION") throw error;
      // Some installations refuse the document link (authorisations, closed period, add-ons):
      // keep the contact on the partner rather than lose it.
      this.log.warn(
        {
          event: "sap-b1.activity_link_rejected",
          cardCode: activity.customerRef,
          docEntry: invoice,
          error: error.describe(),
        },
        "Service Layer rejected the invoice link; writing a partner-level activity",
      );
      return { externalId: await this.create(body), created: true };
    }
  }

  // GET /Activities?$filter=CardCode eq '…' and startswith(Details,'regua:…')
  private async find(cardCode: string, marker: string): Promise<string | null> {
    const answer = await this.client.get("Activities", {
      $select: "ActivityCode",
      $filter: `CardCode eq ${odataString(cardCode)} and startswith(Details,${odataString(marker)})`,
      $top: 1,
    });
    const first = Collection.parse(answer).value[0];
    return first === undefined ? null : String(ActivityRef.parse(first).ActivityCode);
  }

  private body(activity: CollectionActivity, marker: string): Record<string, unknown> {
    const at = new Date(activity.occurredAt).toISOString();
    const day = at.slice(0, 10);
    const kindProperty = this.options.version === "v1" ? "Activity" : "ActivityProperty";
    const body: Record<string, unknown> = {
      CardCode: activity.customerRef,
      [kindProperty]: "cn_Conversation",
      ActivityDate: this.options.version === "v1" ? day : `${day}T00:00:00Z`,
      ActivityTime: at.slice(11, 19),
      Details: `${marker} ${activity.subject}`.slice(0, DETAILS_MAX),
      Notes: activityNotes(activity),
      Closed: "tYES",
    };
    const { activityType, subject, handledBy } = this.options.activity;
    if (activityType !== undefined) body.ActivityType = activityType;
    if (subject !== undefined) body.Subject = subject;
    if (handledBy !== undefined) body.HandledBy = handledBy;
    return body;
  }

  // POST /Activities — not retried here: a lost answer is found by the lookup on the next try.
  private async create(body: Record<string, unknown>): Promise<string> {
    const answer = await this.client.request({ method: "POST", url: "Activities", data: body, retry: false });
    return String(ActivityRef.parse(answer.data).ActivityCode);
  }
}
