import type { Policy } from "@regua/core";

export interface DemoTemplate {
  name: string;
  language: string;
  parameters: number;
  document: boolean;
  /** Dynamic buttons by index, as the policy fills them. */
  buttons: ("url" | "copy_code")[];
}

/** Every template the policy sends, with its positional parameter count: the fake's approved set. */
export function policyTemplates(policy: Policy): DemoTemplate[] {
  const specs = [
    ...policy.steps.flatMap((s) =>
      s.template
        ? [
            {
              template: s.template,
              variables: s.variables,
              attachDocument: s.attachDocument,
              buttons: s.buttons,
            },
          ]
        : [],
    ),
    ...Object.values(policy.lifecycle ?? {}).flatMap((m) => (m ? [m] : [])),
  ];
  const byName = new Map<string, DemoTemplate>();
  for (const spec of specs) {
    byName.set(`${spec.template.name}/${spec.template.language}`, {
      name: spec.template.name,
      language: spec.template.language,
      parameters: Object.keys(spec.variables).length,
      document: spec.attachDocument,
      buttons: [...(spec.buttons ?? [])].sort((a, b) => a.index - b.index).map((b) => b.type),
    });
  }
  return [...byName.values()];
}
