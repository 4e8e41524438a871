import { CommandFailed } from "../commands/shared.js";
import { pluginImporter } from "../plugin-import.js";

/**
 * `regua demo` runs against fakes that live in @regua/demo, so a production install of the
 * runner carries none of them. Types only here: the package is imported when the demo starts.
 */
export type DemoKit = typeof import("@regua/demo");
export type { DemoChannel, DemoErp } from "@regua/demo";

const DEMO_PACKAGE = "@regua/demo";

export async function loadDemoKit(importer = pluginImporter(process.cwd())): Promise<DemoKit> {
  try {
    return (await importer(DEMO_PACKAGE)) as DemoKit;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") throw error;
    throw new CommandFailed(
      `regua demo runs against bundled fakes from ${DEMO_PACKAGE}, which is not installed.\n` +
        `Install it beside the runner: npm install -g ${DEMO_PACKAGE}   (or npm install ${DEMO_PACKAGE} in this folder)`,
    );
  }
}
