import { BadRequest } from "./input.ts";

/** What a request asks to do: read a scope, write to it (enqueue, open a stream), or cancel its work. */
export type Action = "read" | "write" | "cancel";

export interface AccessRequest {
  /**
   * The scope (Durable Object name) the request is about; `null` for the
   * console's page itself (`GET /`), which holds no data. A browser's
   * navigation sends no `Authorization` header, so a hook that wants a token
   * should let `null` through: the page then asks for the token and sends it
   * on every call it makes.
   */
  readonly scope: string | null;
  readonly action: Action;
}

/**
 * Decides whether a request may go ahead: `true` lets it, `false` answers 403,
 * and a `Response` (a 401 with `WWW-Authenticate`, say) is answered as it is.
 */
export type Authorize<Env> = (request: Request, access: AccessRequest, env: Env) => boolean | Response | Promise<boolean | Response>;

/** Hostnames that only this machine can reach. */
const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;

/**
 * The default when no `authorize` is given: requests to a loopback host only,
 * so `wrangler dev` works and a deployed Worker exposes nothing. The `Host`
 * is checked, not the peer: a DNS-rebound name pointing at 127.0.0.1 still
 * arrives with its own Host and is refused.
 */
export function loopbackOnly(request: Request): boolean | Response {
  if (LOOPBACK.test(new URL(request.url).hostname)) return true;
  return Response.json(
    { error: "the operator API has no authorize hook, so it answers on a loopback host only; pass authorize to serve it elsewhere" },
    { status: 403 },
  );
}

/**
 * Writes come from this origin or from no browser at all: a cross-site form
 * or fetch (which can send `text/plain` without a preflight) is refused by its
 * `Origin` or `Sec-Fetch-Site`. `trustedOrigins` names other origins a
 * console may be served from.
 */
export function assertSameOrigin(request: Request, trustedOrigins: readonly string[]): void {
  const origin = request.headers.get("origin");
  const own = new URL(request.url).origin;
  if (origin !== null && origin !== own && !trustedOrigins.includes(origin)) {
    throw new BadRequest(`cross-origin write from ${origin.slice(0, 100)} refused`, 403);
  }
  const site = request.headers.get("sec-fetch-site");
  if (origin === null && site !== null && site !== "same-origin" && site !== "none") {
    throw new BadRequest(`cross-site write (Sec-Fetch-Site: ${site.slice(0, 40)}) refused`, 403);
  }
}
