import { isReguaError } from "@regua/core";
import type { OpaClient } from "./client.js";
import { Contato } from "./schemas.js";

/** Contacts remembered per channel instance; a dunning run sends to the same phones again. */
const CACHE_LIMIT = 10_000;

/**
 * Opa sends a template to a contact it knows: the contact is found by phone
 * (GET /api/v1/contato, `filter: {canalCliente}`) and created when missing
 * (POST /api/v1/contato `{nome, canalCliente}`), before the send.
 */
export class ContactBook {
  private readonly known = new Map<string, string>();

  constructor(private readonly client: OpaClient) {}

  async ensure(phone: string): Promise<string> {
    const cached = this.known.get(phone);
    if (cached) return cached;
    const id = (await this.find(phone)) ?? (await this.create(phone));
    if (this.known.size >= CACHE_LIMIT) this.known.delete(this.known.keys().next().value as string);
    this.known.set(phone, id);
    return id;
  }

  private async find(phone: string): Promise<string | null> {
    const found = await this.client.list("contato", { canalCliente: phone }, Contato, 1);
    return found[0]?._id ?? null;
  }

  private async create(phone: string): Promise<string> {
    try {
      // The name is the phone until an attendant or the ERP sync names the contact in Opa.
      return (await this.client.post("contato", { nome: phone, canalCliente: phone }, Contato))._id;
    } catch (error) {
      // Created meanwhile by another runner or an attendant: it exists now.
      if (isReguaError(error) && error.provider?.status === 409) {
        const id = await this.find(phone);
        if (id) return id;
      }
      throw error;
    }
  }
}
