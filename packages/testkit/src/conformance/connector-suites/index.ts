import type { ConformanceSuite } from "../suite.js";
import { capabilitiesSuite } from "./capabilities.js";
import { deletionsSuite } from "./deletions.js";
import { documentsSuite } from "./documents.js";
import { errorMappingSuite } from "./error-mapping.js";
import { getInvoiceSuite } from "./get-invoice.js";
import type { ConnectorHarness } from "./harness.js";
import { healthSuite } from "./health.js";
import { listSuite } from "./list.js";
import { lookupsSuite } from "./lookups.js";
import { resumeSuite } from "./resume.js";
import { writeBackIdempotencySuite } from "./write-back.js";

export {
  capabilitiesSuite,
  deletionsSuite,
  documentsSuite,
  errorMappingSuite,
  getInvoiceSuite,
  healthSuite,
  listSuite,
  lookupsSuite,
  resumeSuite,
  writeBackIdempotencySuite,
};

/**
 * Every standard connector suite, in run order. A new suite is one file here plus one line in
 * this list; `describeConnectorConformance` refuses a `suites` list that leaves one out.
 */
export const CONNECTOR_SUITES = [
  capabilitiesSuite,
  healthSuite,
  listSuite,
  resumeSuite,
  getInvoiceSuite,
  writeBackIdempotencySuite,
  errorMappingSuite,
  documentsSuite,
  lookupsSuite,
  deletionsSuite,
] as const;

export function defaultConnectorSuites(): ConformanceSuite<ConnectorHarness>[] {
  return CONNECTOR_SUITES.map((suite) => suite());
}
