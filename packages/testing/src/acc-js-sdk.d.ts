/** The part of Adobe's untyped `@adobe/acc-js-sdk` (1.2.0) the SOAP tests use. */
declare module '@adobe/acc-js-sdk' {
  interface ConnectionParameters {
    readonly _endpoint: string;
  }
  interface ConnectionOptions {
    /** How documents are given and returned: `SimpleJson` (the default), `BadgerFish` or `xml` (DOM elements). */
    representation?: 'SimpleJson' | 'BadgerFish' | 'xml';
    /** Called when a call answers XSV-350008 (session expired); the call is then made again once. */
    refreshClient?: (client: Client) => Promise<Client>;
  }
  interface EventService {
    pushEvent(event: unknown): Promise<string>;
    pushEvents(events: unknown): Promise<null>;
  }
  interface Client {
    /** The tokens of the session Logon opened (the SDK's own fields). */
    readonly _sessionToken: string;
    readonly _securityToken: string;
    logon(): Promise<void>;
    logoff(): Promise<void>;
    NLWS: { nmsRtEvent: EventService; nmsBatchEvent: EventService };
  }
  const sdk: {
    init(parameters: ConnectionParameters): Promise<Client>;
    ConnectionParameters: {
      ofUserAndPassword(url: string, user: string, password: string, options?: ConnectionOptions): ConnectionParameters;
      ofSessionToken(url: string, token: string, options?: ConnectionOptions): ConnectionParameters;
      ofBearerToken(url: string, token: string, options?: ConnectionOptions): ConnectionParameters;
      ofImsBearerToken(url: string, token: string, options?: ConnectionOptions): ConnectionParameters;
    };
    DomUtil: { parse(xml: string): { documentElement: unknown } };
  };
  export default sdk;
}
