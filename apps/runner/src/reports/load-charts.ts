import { ConfigError } from "@regua/core";
import { pluginImporter } from "../plugin-import.js";

/**
 * ECharts and resvg weigh ~71 MB installed, so they live in @regua/charts, imported only when a
 * report is drawn: a runner without reports never loads (or needs) them. Types only here.
 */
export type ChartsKit = typeof import("@regua/charts");

const CHARTS_PACKAGE = "@regua/charts";

export async function loadCharts(importer = pluginImporter(process.cwd())): Promise<ChartsKit> {
  try {
    return (await importer(CHARTS_PACKAGE)) as ChartsKit;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") throw error;
    throw new ConfigError(
      `reports draw their charts with ${CHARTS_PACKAGE}, which is not installed. Install it beside the runner: npm install ${CHARTS_PACKAGE}`,
      { where: CHARTS_PACKAGE },
    );
  }
}
