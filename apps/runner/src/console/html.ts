import { escapeHtml } from "../reports/html.js";

/**
 * Server-rendered HTML: `html\`…\`` escapes every interpolated value unless it is itself an
 * `Html` (a fragment built the same way, or `trusted()` markup), so a customer's name or a
 * message body can never become markup.
 */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Part = Html | string | number | boolean | null | undefined | readonly Part[];

function render(part: Part): string {
  if (part === null || part === undefined || part === false) return "";
  if (part instanceof Html) return part.text;
  if (Array.isArray(part)) return part.map(render).join("");
  return escapeHtml(String(part));
}

export function html(strings: TemplateStringsArray, ...parts: Part[]): Html {
  let out = strings[0] ?? "";
  for (let i = 0; i < parts.length; i++) out += render(parts[i] as Part) + (strings[i + 1] ?? "");
  return new Html(out);
}

/** Markup the code itself wrote (never data). */
export const trusted = (text: string): Html => new Html(text);

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,sans-serif;color:#1d1d1f;background:#f6f7f9}
a{color:#0b57d0}header{display:flex;gap:16px;align-items:center;padding:8px 16px;background:#12344d;color:#fff;flex-wrap:wrap}
header a{color:#fff}header nav{display:flex;gap:12px;flex:1}main{padding:16px;max-width:1400px;margin:0 auto}
:focus-visible{outline:3px solid #f5a623;outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;color:#000;padding:4px;z-index:9}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border-bottom:1px solid #e3e3e3;padding:6px 8px;text-align:left;vertical-align:top}
form.inline{display:inline}label{display:block;font-weight:600;margin:8px 0 2px}input,select,textarea,button{font:inherit}
input,select,textarea{padding:6px;border:1px solid #999;border-radius:4px;max-width:100%}
button{padding:6px 12px;border-radius:4px;border:1px solid #0b57d0;background:#0b57d0;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#0b57d0}.filters{display:flex;gap:12px;flex-wrap:wrap;align-items:end;margin-bottom:12px}
.filters label{margin:0}.layout{display:grid;grid-template-columns:minmax(0,2fr) minmax(280px,1fr);gap:16px}
@media (max-width:900px){.layout{grid-template-columns:1fr}}
.panel{background:#fff;border:1px solid #ddd;border-radius:6px;padding:12px;margin-bottom:12px}
.messages{list-style:none;padding:0;margin:0;max-height:55vh;overflow:auto}
.messages li{margin:6px 0;padding:8px;border-radius:6px;max-width:80%}
.messages li.inbound{background:#eef1f5}.messages li.outbound{background:#dcf3e4;margin-left:auto}
.meta{font-size:12px;color:#555}.ticks{font-weight:700;color:#0b57d0}.error{color:#b00020}
.window-open{color:#137333}.window-closed{color:#b00020}.badge{display:inline-block;padding:0 6px;border-radius:8px;background:#e8eaed;font-size:12px}
`;

/**
 * htmx 2 swaps 2xx only by default; the console answers a refused action with its 4xx and the
 * panel saying why, so 4xx swaps too (204: nothing changed, keep the page).
 * https://htmx.org/docs/#response-handling
 */
const HTMX_CONFIG = {
  responseHandling: [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "4..", swap: true, error: false },
    { code: "...", swap: false, error: true },
  ],
};

export interface Layout {
  title: string;
  operator?: { name: string; role: string; whatsapp: boolean; available: boolean } | undefined;
  csrfToken: string;
  body: Html;
}

/** Every console page: htmx + its SSE extension (vendored, served by the runner), skip link, nav. */
export function page(layout: Layout): string {
  const op = layout.operator;
  const nav = op
    ? html`<nav aria-label="Console">
        ${op.whatsapp || op.role === "supervisor" ? html`<a href="/console">Conversations</a>` : null}
        ${op.role === "supervisor" ? html`<a href="/console/batch">Batch actions</a>` : null}
        <a href="/console/reports">Reports</a>
      </nav>
      <span>${op.name} (${op.role})</span>
      <form class="inline" method="post" action="/console/logout">
        <input type="hidden" name="_csrf" value="${layout.csrfToken}">
        <button class="secondary" type="submit">Sign out</button>
      </form>`
    : null;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="htmx-config" content='${JSON.stringify(HTMX_CONFIG)}'>
<title>${layout.title} · régua console</title>
<style>${trusted(STYLE)}</style>
<script src="/console/assets/htmx.min.js"></script>
<script src="/console/assets/sse.min.js"></script>
</head>
<body hx-headers='${JSON.stringify({ "x-csrf-token": layout.csrfToken })}'>
<a class="skip" href="#main">Skip to content</a>
<header><strong>régua</strong>${nav}</header>
<main id="main" tabindex="-1">${layout.body}</main>
</body>
</html>`.text;
}
