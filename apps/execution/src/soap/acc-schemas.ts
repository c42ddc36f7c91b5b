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

/**
 * The WSDL of `nms:rtEvent` or `nms:batchEvent` (`/nl/jsp/schemawsdl.jsp?schema=…`), for SoapUI
 * and WSDL-generated clients: document/literal, the two push methods, their SOAPAction, and the
 * router at `location`. Undefined for any other schema.
 */
export function accWsdl(schema: string, location: string): string | undefined {
  const name = schema === 'nms:rtEvent' ? 'rtEvent' : schema === 'nms:batchEvent' ? 'batchEvent' : undefined;
  if (!name) return undefined;
  const ns = `urn:nms:${name}`;
  const operation = (method: string) =>
    `<wsdl:operation name="${method}"><soap:operation soapAction="nms:${name}#${method}" style="document"/>` +
    `<wsdl:input><soap:body use="literal"/></wsdl:input><wsdl:output><soap:body use="literal"/></wsdl:output></wsdl:operation>`;
  return (
    `<?xml version="1.0" encoding="utf-8"?>\n` +
    `<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:s="http://www.w3.org/2001/XMLSchema" xmlns:tns="${ns}" targetNamespace="${ns}">` +
    `<wsdl:types><s:schema elementFormDefault="qualified" targetNamespace="${ns}">` +
    `<s:complexType name="Element"><s:sequence><s:any processContents="lax"/></s:sequence></s:complexType>` +
    `<s:element name="PushEvent"><s:complexType><s:sequence><s:element name="sessiontoken" type="s:string"/><s:element name="domEvent" type="tns:Element"/></s:sequence></s:complexType></s:element>` +
    `<s:element name="PushEventResponse"><s:complexType><s:sequence><s:element name="plId" type="s:long"/></s:sequence></s:complexType></s:element>` +
    `<s:element name="PushEvents"><s:complexType><s:sequence><s:element name="sessiontoken" type="s:string"/><s:element name="domEventCollection" type="tns:Element"/></s:sequence></s:complexType></s:element>` +
    `<s:element name="PushEventsResponse"><s:complexType/></s:element>` +
    `</s:schema></wsdl:types>` +
    ['PushEvent', 'PushEvents']
      .map((method) => `<wsdl:message name="${method}In"><wsdl:part name="parameters" element="tns:${method}"/></wsdl:message><wsdl:message name="${method}Out"><wsdl:part name="parameters" element="tns:${method}Response"/></wsdl:message>`)
      .join('') +
    `<wsdl:portType name="${name}MethodsSoap">` +
    ['PushEvent', 'PushEvents'].map((method) => `<wsdl:operation name="${method}"><wsdl:input message="tns:${method}In"/><wsdl:output message="tns:${method}Out"/></wsdl:operation>`).join('') +
    `</wsdl:portType>` +
    `<wsdl:binding name="${name}MethodsSoap" type="tns:${name}MethodsSoap"><soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>${operation('PushEvent')}${operation('PushEvents')}</wsdl:binding>` +
    `<wsdl:service name="MessageCenter${name[0]?.toUpperCase()}${name.slice(1)}"><wsdl:port name="${name}MethodsSoap" binding="tns:${name}MethodsSoap"><soap:address location="${location}"/></wsdl:port></wsdl:service>` +
    `</wsdl:definitions>\n`
  );
}
