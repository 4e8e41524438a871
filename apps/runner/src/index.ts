export {
  type LoadOptions,
  loadConfig,
  parseConfig,
  type RunnerConfig,
  RunnerConfigSchema,
} from "./config.js";
export { axiosTransport } from "./context.js";
export { createLogger } from "./logger.js";
export { createMetrics, instrumentEngine, type RunnerMetrics } from "./metrics.js";
export { createPlugins, shortPluginName } from "./plugins.js";
export { createProgram, main } from "./program.js";
export { type BuildServerOptions, buildServer, type ServerPlugin } from "./server.js";
