export type {
  RestErpActivity,
  RestErpCustomer,
  RestErpData,
  RestErpInvoice,
  RestErpInvoiceStatus,
  RestErpPayment,
} from "./data.js";
export { toNationalPhone, toSaoPauloTimestamp } from "./data.js";
export type { FakeRestErp, FakeRestErpOptions, RestErpEntity } from "./server.js";
export { startFakeRestErp } from "./server.js";
