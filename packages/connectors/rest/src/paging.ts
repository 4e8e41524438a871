import { getPath } from "./map.js";
import type { ResourceOptions } from "./options.js";

/**
 * Pure paging arithmetic for the client: where the next page starts, for each paging style,
 * and how the change marker is written in the query.
 */
export type PagePosition = string | number | null;

export interface PagedAnswer {
  data: unknown;
  headers: Record<string, string>;
}

/** A URL without its query string (which may carry keys), for messages and logs. */
export function pathOf(url: string): string {
  return url.split("?")[0] ?? url;
}

export function nextPosition(
  resource: ResourceOptions,
  position: PagePosition,
  count: number,
  answer: PagedAnswer,
): PagePosition {
  const paging = resource.paging;
  switch (paging.style) {
    case "page": {
      const current = Number(position ?? paging.firstPage);
      if (!paging.nextPage) return count < paging.size ? null : current + 1;
      const next = getPath(answer.data, paging.nextPage);
      if (next === true) return current + 1;
      return typeof next === "number" || (typeof next === "string" && /^\d+$/.test(next))
        ? Number(next)
        : null;
    }
    case "offset":
      return count < paging.size ? null : Number(position ?? 0) + count;
    case "cursor": {
      const next = getPath(answer.data, paging.next);
      const token = typeof next === "string" || typeof next === "number" ? next : null;
      return token === "" || token === position ? null : token;
    }
    case "link": {
      const next = paging.next ? getPath(answer.data, paging.next) : linkHeaderNext(answer.headers.link);
      return typeof next === "string" && next !== "" && next !== position ? next : null;
    }
    case "none":
      return null;
  }
}

/** `Link: <https://erp/api/x?page=2>; rel="next", <…>; rel="last"` (RFC 8288). */
export function linkHeaderNext(header: string | undefined): string | null {
  if (!header) return null;
  for (const part of header.split(",")) {
    const match = /<([^>]+)>\s*;(.*)/.exec(part.trim());
    if (match && /rel="?([^";]*\s)?next(\s[^";]*)?"?/i.test(match[2] ?? "")) return match[1] ?? null;
  }
  return null;
}

/** The change marker as the ERP wants it. A date-only filter starts one day early, so no zone loses a change. */
export function formatSince(iso: string, format: "iso" | "date" | "unix" | "unix_ms"): string | number {
  const ms = Date.parse(iso);
  switch (format) {
    case "iso":
      return new Date(ms).toISOString();
    case "date":
      return new Date(ms - 86_400_000).toISOString().slice(0, 10);
    case "unix":
      return Math.floor(ms / 1000);
    case "unix_ms":
      return ms;
  }
}
