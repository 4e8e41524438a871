import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/**
 * Browser tests drive the machine's Chromium through playwright-core; a browser is never
 * downloaded. `REGUA_CHROMIUM` overrides the path. `.ci/run` installs the Debian package when
 * it is missing, so in CI a missing browser is a failure, not a skip.
 */
const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

export function chromiumPath(): string | undefined {
  const fromEnv = process.env.REGUA_CHROMIUM;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  return CANDIDATES.find((p) => existsSync(p));
}

/**
 * True when the browser tests can run here. Outside CI a machine without Chromium skips them
 * (with the reason in the test name); under CI=true they run and fail loudly.
 */
export function browserAvailable(): boolean {
  return chromiumPath() !== undefined || process.env.CI === "true";
}

export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (executablePath === undefined) {
    throw new Error(
      `no Chromium found (looked at REGUA_CHROMIUM and ${CANDIDATES.join(", ")}); install it with \`apt-get install -y chromium\``,
    );
  }
  return chromium.launch({
    executablePath,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}
