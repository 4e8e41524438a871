// How customers pay: behaviour features computed from the store's history (pure) and the
// policy's paymentHistory conditions over them. docs/payment-behaviour.md
export {
  BEHAVIOUR_FEATURES,
  type BehaviourFeature,
  type CompiledPaymentHistory,
  compilePaymentHistory,
  failedPaymentHistory,
  formatFeature,
  paymentHistoryLine,
} from "./conditions.js";
export {
  BEHAVIOUR_WINDOW_DAYS,
  type BehaviourFacts,
  type BehaviourOptions,
  DEFAULT_LAST_INVOICES,
  daysLate,
  NO_BEHAVIOUR,
  type PaidInvoiceFact,
  type PaymentBehaviour,
  type PromiseFact,
  paymentHistoryOf,
} from "./features.js";
