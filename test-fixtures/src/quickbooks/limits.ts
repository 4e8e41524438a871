/**
 * QuickBooks Online's throttles, kept per realm (Intuit developer blog, "QuickBooks Online API
 * throttling changes", 2016-08-08, and the API reference's "Rate limits and throttles"):
 * 500 requests a minute, 10 a second and 10 in flight at once; over any of them the request
 * gets 429 with a ThrottleExceeded Fault and no Retry-After header.
 */
export interface FakeLimits {
  perMinute: number;
  perSecond: number;
  concurrency: number;
}

export const INTUIT_LIMITS: FakeLimits = { perMinute: 500, perSecond: 10, concurrency: 10 };

interface RealmLoad {
  active: number;
  /** Accepted request times (ms), oldest first, the last minute's. */
  stamps: number[];
}

export class Throttle {
  throttled = 0;
  accepted = 0;
  /** Highest number of requests in flight at once that were accepted. */
  peakActive = 0;
  /**
   * Most requests accepted within any second and any minute (sliding, as the limits count
   * them; kept only while the limits are on): what a benchmark reads to show how close a
   * client came to each limit.
   */
  peakSecond = 0;
  peakMinute = 0;
  private readonly realms = new Map<string, RealmLoad>();

  constructor(
    private readonly limits: FakeLimits | null,
    private readonly now: () => number,
  ) {}

  /** Takes a slot for one request, or false when it must be answered 429. */
  admit(realm: string): boolean {
    const load = this.load(realm);
    if (this.limits) {
      const t = this.now();
      while (load.stamps.length && (load.stamps[0] as number) <= t - 60_000) load.stamps.shift();
      const lastSecond = load.stamps.filter((s) => s > t - 1_000).length;
      if (
        load.active >= this.limits.concurrency ||
        lastSecond >= this.limits.perSecond ||
        load.stamps.length >= this.limits.perMinute
      ) {
        this.throttled += 1;
        return false;
      }
      load.stamps.push(t);
      this.peakSecond = Math.max(this.peakSecond, lastSecond + 1);
      this.peakMinute = Math.max(this.peakMinute, load.stamps.length);
    }
    load.active += 1;
    this.accepted += 1;
    this.peakActive = Math.max(this.peakActive, load.active);
    return true;
  }

  release(realm: string): void {
    const load = this.load(realm);
    load.active = Math.max(0, load.active - 1);
  }

  private load(realm: string): RealmLoad {
    let load = this.realms.get(realm);
    if (!load) {
      load = { active: 0, stamps: [] };
      this.realms.set(realm, load);
    }
    return load;
  }
}
