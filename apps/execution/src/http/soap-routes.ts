import express, { Router, type ErrorRequestHandler, type Request } from 'express';
import type pg from 'pg';
import type { Redis } from 'ioredis';
import { AppError, coerceError, fieldErrorsOf, type EventKind } from '@mc/domain';
import { eventInputSchema, type EventInput } from '@mc/contract';
import { principalRateLimiter, type Authenticator, type Principal } from '@mc/http';
import { FaultLog, isTransientInfrastructureError, type Logger } from '@mc/observability';
import type { EventIntake, EventOrigin } from '../intake/event-intake';
import { accEventOf, FIELD_OF_INPUT } from '../soap/acc-event';
import { accSchemaDocument, accWsdl } from '../soap/acc-schemas';
import { readSoapCall, SoapFault, soapFaultEnvelope, soapResponse, type SoapCall } from '../soap/soap-envelope';
import { closeSoapSession, isIssuedSessionToken, openSoapSession, soapSessionPrincipal } from '../soap/soap-sessions';
import { childElements, escapeAttribute, local, type XmlElement } from '../soap/xml';
import { countPendingByKind } from '../sql/count-pending-by-kind';
import { hashApiKey } from '../api-keys/api-keys';

export interface SoapOptions {
  /** How long a Logon session lasts (ms). */
  sessionTtlMs: number;
  /** The HTTP status of a fault: 200 lets Adobe's SDK read the fault's code; SOAP 1.1 says 500. */
  faultHttpStatus: number;
  bodyLimitBytes: number;
  /** The largest PushEvent (one event), as the JSON intake's RT_BODY_LIMIT_BYTES; PushEvents may use bodyLimitBytes. */
  pushEventLimitBytes: number;
  /** INTAKE_RATE_LIMIT_PER_SECOND: the JSON intake's per-key limit, for SOAP pushes too (0: none). */
  rateLimitPerSecond: number;
  /** mcPing.jsp says `Error` above this many pending events of a kind. */
  pingPendingThreshold: number;
  /** The name serverInfo gives (MC_INSTANCE_NAME). */
  instanceName: string;
}

export interface SoapRoutesOptions {
  pool: pg.Pool;
  redis: Redis;
  intake: EventIntake;
  auth: Authenticator;
  logger: Logger;
  soap: SoapOptions;
}

const MAX_EVENTS_PER_PUSH = 10_000;
const EVENT_SERVICES: Record<string, EventKind> = { 'nms:rtEvent': 'rt', 'nms:batchEvent': 'batch' };

const invalidCredentials = (call: Pick<SoapCall, 'service' | 'method'>) =>
  new SoapFault(`Error while reading parameters of method '${call.method}' of service '${call.service}'.`, 'Invalid login or password. Connection denied.');
const sessionExpired = () => new SoapFault('XSV-350008 Session has expired or is invalid. Please reconnect.', 'XSV-350008 Session has expired or is invalid. Please reconnect.');

function cookieSessionToken(cookie: string | undefined): string | undefined {
  return cookie ? /(?:^|;\s*)__sessiontoken=([^;]*)/.exec(cookie)?.[1]?.trim() || undefined : undefined;
}

/** How much of a large body is searched for its credential before the body is parsed. */
const CREDENTIAL_SEARCH_CHARS = 64 * 1024;

/**
 * The credential of a large request, found without parsing it: its `<sessiontoken>` and
 * `<X-Security-Token>` in the first 64 KiB (the Header and the first parameter come first).
 */
function credentialOfLargeBody(body: string): Pick<SoapCall, 'service' | 'method' | 'sessionToken' | 'securityToken'> {
  const head = body.slice(0, CREDENTIAL_SEARCH_CHARS);
  // `[^<>]*`, not `[^>]*`: a run of unclosed tags cannot make the search backtrack over the whole head.
  const text = (name: string) => new RegExp(`<(?:[\\w.-]+:)?${name}(?:\\s[^<>]*)?>([^<]*)</`).exec(head)?.[1]?.trim();
  const action = /<(?:[\w.-]+:)?(PushEvents?)[\s>]/.exec(head)?.[1] ?? 'PushEvents';
  return { service: 'nms:rtEvent', method: action, sessionToken: text('sessiontoken') ?? '', securityToken: text('X-Security-Token') };
}

/** The event elements of a PushEvents parameter: the collection document's children (or the parameter's own, written flat). */
function eventsOfCollection(param: XmlElement | undefined): XmlElement[] {
  if (!param) return [];
  const flat = param.children.filter((child) => child.attributes.type !== undefined);
  if (flat.length > 0) return flat;
  return param.children[0]?.children ?? [];
}

