import type { IxcRow } from "./data.js";

/** PDF objects 1..n, each preceded by its byte offset, then the cross-reference table. */
function assemble(objects: readonly string[]): string {
  const parts = ["%PDF-1.4\n"];
  const xrefLines = ["0000000000 65535 f "];
  let length = parts[0]?.length ?? 0;
  for (const [index, object] of objects.entries()) {
    const chunk = `${index + 1} 0 obj\n${object}\nendobj\n`;
    xrefLines.push(`${String(length).padStart(10, "0")} 00000 n `);
    parts.push(chunk);
    length += chunk.length;
  }
  const trailer = `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${length}\n%%EOF\n`;
  return `${parts.join("")}xref\n0 ${objects.length + 1}\n${xrefLines.join("\n")}\n${trailer}`;
}

/**
 * A one-page boleto PDF, base64-encoded, as get_boleto answers with `base64: "S"`: the title,
 * due date, amount and linha digitável as text lines (ASCII only, so lengths are byte counts).
 */
export function boletoPdfBase64(row: IxcRow): string {
  const lines = [
    `Boleto ${row.nn_boleto ?? ""} - titulo ${row.id ?? ""}`,
    `Vencimento ${row.data_vencimento ?? ""} - Valor R$ ${row.valor_aberto ?? ""}`,
    row.linha_digitavel ?? "",
  ];
  const content = `BT /F1 11 Tf 14 TL 40 780 Td ${lines.map((line) => `(${line}) '`).join(" ")} ET`;
  const pdf = assemble([
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
  ]);
  return Buffer.from(pdf, "latin1").toString("base64");
}
