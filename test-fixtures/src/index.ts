export * from "./generator.js";
export * from "./payment-history.js";
