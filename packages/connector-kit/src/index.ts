export { type CheckpointCodec, defineCheckpoint } from "./checkpoint.js";
export {
  type Classify,
  type ErrorDetail,
  errorOfKind,
  isAmbiguous,
  type KitResponse,
  kindForStatus,
  networkReason,
  type Verdict,
} from "./classify.js";
export { type CustomerDefaults, customerDefaults } from "./customer.js";
export {
  createHttpClient,
  DEFAULT_RETRY,
  fullJitter,
  type HttpClient,
  type HttpMethod,
  type HttpPolicy,
  type KitRequest,
  type QueryParams,
  type RetryPolicy,
} from "./http.js";
export { type RefreshOptions, refreshUnderLease } from "./lease.js";
export { RateLimiter, type RateLimits, type SlidingWindowLimit } from "./limiter.js";
export {
  type PageContext,
  type PageOf,
  type PagePatch,
  type PageStrategy,
  type PaginateOptions,
  paginate,
} from "./paginate.js";
export { retryAfterMs } from "./retry-after.js";
export { type MappedRows, type MapRowsSpec, mapRows, pageOf } from "./rows.js";
export { constantTimeEqual, type HmacSignature, headerOf, hmacSha256Matches } from "./signature.js";
export { cursor, linkHeader, nextLink, offsetLimit, type Pick, pageNumber } from "./strategies.js";
export { axiosTransport } from "./transport.js";
