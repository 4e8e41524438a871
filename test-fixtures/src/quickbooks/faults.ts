/**
 * QuickBooks Online error bodies, in the two shapes the service answers with
 * (developer.intuit.com → Develop → Troubleshooting → Error codes; node-quickbooks checks for
 * `body.Fault.Error`):
 *
 * - the `Fault` envelope of the v3 API: `{"Fault":{"Error":[{"Message","Detail","code","element"}],
 *   "type":"ValidationFault"},"time":"…"}`;
 * - the lowercase envelope the gateway sends for some authentication failures (an expired
 *   access token): `{"fault":{"error":[{"message","detail","code"}],"type":"AUTHENTICATION"},…}`.
 */
export interface FaultError {
  Message: string;
  Detail: string;
  code: string;
  element?: string;
}

export function fault(type: string, error: FaultError, time: string) {
  return { Fault: { Error: [error], type }, time };
}

export const FAULTS = {
  /** 400: a read or update of an id the company does not have (or that was deleted). */
  notFound: (what: string): FaultError => ({
    Message: "Object Not Found",
    Detail: `Object Not Found : Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees. (${what})`,
    code: "610",
    element: "",
  }),
  /** 400: the SyncToken sent is not the current one (another user saved first). */
  stale: (): FaultError => ({
    Message: "Stale Object Error",
    Detail:
      "Stale Object Error : You and Intuit Test User worked on this at the same time. Intuit Test User finished before you did, so your work was not saved.",
    code: "5010",
    element: "",
  }),
  /** 400: the query does not parse. */
  query: (detail: string): FaultError => ({
    Message: "Error parsing query",
    Detail: `QueryParserError: ${detail}`,
    code: "4000",
  }),
  /** 400: a request the service refuses (missing field, bad value). */
  invalid: (detail: string, element = ""): FaultError => ({
    Message: "Request has invalid or unsupported property",
    Detail: detail,
    code: "2010",
    element,
  }),
  /** 401: a missing or unknown bearer token. */
  authentication: (detail: string): FaultError => ({
    Message: "message=AuthenticationFailed; errorCode=003200; statusCode=401",
    Detail: detail,
    code: "3200",
  }),
  /** 403: a token for another company (realm). */
  authorization: (): FaultError => ({
    Message: "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403",
    Detail: "",
    code: "3100",
  }),
  /** 429: over the realm's limits; QuickBooks sends no Retry-After. */
  throttled: (): FaultError => ({
    Message: "message=ThrottleExceeded; errorCode=003001; statusCode=429",
    Detail: "The request limit was reached.",
    code: "3001",
  }),
} as const;

/** The gateway's lowercase form, as answered for an expired access token. */
export function lowercaseAuthFault(detail: string, nowMs: number) {
  return {
    warnings: null,
    intuitObject: null,
    fault: {
      error: [
        {
          message: "message=AuthenticationFailed; errorCode=003200; statusCode=401",
          detail,
          code: "3200",
          element: null,
        },
      ],
      type: "AUTHENTICATION",
    },
    report: null,
    queryResponse: null,
    batchItemResponse: [],
    attachableResponse: [],
    syncErrorResponse: null,
    requestId: null,
    time: nowMs,
    status: null,
    cdcresponse: [],
  };
}
