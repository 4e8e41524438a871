import { type Document, isMap, isScalar, LineCounter, parseDocument } from "yaml";
import { ValidationError } from "../errors.js";
import { type Policy, PolicySchema } from "./schema.js";

interface Located {
  offset: number;
  path: string;
  message: string;
  /** "policy.yaml:14:5" */
  where: string;
}

/**
 * Parses a policy file (YAML or JSON: JSON is read by the YAML parser, which keeps node
 * ranges for both). Throws ValidationError whose message names the file, line, column and
 * field path: `policy.yaml:14:5 steps[2].offsetDays: Invalid input: expected number, received string`.
 */
export function parsePolicy(text: string, fileName: string): Policy {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const syntax = doc.errors[0];
  if (syntax) {
    const pos = lineCounter.linePos(syntax.pos[0]);
    const where = `${fileName}:${pos.line}:${pos.col}`;
    const message = syntax.message.split("\n")[0] ?? syntax.message;
    throw new ValidationError(`${where} ${message}`, [{ path: "", message }], { where });
  }
  const result = PolicySchema.safeParse(doc.toJS({ maxAliasCount: 100 }));
  if (result.success) return result.data;
  const located = result.error.issues.map((issue) => {
    const unknownKey = issue.code === "unrecognized_keys" ? issue.keys[0] : undefined;
    // zod 4 prefixes type errors with "Invalid input: "; the path already says where.
    const message = issue.message.replace(/^Invalid input: /, "");
    return locate({ doc, lineCounter, fileName }, issue.path, message, unknownKey);
  });
  located.sort((a, b) => a.offset - b.offset); // in file order, as a reader fixes them
  const first = located[0] as Located;
  const summary = located.map((x) => `${x.where} ${x.path || "(root)"}: ${x.message}`).join("\n");
  throw new ValidationError(
    summary,
    located.map((x) => ({ path: x.path, message: `${x.message} (${x.where})` })),
    { where: first.where },
  );
}

interface Source {
  doc: Document;
  lineCounter: LineCounter;
  fileName: string;
}

/** Finds the node for a zod path, or the nearest existing ancestor (a missing key points at its parent). */
function locate(source: Source, path: readonly PropertyKey[], message: string, unknownKey?: string): Located {
  const keys = path.map((p) => (typeof p === "number" ? p : String(p)));
  let offset = 0;
  for (let depth = keys.length; depth >= 0; depth--) {
    const node = depth === 0 ? source.doc.contents : source.doc.getIn(keys.slice(0, depth), true);
    const range =
      node && typeof node === "object" ? (node as { range?: [number, number, number] | null }).range : null;
    if (!range) continue;
    offset = range[0];
    if (depth === keys.length && unknownKey !== undefined && isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && item.key.value === unknownKey);
      if (pair && isScalar(pair.key) && pair.key.range) offset = pair.key.range[0];
    }
    break;
  }
  const pos = source.lineCounter.linePos(offset);
  return { offset, path: formatPath(path), message, where: `${source.fileName}:${pos.line}:${pos.col}` };
}

/** ["steps", 2, "offsetDays"] → "steps[2].offsetDays" */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const part of path) {
    if (typeof part === "number") text += `[${part}]`;
    else text += text === "" ? String(part) : `.${String(part)}`;
  }
  return text;
}
