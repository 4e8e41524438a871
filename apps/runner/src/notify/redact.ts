/**
 * Secrets a notifier holds (the SMTP password, webhook URLs and their tokens, header values) are
 * cut out of every message it logs or throws. Libraries put what they were given into their
 * errors (a URL in a connect error, a server's echo of a command): this runs over all of it.
 */
export type Redact = (text: string) => string;

export function redactor(secrets: readonly (string | undefined)[]): Redact {
  const pieces = new Set<string>();
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    pieces.add(secret);
    pieces.add(encodeURIComponent(secret));
    for (const part of urlSecrets(secret)) pieces.add(part);
  }
  // Longest first, so a URL goes as a whole before its path does.
  const ordered = [...pieces].filter((p) => p.length >= 4).sort((a, b) => b.length - a.length);
  return (text) => ordered.reduce((out, piece) => out.split(piece).join("[redacted]"), text);
}

/** A webhook URL's path and query are its token (Slack: /services/T…/B…/secret; Teams: ?sig=…). */
function urlSecrets(value: string): string[] {
  if (!/^https?:\/\//i.test(value)) return [];
  try {
    const url = new URL(value);
    const parts = [url.pathname + url.search, url.pathname, url.search.slice(1)];
    for (const segment of url.pathname.split("/")) if (segment.length >= 8) parts.push(segment);
    for (const param of url.searchParams.values()) if (param.length >= 8) parts.push(param);
    return parts.filter((p) => p.length > 1 && p !== "/");
  } catch {
    return [];
  }
}

/** The text of any thrown value, redacted. */
export function describeRedacted(error: unknown, redact: Redact): string {
  const text = error instanceof Error ? error.message : String(error);
  return redact(text);
}
