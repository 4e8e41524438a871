import { type ErrorDetail, errorOfKind, type KitResponse, type Verdict } from "@regua/connector-kit";
import { AuthError, isReguaError, type ReguaError, type ReguaErrorCode } from "@regua/core";
import { Json2Error } from "./schemas.js";

export const SYSTEM = "odoo";

/** The exception line of a Python traceback (fault code 1 carries the whole traceback). */
function lastLine(text: string): string {
  const lines = text
    .trim()
    .split("\n")
    .filter((line) => line.trim() !== "");
  return (lines.at(-1) ?? text).trim();
}

/** Code 1 (any other exception) and JSON-2's builtins errors, told apart by the exception. */
function kindOfException(text: string): ReguaErrorCode {
  if (/database "[^"]*" does not exist/.test(text)) return "CONFIG";
  if (/SerializationFailure|could not serialize access|deadlock detected|LockNotAvailable/.test(text))
    return "TRANSIENT";
  if (/(ValueError|TypeError|KeyError): /.test(text)) return "VALIDATION";
  return "PERMANENT";
}

/**
 * An XML-RPC fault on /xmlrpc/2 (odoo/addons/base/controllers/rpc.py, xmlrpc_handle_exception_int):
 * 3 AccessDenied ("Access Denied": wrong password or API key, expired key), 4 AccessError (the
 * user's groups do not allow the model), 2 UserError and its subclasses — MissingError ("Record
 * does not exist or has been deleted.") and ValidationError share the code, so the fault string
 * tells them apart — and 1 for anything else, with the Python traceback as the string.
 */
export function faultVerdict(faultCode: number, faultString: string): Verdict {
  const message = faultCode === 1 ? lastLine(faultString) : faultString.trim();
  switch (faultCode) {
    case 3:
    case 4:
      return { kind: "AUTH", code: faultCode, message };
    case 2:
      return {
        kind: /does not exist or has been deleted/.test(faultString) ? "NOT_FOUND" : "VALIDATION",
        code: faultCode,
        message,
      };
    default:
      return { kind: kindOfException(faultString), code: faultCode, message };
  }
}

const KIND_BY_EXCEPTION: Record<string, ReguaErrorCode> = {
  "werkzeug.exceptions.Unauthorized": "AUTH",
  "odoo.exceptions.AccessDenied": "AUTH",
  "odoo.exceptions.AccessError": "AUTH",
  "odoo.exceptions.MissingError": "NOT_FOUND",
  "odoo.exceptions.ValidationError": "VALIDATION",
  "odoo.exceptions.UserError": "VALIDATION",
  "werkzeug.exceptions.UnprocessableEntity": "VALIDATION",
};

/**
 * The kit's vendor hook for JSON-2: the error object of a 4xx/5xx ("External JSON-2 API",
 * Response: name, message, arguments, context, debug), read into the exception's name and words.
 * The exception decides the class where the status would mislead (a ValueError on a bad field
 * answers 500 but retrying will not help); otherwise the kit's status table does.
 */
export function classifyJson2(response: KitResponse): Verdict | undefined {
  if (response.status < 400) return undefined;
  const body = Json2Error.safeParse(response.data);
  if (!body.success) return undefined;
  if (typeof body.data === "string") return { message: body.data };
  const { name, message } = body.data;
  const kind =
    KIND_BY_EXCEPTION[name] ??
    (name.startsWith("builtins.") ? kindOfException(`${name.slice(9)}: ${message}`) : undefined);
  return { ...(kind ? { kind } : {}), code: name, message };
}

/** A fault decoded after the response, raised through the kit's error classes. */
export function faultError(verdict: Verdict, what: string): ReguaError {
  const detail: ErrorDetail = {
    provider: { system: SYSTEM, status: 200, code: verdict.code, message: verdict.message },
    reason: "vendor",
  };
  const kind = verdict.kind && verdict.kind !== "ok" ? verdict.kind : "PERMANENT";
  return errorOfKind(
    kind,
    `${SYSTEM} answered fault ${String(verdict.code)} to ${what}: ${verdict.message}`,
    detail,
  );
}

/**
 * Odoo says the same "Access Denied" / "Invalid apikey" to a wrong key and to an expired one
 * (res_users_apikeys._check_credentials filters on expiration_date). API keys expire — at most
 * three months from Odoo 19 on — so the error says what to do about either.
 */
export const KEY_HINT =
  "Check the login, password or API key. Odoo API keys expire (at most 3 months from Odoo 19 on) and Odoo refuses an expired key exactly like a wrong one: create a new key under Preferences → Account Security → New API Key and update the source's apiKey.";

const REFUSED_CREDENTIALS = new Set<unknown>([
  3,
  "werkzeug.exceptions.Unauthorized",
  "odoo.exceptions.AccessDenied",
]);

/** Adds the hint to a refused login or key (not to an AccessError: that is the user's groups). */
export function withAuthHint(error: unknown): unknown {
  if (!isReguaError(error) || error.code !== "AUTH" || error.message.includes(KEY_HINT)) return error;
  const refused = REFUSED_CREDENTIALS.has(error.provider?.code) || error.provider?.status === 401;
  if (!refused) return error;
  return new AuthError(`${error.message}. ${KEY_HINT}`, {
    ...(error.provider ? { provider: error.provider } : {}),
    ...(error.reason ? { reason: error.reason } : {}),
  });
}
