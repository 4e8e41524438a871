import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { parseMultipart } from "./multipart.js";
import type { SpecValidators } from "./spec.js";
import { type FakeTemplate, templateListingEntry } from "./templates.js";
import type { FakeGraphApiOptions, UploadedMedia } from "./types.js";

export type Params = { version: string; node: string };

/** What the routes share with the server: its state and its answers. */
export interface RouteContext {
  options: FakeGraphApiOptions;
  wabaId: string;
  templates: FakeTemplate[];
  media: UploadedMedia[];
  validators: SpecValidators;
  fail(reply: FastifyReply, code: number, overrides?: { message?: string; details?: string }): FastifyReply;
  /** Auth, version, phone number and (when throttled) throughput; answers and returns false on failure. */
  admit(request: FastifyRequest<{ Params: Params }>, reply: FastifyReply, throttled: boolean): boolean;
  nextInjected(): { code: number; via: "response" | "webhook" } | undefined;
  /** The bearer token is the valid, unexpired one. */
  authorized(authorization: string | undefined): boolean;
  /** The number's messaging limit tier, once a quality update set one. */
  messagingLimit(): string | undefined;
}

/** Media upload, the template listing and the phone number node. */
export function registerMediaAndReads(app: FastifyInstance, ctx: RouteContext): void {
  // https://developers.facebook.com/docs/whatsapp/cloud-api/reference/media#upload-media
  app.post<{ Params: Params }>("/:version/:node/media", async (request, reply) => {
    if (!ctx.admit(request, reply, false)) return reply;
    const injection = ctx.nextInjected();
    if (injection) return ctx.fail(reply, injection.code);
    const contentType = request.headers["content-type"] ?? "";
    const parts = Buffer.isBuffer(request.body) ? parseMultipart(request.body, contentType) : null;
    if (!parts) return ctx.fail(reply, 100, { details: "Param file must be a multipart/form-data upload" });
    const fields = Object.fromEntries(
      parts.map((p) => [p.name, p.filename === undefined ? p.data.toString("utf8") : "<binary>"]),
    );
    if (!ctx.validators.media(fields)) return ctx.fail(reply, 100, { details: "Invalid media upload" });
    const file = parts.find((p) => p.name === "file" && p.filename !== undefined);
    if (fields.messaging_product !== "whatsapp")
      return ctx.fail(reply, 100, { details: "Param messaging_product is required" });
    if (!file) return ctx.fail(reply, 100, { details: "Param file is required" });
    const mimeType = fields.type ?? file.contentType ?? "";
    if (!/^(application\/pdf|image\/(jpeg|png)|text\/plain)$/.test(mimeType)) {
      return ctx.fail(reply, 131053, {
        message: "Media upload error",
        details: `Unsupported file type ${mimeType}`,
      });
    }
    const id = String(4490709327384033 + ctx.media.length);
    ctx.media.push({ id, mimeType, filename: file.filename, size: file.data.length, bytes: file.data });
    return reply.send({ id });
  });

  // https://developers.facebook.com/docs/graph-api/reference/whats-app-business-account/message_templates/
  app.get<{ Params: Params; Querystring: { name?: string; limit?: string; after?: string } }>(
    "/:version/:node/message_templates",
    async (request, reply) => {
      if (!ctx.authorized(request.headers.authorization)) {
        return ctx.fail(reply, 190, { message: "Invalid OAuth access token - Cannot parse access token" });
      }
      if (request.params.node !== ctx.wabaId)
        return ctx.fail(reply, 100, {
          message: `Unsupported get request. Object with ID '${request.params.node}' does not exist`,
        });
      const matching = ctx.templates.filter((t) => !request.query.name || t.name === request.query.name);
      const offset = Number(
        request.query.after ? Buffer.from(request.query.after, "base64url").toString() : 0,
      );
      const limit = Number(request.query.limit ?? 25);
      const page = matching.slice(offset, offset + limit);
      const after = Buffer.from(String(offset + page.length)).toString("base64url");
      const base = `http://${request.headers.host}${request.url.split("?")[0]}`;
      return reply.send({
        data: page.map((t, i) => templateListingEntry(t, String(1000 + offset + i))),
        paging: {
          cursors: { before: Buffer.from(String(offset)).toString("base64url"), after },
          ...(offset + page.length < matching.length
            ? { next: `${base}?limit=${limit}&after=${after}` }
            : {}),
        },
      });
    },
  );

  // https://developers.facebook.com/docs/graph-api/reference/whats-app-business-account-to-number-current-status/
  app.get<{ Params: Params }>("/:version/:node", async (request, reply) => {
    if (!ctx.admit(request, reply, false)) return reply;
    return reply.send({
      verified_name: "Régua Demo",
      display_phone_number: ctx.options.displayPhoneNumber ?? "+55 11 90000-0000",
      id: ctx.options.phoneNumberId,
      quality_rating: "GREEN",
      ...(ctx.messagingLimit() ? { messaging_limit_tier: ctx.messagingLimit() } : {}),
    });
  });
}
