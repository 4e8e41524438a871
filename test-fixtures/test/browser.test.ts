import { describe, expect, it } from "vitest";
import { browserAvailable, launchChromium } from "../src/browser/index.js";

describe.skipIf(!browserAvailable())("system Chromium through playwright-core", () => {
  it("renders a page and reads it back through the accessibility tree", async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.setContent('<main><label>Tax id <input name="taxId" value="123"></label></main>');
      await expect(page.getByLabel("Tax id").inputValue()).resolves.toBe("123");
    } finally {
      await browser.close();
    }
  }, 30_000);
});
