import { createHash } from "node:crypto";
import { type CollectionActivity, ConfigError, ValidationError } from "@regua/core";
import type { IxcClient } from "./client.js";
import type { IxcOptions } from "./options.js";

/**
 * The marker that makes a ticket findable again: "[regua:<hash of the activity key>]" at the end
 * of `menssagem`, looked up with the grid's LIKE operator before writing, so a retry after a lost
 * answer finds the first ticket instead of opening a second one.
 */
export function ticketMarker(key: string): string {
  return `[regua:${createHash("sha256").update(key).digest("base64url").slice(0, 22)}]`;
}

const TITLE_MAX = 200;

/** The ticket's text: what was sent, where, for which receivables, and the marker last. */
export function ticketMessage(activity: CollectionActivity, marker: string): string {
  return [
    activity.subject,
    activity.details,
    activity.channel
      ? `Canal: ${activity.channel}${activity.providerMessageId ? ` (mensagem ${activity.providerMessageId})` : ""}`
      : "",
    activity.invoiceRefs.length > 0 ? `Títulos: ${activity.invoiceRefs.join(", ")}` : "",
    `Registrado pela régua em ${activity.occurredAt}`,
    marker,
  ]
    .filter((line) => line !== "")
    .join("\n");
}

/**
 * Contacts become IXC tickets (su_ticket, "Atendimentos") on the customer, with the tenant's own
 * subject (id_assunto) and sector (id_ticket_setor), and IXC's own field names — `menssagem` is
 * spelled with two s in IXC. An escalation opens as new (su_status N) for the sector to act on;
 * a plain contact record is written as solved (S), so it documents without filling the queue.
 */
export class TicketWriter {
  constructor(
    private readonly client: IxcClient,
    private readonly options: IxcOptions,
  ) {}

  async write(activity: CollectionActivity): Promise<{ externalId: string; created: boolean }> {
    const ticket = this.options.ticket;
    if (!ticket) throw new ConfigError("ixc: write-back needs options.ticket (idAssunto and idTicketSetor)");
    if (!/^\d+$/.test(activity.customerRef)) {
      throw new ValidationError(`ixc: customerRef "${activity.customerRef}" is not an IXC cliente id`, [], {
        where: "ixc su_ticket",
      });
    }
    const marker = ticketMarker(activity.key);
    const existing = await this.find(activity.customerRef, marker);
    if (existing !== null) return { externalId: existing, created: false };
    // POST /webservice/v1/su_ticket (no ixcsoft header: an insert) → {type: "success", id}.
    const id = await this.client.insert("su_ticket", {
      id_cliente: activity.customerRef,
      id_assunto: ticket.idAssunto,
      id_ticket_setor: ticket.idTicketSetor,
      titulo: activity.subject.slice(0, TITLE_MAX),
      menssagem: ticketMessage(activity, marker),
      prioridade: ticket.prioridade,
      tipo: "C",
      id_ticket_origem: "I",
      su_status: activity.kind === "escalated" ? "N" : "S",
    });
    return { externalId: id, created: true };
  }

  // POST /webservice/v1/su_ticket (listar): the customer's tickets whose menssagem holds the marker.
  private async find(idCliente: string, marker: string): Promise<string | null> {
    const answer = await this.client.listar("su_ticket", {
      qtype: "su_ticket.id_cliente",
      query: idCliente,
      oper: "=",
      page: "1",
      rp: "1",
      sortname: "su_ticket.id",
      sortorder: "asc",
      grid_param: JSON.stringify([{ TB: "su_ticket.menssagem", OP: "L", P: marker }]),
    });
    const first = answer.registros[0];
    return first === undefined ? null : String(first.id);
  }
}
