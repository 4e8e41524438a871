import type { OdooValue } from "./records.js";

/**
 * A methodResponse written the way Python's xmlrpc.client.Marshaller (Odoo's OdooMarshaller,
 * allow_none=False) writes it: one value per line, strings escaped (&, <, >), ints as <int>,
 * floats as <double>, booleans as 1/0, lists as <array><data>, dicts as <struct>. Written by hand
 * in the fake because xmlbuilder2 (@foxglove/xmlrpc's serializer) takes seconds for a page of a
 * thousand invoices; the connector's side still reads it with @foxglove/xmlrpc.
 */
export function methodResponse(value: OdooValue): string {
  const out: string[] = ["<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n"];
  write(value, out);
  out.push("</param>\n</params>\n</methodResponse>\n");
  return out.join("");
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function write(value: OdooValue | undefined, out: string[]): void {
  if (value === null || value === undefined || value === false) {
    out.push("<value><boolean>0</boolean></value>\n");
  } else if (value === true) {
    out.push("<value><boolean>1</boolean></value>\n");
  } else if (typeof value === "number") {
    out.push(
      Number.isInteger(value)
        ? `<value><int>${value}</int></value>\n`
        : `<value><double>${value}</double></value>\n`,
    );
  } else if (typeof value === "string") {
    out.push(`<value><string>${escapeXml(value)}</string></value>\n`);
  } else if (Array.isArray(value)) {
    out.push("<value><array><data>\n");
    for (const item of value) write(item, out);
    out.push("</data></array></value>\n");
  } else {
    out.push("<value><struct>\n");
    for (const [name, member] of Object.entries(value)) {
      out.push(`<member>\n<name>${escapeXml(name)}</name>\n`);
      write(member, out);
      out.push("</member>\n");
    }
    out.push("</struct></value>\n");
  }
}
