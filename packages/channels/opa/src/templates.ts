import type { Problem, TemplateMessage, TemplateParameter } from "@regua/core";
import type { OpaClient } from "./client.js";
import { type OpaOptions, Template } from "./schemas.js";

/** Opa template texts number their variables like WhatsApp's: {{1}}, {{2}}, … */
export function variableCount(texto: string): number {
  return new Set([...texto.matchAll(/\{\{\s*(\d+)\s*\}\}/g)].map((match) => match[1])).size;
}

/**
 * A parameter as the text Opa puts in the template: Opa takes `variaveis` as plain strings, so
 * amounts and dates go as régua formatted them for the policy's locale ("R$ 99,90", "10/03/2026").
 */
export function variableText(parameter: TemplateParameter): string {
  return parameter.type === "text" ? parameter.text : parameter.fallback;
}

/**
 * Finds the Opa template a régua template name stands for: the `_id` mapped in options, else the
 * template whose `atalho` is that name (GET /api/v1/template with `filter: {atalho}`). Cached per
 * channel instance: templates are approved once and rarely change.
 */
export class TemplateDirectory {
  private readonly cache = new Map<string, Promise<Template | null>>();

  constructor(
    private readonly client: OpaClient,
    private readonly options: OpaOptions,
  ) {}

  find(name: string): Promise<Template | null> {
    let found = this.cache.get(name);
    if (!found) {
      found = this.lookup(name);
      found.catch(() => this.cache.delete(name));
      this.cache.set(name, found);
    }
    return found;
  }

  private async lookup(name: string): Promise<Template | null> {
    const id = this.options.templates[name];
    const filter = id === undefined ? { atalho: name } : { _id: id };
    const templates = await this.client.list("template", filter, Template);
    return templates.find((t) => (id === undefined ? t.atalho === name : t._id === id)) ?? null;
  }
}

/**
 * What `regua check` reports before any send: a template Opa does not have, a variable count
 * that differs from the approved text, parts Opa's template send cannot carry.
 */
export function templateProblems(
  message: TemplateMessage,
  found: Template | null,
  mapped: boolean,
): Problem[] {
  if (!found) {
    const how = mapped
      ? "the _id mapped in options.templates"
      : `a template whose atalho is "${message.name}"`;
    return [{ path: "template.name", message: `Opa! Suite has no ${how}` }];
  }
  const problems: Problem[] = [];
  const expected = variableCount(found.texto);
  if (expected !== message.body.length) {
    problems.push({
      path: "template.body",
      message: `Opa template ${found._id} ("${found.atalho}") takes ${expected} variable(s), the policy maps ${message.body.length}`,
    });
  }
  if (message.header) {
    problems.push({ path: "template.header", message: "Opa's template send carries no header or document" });
  }
  if (message.buttons && message.buttons.length > 0) {
    problems.push({ path: "template.buttons", message: "Opa's template send carries no button parameters" });
  }
  return problems;
}
