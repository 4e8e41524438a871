/** proxy-from-env ships no types; the one function the transport uses (axios uses it too). */
declare module "proxy-from-env" {
  /** The proxy URL for `url` from *_PROXY / ALL_PROXY and NO_PROXY, or "" for none. */
  export function getProxyForUrl(url: string | URL): string;
}
