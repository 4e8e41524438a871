import {
  createHttpClient,
  cursor,
  defineCheckpoint,
  type HttpClient,
  type KitResponse,
  mapRows,
  pageOf,
  paginate,
  type Verdict,
} from "@regua/connector-kit";
import { type EntityName, fromZodError, type ListQuery, type Page, type PluginContext } from "@regua/core";
import { z } from "zod";
import type { MapContext } from "./map.js";
import type { AcmeOptions } from "./options.js";
import { AcmeError, AcmePage } from "./schemas.js";

export const SYSTEM = "acme";

/**
 * Acme's error body names its own code ("invalid_token", "not_found"): keep it on the error so a
 * log line says what the vendor said. The kit's status table decides the class (401 → AUTH,
 * 429 → RATE_LIMIT honouring Retry-After, 503 → TRANSIENT and retried).
 */
export function classifyAcme(response: KitResponse): Verdict | undefined {
  if (response.status < 400) return undefined;
  const body = AcmeError.safeParse(response.data);
  return body.success ? { code: body.data.error.code, message: body.data.error.message } : undefined;
}

export function createAcmeHttp(options: AcmeOptions, ctx: PluginContext): HttpClient {
  return createHttpClient(
    {
      system: SYSTEM,
      baseURL: `${options.baseUrl}/api/`,
      headers: { Authorization: `Bearer ${options.token}`, Accept: "application/json" },
      limits: { perSecond: options.requestsPerSecond },
      classify: classifyAcme,
    },
    ctx,
  );
}

/**
 * Where a listing resumes: the page cursor Acme gave (mid-listing), the `updated_since` the
 * listing runs with, and the newest `updated_at` seen so far (the next listing's `updated_since`).
 */
const checkpoint = defineCheckpoint({
  kind: "regua-connector-acme",
  version: 1,
  schema: z.object({
    page: z.string().nullable(),
    since: z.string().nullable(),
    newest: z.string().nullable(),
  }),
});

export interface Listing<TRow, TOut> {
  entity: EntityName;
  path: string;
  schema: z.ZodType<TRow & { updated_at: string }>;
  map: (row: TRow, ctx: MapContext) => TOut;
}

/**
 * One entity's listing: cursor paging through the kit (retries, rate limit, error mapping),
 * every row parsed and mapped (a bad row becomes a reject naming its id and field), and a
 * checkpoint after each page. A listing that finishes hands its newest stamp to the next one,
 * which asks only for what changed since (`updated_since` is inclusive, so nothing is missed).
 */
export async function* listEntity<TRow, TOut>(
  http: HttpClient,
  options: AcmeOptions,
  map: MapContext,
  listing: Listing<TRow, TOut>,
  query: ListQuery,
): AsyncGenerator<Page<TOut>> {
  const where = `${map.source} ${listing.entity}`;
  const start = checkpoint.decode(query.cursor, where) ?? { page: null, since: null, newest: null };
  let newest = start.newest;
  const pages = paginate(
    http,
    { method: "GET", url: listing.path, params: start.since ? { updated_since: start.since } : {} },
    cursor({ param: "cursor", sizeParam: "limit", size: options.pageSize, select: nextCursorOf }),
    { resume: start.page, select: (response) => parsePage(response, where).data },
  );
  for await (const page of pages) {
    const { items, rejects, parsed } = mapRows(page.items, {
      entity: listing.entity,
      schema: listing.schema,
      map: (row) => listing.map(row, map),
    });
    for (const row of parsed) if (newest === null || row.updated_at > newest) newest = row.updated_at;
    const next =
      page.next === null
        ? { page: null, since: newest, newest }
        : { page: String(page.next), since: start.since, newest };
    yield pageOf(items, rejects, checkpoint.encode(next));
  }
}

function parsePage(response: KitResponse, where: string): z.infer<typeof AcmePage> {
  const body = AcmePage.safeParse(response.data);
  if (!body.success) throw fromZodError(body.error, `${SYSTEM}: ${where} page`);
  return body.data;
}

const nextCursorOf = (response: KitResponse): unknown => AcmePage.safeParse(response.data).data?.next_cursor;
