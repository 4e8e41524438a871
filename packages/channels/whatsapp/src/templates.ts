import type { Problem, TemplateMessage, TemplateParameter } from "@regua/core";
import type { TemplateInfo } from "./schemas.js";

/**
 * Compares a template message with the approved template Meta holds (the message_templates
 * listing), before anything is sent: what would come back as 132001 / 132000 / 132012.
 */
const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

export function placeholders(text: string | undefined): string[] {
  return text ? [...text.matchAll(PLACEHOLDER)].map((m) => m[1] ?? "") : [];
}

export function templateProblems(message: TemplateMessage, listed: readonly TemplateInfo[]): Problem[] {
  const sameName = listed.filter((t) => t.name === message.name);
  if (sameName.length === 0) {
    return [
      {
        path: "template.name",
        message: `template "${message.name}" does not exist in the WhatsApp Business Account`,
      },
    ];
  }
  const found = sameName.find((t) => t.language === message.language);
  if (!found) {
    const languages = sameName.map((t) => t.language).join(", ");
    return [
      {
        path: "template.language",
        message: `template "${message.name}" has no ${message.language} translation (has ${languages})`,
      },
    ];
  }
  const problems: Problem[] = [];
  if (found.status !== "APPROVED") {
    problems.push({
      path: "template.name",
      message: `template "${message.name}" is ${found.status}, not APPROVED`,
    });
  }
  const component = (type: string) => found.components.find((c) => c.type.toUpperCase() === type);
  problems.push(...compareParameters("template.body", placeholders(component("BODY")?.text), message.body));

  const header = component("HEADER");
  const format = header?.format?.toUpperCase();
  if (format === "TEXT") {
    const given = message.header?.type === "text" ? message.header.parameters : [];
    problems.push(...compareParameters("template.header", placeholders(header?.text), given));
  } else if (format === "DOCUMENT" && message.header?.type !== "document") {
    problems.push({
      path: "template.header",
      message: "the template's header is a DOCUMENT: pass header.document (link or mediaId)",
    });
  } else if (format && format !== "DOCUMENT") {
    problems.push({
      path: "template.header",
      message: `the template's ${format} header is not supported by régua`,
    });
  } else if (!header && message.header) {
    problems.push({ path: "template.header", message: "the template has no header" });
  }
  problems.push(...compareButtons(component("BUTTONS")?.buttons ?? [], message.buttons ?? []));
  return problems;
}

function compareParameters(path: string, expected: string[], given: readonly TemplateParameter[]): Problem[] {
  if (given.length !== expected.length) {
    return [
      {
        path,
        message: `the approved template takes ${expected.length} parameter(s), the message has ${given.length}`,
      },
    ];
  }
  const named = expected.some((p) => !/^\d+$/.test(p));
  if (!named) return [];
  const problems: Problem[] = [];
  const names = new Set(given.map((p) => p.name));
  for (const name of expected) {
    if (!names.has(name))
      problems.push({ path, message: `named parameter "${name}" is missing (set parameter.name)` });
  }
  return problems;
}

function compareButtons(
  buttons: readonly { type: string; url?: string | undefined }[],
  given: NonNullable<TemplateMessage["buttons"]>,
): Problem[] {
  const problems: Problem[] = [];
  buttons.forEach((button, index) => {
    const type = button.type.toUpperCase();
    const needsParameter = (type === "URL" && placeholders(button.url).length > 0) || type === "COPY_CODE";
    const supplied = given.find((b) => b.index === index);
    if (needsParameter && !supplied) {
      problems.push({ path: `template.buttons[${index}]`, message: `the ${type} button needs a parameter` });
    }
    const wanted = type === "URL" ? "url" : type === "COPY_CODE" ? "copy_code" : "quick_reply";
    if (supplied && supplied.subType !== wanted) {
      problems.push({
        path: `template.buttons[${index}]`,
        message: `the button at index ${index} is ${type}, not ${supplied.subType}`,
      });
    }
  });
  for (const button of given) {
    if (!buttons[button.index]) {
      problems.push({
        path: `template.buttons[${button.index}]`,
        message: `the template has no button at index ${button.index}`,
      });
    }
  }
  return problems;
}
