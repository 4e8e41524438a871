import LinkHeader from "http-link-header";
import type { KitResponse } from "./classify.js";
import type { QueryParams } from "./http.js";
import type { PageStrategy } from "./paginate.js";

/** Reads a value from a response (the body, a header); connectors pass a dotted-path getter. */
export type Pick = (response: KitResponse) => unknown;

const sizeParams = (sizeParam: string | undefined, size: number | undefined): QueryParams =>
  sizeParam && size ? { [sizeParam]: size } : {};

const isToken = (value: unknown): value is string | number =>
  (typeof value === "string" && value !== "") || (typeof value === "number" && Number.isFinite(value));

/**
 * `?page=N&size=S`. Without `more`, a short page is the last; with it, the body says: true for
 * "there is a next page", a number for the next page's number, anything else for "done".
 */
export function pageNumber(options: {
  param: string;
  sizeParam: string;
  size: number;
  first?: number;
  more?: Pick;
}): PageStrategy<number> {
  const first = options.first ?? 1;
  return {
    request: (page) => ({ params: { [options.param]: page ?? first, [options.sizeParam]: options.size } }),
    next: ({ response, items, token }) => {
      const current = token ?? first;
      if (!options.more) return items.length < options.size ? null : current + 1;
      const more = options.more(response);
      if (more === true) return current + 1;
      const number = typeof more === "string" && /^\d+$/.test(more) ? Number(more) : more;
      return typeof number === "number" && Number.isInteger(number) ? number : null;
    },
  };
}

/** `?offset=N&limit=S`; a short page is the last. */
export function offsetLimit(options: {
  offsetParam: string;
  limitParam: string;
  size: number;
}): PageStrategy<number> {
  return {
    request: (offset) => ({
      params: { [options.offsetParam]: offset ?? 0, [options.limitParam]: options.size },
    }),
    next: ({ items, token }) => (items.length < options.size ? null : (token ?? 0) + items.length),
  };
}

/** OData v4 `@odata.nextLink`, OData v3 (SAP B1 v1) `odata.nextLink`. */
const odataNextLink: Pick = (response) => {
  const body = response.data as Record<string, unknown> | null;
  return typeof body === "object" && body !== null
    ? (body["@odata.nextLink"] ?? body["odata.nextLink"])
    : undefined;
};

/**
 * A next link the server puts in the body (default: OData's nextLink). The link replaces the URL
 * and its query; `resolve` rewrites it first (e.g. to a path relative to the baseURL).
 */
export function nextLink(
  options: { select?: Pick; resolve?: (link: string) => string; sizeParam?: string; size?: number } = {},
): PageStrategy<string> {
  const select = options.select ?? odataNextLink;
  return {
    request: (link) =>
      link === null ? { params: sizeParams(options.sizeParam, options.size) } : { url: link },
    next: ({ response }) => {
      const link = select(response);
      if (typeof link !== "string" || link === "") return null;
      return options.resolve ? options.resolve(link) : link;
    },
  };
}

/** An opaque cursor from the body, sent back as `param`; an empty page or no cursor ends it. */
export function cursor(options: {
  param: string;
  select: Pick;
  sizeParam?: string;
  size?: number;
}): PageStrategy<string | number> {
  return {
    request: (token) => ({
      params: {
        ...sizeParams(options.sizeParam, options.size),
        ...(token === null ? {} : { [options.param]: token }),
      },
    }),
    next: ({ response, items }) => {
      const token = options.select(response);
      return items.length > 0 && isToken(token) ? token : null;
    },
  };
}

/**
 * RFC 8288 `Link: <…>; rel="next"` (GitHub, Shopify, Zendesk). Parsed with http-link-header;
 * a relative target is resolved against the page's URL, as RFC 8288 §3.2 says.
 */
export function linkHeader(
  options: { rel?: string; sizeParam?: string; size?: number } = {},
): PageStrategy<string> {
  const rel = options.rel ?? "next";
  return {
    request: (link) =>
      link === null ? { params: sizeParams(options.sizeParam, options.size) } : { url: link },
    next: ({ response, url }) => {
      const header = response.headers.link;
      if (!header) return null;
      const target = LinkHeader.parse(header).rel(rel)[0]?.uri;
      return target ? new URL(target, url).toString() : null;
    },
  };
}
