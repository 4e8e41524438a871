/**
 * The fake Graph API in a worker thread, so the benchmark measures the channel, not the fake
 * sharing its event loop. Messages: in { ratePerSecond } → out { url }; in "stats" → out stats
 * (accepted, duplicates, throttled, and when each action key's send arrived).
 */
import { parentPort, workerData } from "node:worker_threads";
import { startFakeGraphApi } from "@regua/test-fixtures/whatsapp";

const { token, appSecret, phoneNumberId, ratePerSecond } = workerData as {
  token: string;
  appSecret: string;
  phoneNumberId: string;
  ratePerSecond: number;
};
const fake = await startFakeGraphApi({
  token,
  appSecret,
  phoneNumberId,
  ratePerSecond,
  statusWebhooks: false,
  seed: 1,
});
parentPort?.postMessage({ url: fake.url });
parentPort?.on("message", async (command: string) => {
  if (command !== "stats") return;
  const perKey = new Map<string, number>();
  const arrivals: Record<string, number> = {};
  for (const sent of fake.sent) {
    perKey.set(sent.actionKey ?? "", (perKey.get(sent.actionKey ?? "") ?? 0) + 1);
    if (sent.actionKey !== undefined) arrivals[sent.actionKey] ??= sent.receivedAt;
  }
  const throttled = fake.requests.filter((r) => r.status === 429).length;
  parentPort?.postMessage({
    accepted: fake.sent.length,
    duplicates: [...perKey.values()].reduce((n, count) => n + (count - 1), 0),
    throttled,
    // When each action's first accepted send reached the fake (epoch ms): its own time starts there.
    arrivals,
  });
  await fake.close();
  parentPort?.close();
});
