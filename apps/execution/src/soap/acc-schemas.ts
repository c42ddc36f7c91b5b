/**
 * What `xtk:persist#GetEntityIfMoreRecent` answers for the two schemas the SDK fetches before it
 * calls them: their methods, `static="true"` (ACC-COMPAT.md). Any other pk: nothing.
 */
const SCHEMAS: Record<string, string> = {
  'xtk:schema|nms:rtEvent': schemaOf('rtEvent'),
  'xtk:schema|nms:batchEvent': schemaOf('batchEvent'),
};

function schemaOf(name: string): string {
  return (
    `<schema namespace="nms" name="${name}" label="${name === 'rtEvent' ? 'Real-time events' : 'Batch events'}"><element name="${name}"/><methods>` +
    `<method name="PushEvent" static="true"><parameters><param name="domEvent" type="DOMDocument" inout="in"/><param name="plId" type="int64" inout="out"/></parameters></method>` +
    `<method name="PushEvents" static="true"><parameters><param name="domEventCollection" type="DOMDocument" inout="in"/></parameters></method>` +
    `</methods></schema>`
  );
}

export function accSchemaDocument(pk: string): string | undefined {
  return SCHEMAS[pk.trim()];
}
