/**
 * What Meta checks on interactive messages beyond the OpenAPI description's field limits
 * (which the spec validators already apply): "up to 10 sections, with up to 10 rows for all
 * sections combined", section titles when there is more than one section, unique row ids, and
 * unique reply button ids and titles
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/interactive-list-messages,
 * .../interactive-reply-buttons-messages). Returns Meta-style details, or null when it is fine.
 */
export function checkInteractive(interactive: unknown): string | null {
  const value = interactive as {
    type?: string;
    action?: {
      sections?: { title?: string; rows?: { id: string; title: string }[] }[];
      buttons?: { reply: { id: string; title: string } }[];
    };
  };
  if (value.type === "list") {
    const sections = value.action?.sections ?? [];
    const rows = sections.flatMap((section) => section.rows ?? []);
    if (rows.length === 0) return "Param interactive['action']['sections'] must have at least one row";
    if (rows.length > 10)
      return `Param interactive['action']['sections'] has ${rows.length} rows; at most 10 in all`;
    if (sections.length > 1 && sections.some((section) => !section.title))
      return "Param interactive['action']['sections'][*]['title'] is required when there is more than one section";
    if (new Set(rows.map((row) => row.id)).size !== rows.length)
      return "Param interactive['action']['sections'][*]['rows'][*]['id'] must be unique";
  }
  if (value.type === "button") {
    const buttons = value.action?.buttons ?? [];
    if (new Set(buttons.map((b) => b.reply.id)).size !== buttons.length)
      return "Param interactive['action']['buttons'][*]['reply']['id'] must be unique";
    if (new Set(buttons.map((b) => b.reply.title)).size !== buttons.length)
      return "Param interactive['action']['buttons'][*]['reply']['title'] must be unique";
  }
  return null;
}
