import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../src/logger.js";

describe("logger", () => {
  it("writes JSON lines with secrets redacted at any depth core names", () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const log = createLogger({ level: "info", destination }).child({ source: "erp" });
    log.info(
      {
        password: "hunter2",
        options: { token: "EAAG-secret", baseUrl: "https://erp" },
        headers: { authorization: "Bearer x" },
      },
      "connecting",
    );
    const entry = JSON.parse(lines[0] ?? "{}");
    expect(entry).toMatchObject({ msg: "connecting", source: "erp", password: "[redacted]" });
    expect(entry.options).toEqual({ token: "[redacted]", baseUrl: "https://erp" });
    expect(entry.headers.authorization).toBe("[redacted]");
    expect(lines.join("")).not.toMatch(/hunter2|EAAG-secret|Bearer x/);
  });
});
