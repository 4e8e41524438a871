/** How the change marker is written in the query; paging itself is @regua/connector-kit's. */

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
