import { PermanentError, ValidationError } from "@regua/core";
import type { KitResponse } from "./classify.js";
import { type HttpClient, type KitRequest, pathOf, type QueryParams } from "./http.js";

/** How the request for one page differs from the listing's base request. */
export interface PagePatch {
  /** Replaces the URL, and drops the base params (a next link already carries them). */
  url?: string;
  params?: QueryParams;
  headers?: Record<string, string>;
  /**
   * Replaces the body: RPC APIs carry the page position in the call itself (Odoo's search_read
   * domain, offset and limit), not in the URL.
   */
  data?: unknown;
}

export interface PageContext<Token> {
  response: KitResponse;
  items: readonly unknown[];
  /** The token this page was requested with (null: the first page). */
  token: Token | null;
  /** The absolute URL the page came from, to resolve relative links against. */
  url: string;
}

/**
 * A paging style as two pure functions: where a token goes in the request, and which token
 * follows a page (null: that was the last page). The kit owns the loop.
 */
export interface PageStrategy<Token> {
  request(token: Token | null): PagePatch;
  next(page: PageContext<Token>): Token | null;
}

export interface PageOf<Token> {
  items: unknown[];
  /** Where to resume after this page; store it in the checkpoint once the page is committed. */
  next: Token | null;
  response: KitResponse;
}

export interface PaginateOptions<Token> {
  /** A token from a checkpoint: the listing continues there. */
  resume?: Token | null;
  /** The page's records in the body (`(r) => r.data.value` for OData). */
  select(response: KitResponse): unknown;
}

/**
 * Pages through a listing with one strategy, from `resume` or the start. A token seen twice is an
 * error (a server that loops would otherwise be listed forever).
 */
export async function* paginate<Token>(
  http: HttpClient,
  base: KitRequest,
  strategy: PageStrategy<Token>,
  options: PaginateOptions<Token>,
): AsyncGenerator<PageOf<Token>> {
  let token: Token | null = options.resume ?? null;
  const seen = new Map<string, number>();
  for (let page = 1; ; page++) {
    if (token !== null) seen.set(JSON.stringify(token), page);
    const patch = strategy.request(token);
    const request: KitRequest = {
      ...base,
      url: patch.url ?? base.url,
      params: patch.url ? { ...patch.params } : { ...base.params, ...patch.params },
      headers: { ...base.headers, ...patch.headers },
      ...(patch.data === undefined ? {} : { data: patch.data }),
    };
    const response = await http.request(request);
    const items = options.select(response);
    if (!Array.isArray(items)) {
      throw new ValidationError(
        `${http.system}: ${base.method} ${pathOf(base.url)} page ${page}: expected an array of records`,
        [],
        {
          provider: { system: http.system, status: response.status },
        },
      );
    }
    const url = new URL(request.url, http.baseURL.replace(/\/?$/, "/")).toString();
    const next = strategy.next({ response, items, token, url });
    if (next !== null && seen.has(JSON.stringify(next))) {
      // The token itself is not printed: next links may carry an access token.
      throw new PermanentError(
        `${http.system}: ${base.method} ${pathOf(base.url)}: page ${page} points back to page ${seen.get(JSON.stringify(next))}; stopping instead of looping`,
        { provider: { system: http.system }, reason: "repeated token" },
      );
    }
    yield { items, next, response };
    if (next === null) return;
    token = next;
  }
}
