import { REST_SOURCE_YAML } from "./init-rest-template.js";

/**
 * The `sources:` and `channels:` entries `regua init --erp … --channel …` writes, one per
 * vendor, commented with what each option is and where to find it. Secrets are `{ env: NAME }`.
 */

export const ERP_KINDS = ["sap-b1", "quickbooks", "odoo", "ixc", "rest"] as const;
export type ErpKind = (typeof ERP_KINDS)[number];
export const CHANNEL_KINDS = ["whatsapp", "opa"] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

export interface PluginTemplate {
  packageName: string;
  /** Environment variables the entry reads. */
  env: string[];
  /** The YAML list item, indented for its place under `sources:` / `channels:`. */
  yaml: string;
}

/** Plugins are separate packages: the runner loads each one by name from where it is installed. */
function installNote(packageName: string): string {
  return `  # Install ${packageName} beside the runner: npm install -g ${packageName}
  #   (or npm install ${packageName} in this folder when the runner is installed here)
`;
}

export const ERP_TEMPLATES: Record<ErpKind, () => PluginTemplate> = {
  "sap-b1": () => ({
    packageName: "@regua/connector-sap-b1",
    env: ["SAP_B1_PASSWORD"],
    yaml: `${installNote("@regua/connector-sap-b1")}  # SAP Business One through its Service Layer (https://help.sap.com/docs/SAP_BUSINESS_ONE).
  - id: sap
    connector: "@regua/connector-sap-b1"
    options:
      baseUrl: https://sap.example.com:50000   # the Service Layer, without /b1s
      version: v2                             # v2 (OData v4) or v1
      companyDb: SBODEMOBR                    # the company database you log in to
      user: manager                           # a Service Layer user with read access to BPs, invoices, payments
      password: { env: SAP_B1_PASSWORD }
      serverTimeZone: America/Sao_Paulo       # the company server's clock (UpdateDate/UpdateTime)
      # udf: { boletoLine: U_LinhaDigitavel, pixCode: U_PixCopiaCola }   # invoice UDFs with payment instruments
      # tls: { rejectUnauthorized: false }    # only for a self-signed certificate you trust
`,
  }),
  quickbooks: () => ({
    packageName: "@regua/connector-quickbooks",
    env: ["QBO_CLIENT_ID", "QBO_CLIENT_SECRET"],
    yaml: `${installNote("@regua/connector-quickbooks")}  # QuickBooks Online (https://developer.intuit.com/app/developer/qbo/docs/get-started).
  # Run \`regua auth quickbooks\` once to authorise the app; refresh tokens
  # rotate and are kept encrypted in the store, never in this file.
  - id: qbo
    connector: "@regua/connector-quickbooks"
    options:
      clientId: { env: QBO_CLIENT_ID }        # from your app's Keys & credentials page
      clientSecret: { env: QBO_CLIENT_SECRET }
      realmId: "9130350000000000"             # the company id (shown after you connect)
      environment: sandbox                    # sandbox or production
      # webhookVerifierToken: { env: QBO_WEBHOOK_VERIFIER }   # the app's Webhooks page; see docs/connectors/quickbooks.md
`,
  }),
  odoo: () => ({
    packageName: "@regua/connector-odoo",
    env: ["ODOO_API_KEY"],
    yaml: `${installNote("@regua/connector-odoo")}  # Odoo (https://www.odoo.com/documentation/latest/developer/reference/external_api.html).
  - id: odoo
    connector: "@regua/connector-odoo"
    options:
      url: https://minhaempresa.odoo.com
      database: minhaempresa                  # the database name (Settings → Activate developer mode shows it)
      login: cobranca@minhaempresa.com.br     # the user the API key belongs to
      apiKey: { env: ODOO_API_KEY }           # Preferences → Account Security → New API Key
      protocol: auto                          # auto (/web/version: JSON-2 from Odoo 19), xmlrpc or json2
      writeBack: { mode: note }               # chatter note on the invoice, or { mode: activity }
      # API keys expire (at most 3 months on Odoo 19): regua check reports an expiring key
`,
  }),
  ixc: () => ({
    packageName: "@regua/connector-ixc",
    env: ["IXC_TOKEN"],
    yaml: `${installNote("@regua/connector-ixc")}  # IXC Provedor (https://wikiapiprovedor.ixcsoft.com.br/).
  - id: ixc
    connector: "@regua/connector-ixc"
    options:
      baseUrl: https://ixc.minhaempresa.com.br/webservice/v1
      userId: "12"                            # the id of the IXC user the token belongs to
      token: { env: IXC_TOKEN }               # Configurações → Usuários → token
      # ticket: { idAssunto: "7", idTicketSetor: "3" }   # write-back as su_ticket; \`regua check\` checks both ids
`,
  }),
  rest: () => ({
    packageName: "@regua/connector-rest",
    env: ["ERP_TOKEN"],
    yaml: `${installNote("@regua/connector-rest")}${REST_SOURCE_YAML}`,
  }),
};

export const CHANNEL_TEMPLATES: Record<ChannelKind, () => PluginTemplate> = {
  whatsapp: () => ({
    packageName: "@regua/channel-whatsapp",
    env: ["WA_TOKEN", "WA_APP_SECRET", "WA_VERIFY_TOKEN"],
    yaml: `${installNote("@regua/channel-whatsapp")}  # WhatsApp Cloud API (https://developers.facebook.com/docs/whatsapp/cloud-api/get-started).
  # Webhook URL for Meta: https://<your host>/webhooks/whatsapp/wa
  - id: wa
    channel: "@regua/channel-whatsapp"
    options:
      phoneNumberId: "1234567890"             # WhatsApp Manager → Phone numbers → Phone number ID
      wabaId: "102290129340398"               # the WhatsApp Business Account id (templates are checked there)
      token: { env: WA_TOKEN }                # a System User access token with whatsapp_business_messaging
      appSecret: { env: WA_APP_SECRET }       # App settings → Basic → App secret (signs webhooks)
      verifyToken: { env: WA_VERIFY_TOKEN }   # any string; the same one you type in the webhook setup
`,
  }),
  opa: () => ({
    packageName: "@regua/channel-opa",
    env: ["OPA_TOKEN"],
    yaml: `${installNote("@regua/channel-opa")}  # Opa! Suite (https://api.opasuite.com.br/).
  - id: wa
    channel: "@regua/channel-opa"
    options:
      baseUrl: https://minhaempresa.opasuite.com.br
      token: { env: OPA_TOKEN }               # Configurações → Integrações → token de API
      channelId: "5f1c0b6e2a"                 # the WhatsApp channel (canal) messages go out on
      # templates: { lembrete_vencimento: "6500b9df32843f9dada2e6be" }   # template name → Opa _id (else by atalho)
`,
  }),
};