/**
 * Campaign Classic's SOAP surface (ACC-COMPAT.md): `POST /nl/jsp/soaprouter.jsp` — sessions,
 * the two schemas the SDK reads, PushEvent(s) of `nms:rtEvent` and `nms:batchEvent` through the
 * same intake as the JSON API — and `GET /nl/jsp/mcPing.jsp`. Every refusal is a SOAP fault,
 * never a JSON problem; nothing a caller sends makes a 5xx (an outage answers a Server fault, 503).
 */
export function soapRoutes(options: SoapRoutesOptions): Router {
  const router = Router();
  const faults = new FaultLog(options.logger);
  const { auth, pool, soap } = options;
  const limiter = principalRateLimiter(soap.rateLimitPerSecond);

  /**
   * As the JSON API does: a key this process knows as good is checked without spending the
   * address's failure budget; any other spends a token first (so concurrent guesses cannot
   * outrun the limit), given back when the key was good.
   */
  const verifyKey = async (key: string, req: Request, call: SoapCall): Promise<Principal> => {
    const vouched = auth.verify.cached?.(key) !== undefined || (auth.verify.knownGood?.(key) ?? false);
    if (!vouched && !auth.failures.take(req)) throw new SoapFault('Too many failed authentications from this address; try again later.', 'Connection denied.', 'SOAP-ENV:Client', { status: 429 });
    let principal: Principal | undefined;
    try {
      principal = await auth.verify(key);
    } catch (error) {
      // Not the credential's fault (the database is away): the token goes back.
      if (!vouched) auth.failures.release(req);
      throw error;
    }
    if (principal && !vouched) auth.failures.release(req);
    if (!principal) {
      if (vouched) auth.failures.recordFailure(req);
      throw invalidCredentials(call);
    }
    return principal;
  };

  /** The four credential modes: IMS bearer header; `login/key` session token; a Logon session with its security token; a key as the token. */
  const authenticate = async (call: SoapCall, req: Request): Promise<Principal> => {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '')?.[1];
    if (bearer) return verifyKey(bearer, req, call);
    const token = call.sessionToken || req.get('x-session-token') || cookieSessionToken(req.get('cookie')) || cookieSessionToken(call.cookie);
    if (!token) throw invalidCredentials(call);
    if (isIssuedSessionToken(token)) {
      const security = req.get('x-security-token') || call.securityToken;
      const session = security ? await soapSessionPrincipal(pool, token, security) : undefined;
      if (session === 'expired' || session === undefined) throw sessionExpired();
      return session.principal;
    }
    const slash = token.indexOf('/');
    return verifyKey(slash === -1 ? token : token.slice(slash + 1), req, call);
  };

  /** Logon and BearerTokenLogon: a session of the key (by its hash: replacing the key ends it). */
  const logon = async (call: SoapCall, req: Request, key: string, givenLogin?: string) => {
    const principal = await verifyKey(key, req, call);
    const login = givenLogin ?? principal.name;
    const { sessionToken, securityToken } = await openSoapSession(pool, hashApiKey(key), login, soap.sessionTtlMs);
    const sessionInfo =
      `<sessionInfo><serverInfo advisedClientBuildNumber="0" allowSQL="false" buildNumber="9999" commitId="message-center" databaseId="mc-${escapeAttribute(soap.instanceName)}" ` +
      `fohVersion="2" instanceName="${escapeAttribute(soap.instanceName)}" majNumber="8" minClientBuildNumber="0" minNumber="0" minNumberTechnical="0" releaseName="Message Center" ` +
      `securityTimeOut="${Math.floor(soap.sessionTtlMs / 1000)}" serverDate="${new Date().toISOString()}" servicePack="0"/>` +
      `<userInfo datakitInDatabase="true" homeDir="" instanceLocale="en-US" locale="en-US" login="${escapeAttribute(login)}" loginCS="${escapeAttribute(login)}" loginId="0" noConsoleCnx="true" ` +
      `orgUnitId="0" theme="" timezone="UTC"/></sessionInfo>`;
    return soapResponse('urn:xtk:session', call.method, [
      { name: 'pstrSessionToken', type: 'xsd:string', value: sessionToken },
      { name: 'pSessionInfo', type: 'ns:Element', xml: sessionInfo },
      { name: 'pstrSecurityToken', type: 'xsd:string', value: securityToken },
    ]);
  };

  /** Validates every event (one fault naming every bad field), then stores them through the intake. */
  const push = async (call: SoapCall, principal: Principal, elements: XmlElement[], serviceKind: EventKind) => {
    if (!principal.scopes.has('events:write')) throw new SoapFault(`Error while executing the method '${call.method}' of service '${call.service}'.`, 'This credential may not push events (it lacks the events:write scope).');
    if (!principal.producer) throw new SoapFault(`Error while executing the method '${call.method}' of service '${call.service}'.`, 'This credential belongs to no producer.');
    const refusal = limiter?.(principal.name);
    if (refusal) throw new SoapFault(`Error while executing the method '${call.method}' of service '${call.service}'.`, `At most ${soap.rateLimitPerSecond} requests per second for this key; try again.`, 'SOAP-ENV:Client', { status: 429, headers: refusal });
    if (elements.length === 0) throw new SoapFault(`Error while reading parameters of method '${call.method}' of service '${call.service}'.`, 'No event in the request.');
    if (elements.length > MAX_EVENTS_PER_PUSH) throw new SoapFault(`Error while reading parameters of method '${call.method}' of service '${call.service}'.`, `At most ${MAX_EVENTS_PER_PUSH} events per call.`);
    const problems: string[] = [];
    const events: Array<{ kind: EventKind; input: EventInput; origin: EventOrigin }> = [];
    elements.forEach((element, index) => {
      const acc = accEventOf(element, serviceKind);
      const parsed = eventInputSchema.safeParse(acc.input);
      for (const [name, text] of Object.entries(acc.attributes)) if (text.length > 1_000) problems.push(`${elements.length > 1 ? `event ${index + 1}: ` : ''}@${name} must be at most 1000 characters`);
      if (parsed.success) return void events.push({ kind: acc.kind, input: parsed.data, origin: { attributes: acc.attributes, ctxXml: acc.ctxXml } });
      const where = elements.length > 1 ? `event ${index + 1}: ` : '';
      for (const field of fieldErrorsOf(parsed.error)) {
        const [head, ...rest] = field.path.split('.');
        const name = head ? [FIELD_OF_INPUT[head] ?? head, ...rest].join('.') : local(element.name);
        problems.push(`${where}${name} ${field.message}`);
      }
    });
    if (problems.length > 0) throw new SoapFault(`Error while reading parameters of method '${call.method}' of service '${call.service}'.`, `The event is not valid; nothing was stored: ${problems.join('; ')}.`);
    const producer = principal.producer;
    // One real-time event: the real-time intake (grouped with its neighbours). Several: one statement, all or none.
    if (events.length === 1 && events[0]?.kind === 'rt') return [await options.intake.acceptRealtime(events[0].input, producer, events[0].origin)];
    return options.intake.acceptAll(events, producer);
  };

  const dispatch = async (call: SoapCall, req: Request): Promise<string> => {
    const action = `${call.service}#${call.method}`;
    if (action === 'xtk:session#Logon') {
      const [login, password] = call.params.map((param) => param.text.trim());
      if (!login || !password) throw invalidCredentials(call);
      return logon(call, req, password, login);
    }
    if (action === 'xtk:session#BearerTokenLogon') {
      const bearerToken = call.params[0]?.text.trim();
      if (!bearerToken) throw invalidCredentials(call);
      return logon(call, req, bearerToken);
    }
    if (action === 'xtk:session#Logoff') {
      const token = call.sessionToken || req.get('x-session-token') || cookieSessionToken(req.get('cookie'));
      if (token && isIssuedSessionToken(token)) await closeSoapSession(pool, token);
      return soapResponse('urn:xtk:session', 'Logoff');
    }
    if (action === 'xtk:persist#GetEntityIfMoreRecent') {
      await authenticate(call, req);
      const schema = accSchemaDocument(call.params[0]?.text ?? '');
      return soapResponse('urn:wpp:default', 'GetEntityIfMoreRecent', [{ name: 'pdomDoc', type: 'ns:Element', xml: schema ?? '' }]);
    }
    const serviceKind = EVENT_SERVICES[call.service];
    if (serviceKind && (call.method === 'PushEvent' || call.method === 'PushEvents')) {
      const principal = await authenticate(call, req);
      if (call.method === 'PushEvent') {
        if (Buffer.byteLength(typeof req.body === 'string' ? req.body : '') > soap.pushEventLimitBytes) {
          throw new SoapFault(`Error while reading parameters of method 'PushEvent' of service '${call.service}'.`, `A PushEvent is at most ${soap.pushEventLimitBytes} bytes.`, 'SOAP-ENV:Client', { status: 413 });
        }
        const [accepted] = await push(call, principal, childElements(call.params[0] ?? { name: '', attributes: {}, children: [], text: '' }).slice(0, 1), serviceKind);
        return soapResponse(`urn:${call.service}`, 'PushEvent', [{ name: 'plId', type: 'xsd:long', value: accepted?.plId ?? '0' }]);
      }
      await push(call, principal, eventsOfCollection(call.params[0]), serviceKind);
      return soapResponse(`urn:${call.service}`, 'PushEvents');
    }
    throw new SoapFault(`SOP-330006 The method '${call.method}' is not defined in SOAP service '${call.service}'.`, `SOP-330006 The method '${call.method}' is not defined in SOAP service '${call.service}'.`);
  };

  const sendFault = (res: express.Response, fault: SoapFault, status: number) => res.status(status).type('text/xml; charset=utf-8').send(soapFaultEnvelope(fault));

  router.post('/nl/jsp/soaprouter.jsp', express.text({ type: () => true, limit: soap.bodyLimitBytes }), async (req, res) => {
    try {
      const body = typeof req.body === 'string' ? req.body : '';
      // A body larger than one event is read only for a caller with a valid credential: nobody
      // else makes this process build a tree of a 32 MiB document.
      if (Buffer.byteLength(body) > soap.pushEventLimitBytes) await authenticate({ ...credentialOfLargeBody(body), params: [] }, req);
      const querySoapAction = typeof req.query.soapAction === 'string' ? req.query.soapAction : undefined;
      const call = readSoapCall(body, req.get('soapaction'), querySoapAction);
      res.type('text/xml; charset=utf-8').send(await dispatch(call, req));
    } catch (thrown) {
      if (thrown instanceof SoapFault) {
        if (thrown.http?.headers) res.set(thrown.http.headers);
        return void sendFault(res, thrown, thrown.http?.status ?? soap.faultHttpStatus);
      }
      const error = coerceError(thrown);
      const outage = isTransientInfrastructureError(thrown) || (thrown as { status?: unknown }).status === 503;
      faults.report(`soap:${error.message.slice(0, 60)}`, outage ? 'SOAP call failed: a dependency is away' : 'SOAP call failed', { error: error.message });
      sendFault(res, new SoapFault('Error while executing the method: the service is temporarily unavailable; try again.', outage ? 'A dependency is away.' : 'Internal error.', 'SOAP-ENV:Server'), 503);
    }
  });
  // Another method on the SOAP router: a fault too (405), never a JSON problem.
  router.use('/nl/jsp/soaprouter.jsp', (req, res) => {
    res.set('Allow', 'POST');
    sendFault(res, new SoapFault('The XML SOAP message is invalid (SOAP calls are POSTed).', `${req.method} is not allowed here: POST the SOAP envelope.`), 405);
  });
  // What fails before the route (a body too large, an unreadable charset) is a fault too, never JSON.
  const bodyErrors: ErrorRequestHandler = (error: { status?: number; type?: string }, req, res, next) => {
    if (req.path !== '/nl/jsp/soaprouter.jsp') return next(error);
    const status = error.status && error.status >= 400 && error.status < 500 ? error.status : 400;
    sendFault(res, new SoapFault('The XML SOAP message is invalid (it could not be read).', error.type === 'entity.too.large' ? `The request is larger than ${soap.bodyLimitBytes} bytes.` : 'The request body could not be read.'), status);
  };
  router.use(bodyErrors);

  // The WSDL, for SoapUI and generated clients: the router's address as this request reached it.
  router.get('/nl/jsp/schemawsdl.jsp', (req, res) => {
    const schema = typeof req.query.schema === 'string' ? req.query.schema : '';
    const wsdl = accWsdl(schema, `${req.protocol}://${req.get('host') ?? 'localhost'}/nl/jsp/soaprouter.jsp`.replace(/[<>"&']/g, ''));
    if (!wsdl) throw new AppError('not_found', 'No WSDL for this schema: nms:rtEvent and nms:batchEvent have one.');
    res.type('text/xml; charset=utf-8').send(wsdl);
  });

  // Open to load balancers: one count a second at most, however often it is polled.
  let lastPing: { at: number; reading: Promise<{ rt: number; batch: number }> } | undefined;
  const pendingNow = () => {
    if (!lastPing || Date.now() - lastPing.at > 1_000) {
      const reading = Promise.all([countPendingByKind(pool), options.redis.ping()]).then(([pending]) => pending);
      reading.catch(() => (lastPing = undefined));
      lastPing = { at: Date.now(), reading };
    }
    return lastPing.reading;
  };
  router.get('/nl/jsp/mcPing.jsp', async (_req, res) => {
    const now = new Date().toISOString().replace('T', ' ');
    try {
      const pending = await pendingNow();
      const over = pending.rt > soap.pingPendingThreshold || pending.batch > soap.pingPendingThreshold;
      const lines = [
        over ? 'Error' : 'Ok',
        now,
        `${pending.rt}/${soap.pingPendingThreshold} real-time events (Pending/Threshold)`,
        `${pending.batch}/${soap.pingPendingThreshold} batch events (Pending/Threshold)`,
      ];
      res.status(over ? 503 : 200).type('text/plain; charset=utf-8').send(`${lines.join('\n')}\n`);
    } catch (thrown) {
      faults.report('mcping', 'mcPing.jsp: PostgreSQL or Redis unreachable', { error: coerceError(thrown).message });
      res.status(503).type('text/plain; charset=utf-8').send(`Error\n${now}\nPostgreSQL or Redis unreachable\n`);
    }
  });

  return router;
}
