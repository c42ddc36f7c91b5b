import { startSmtpSink, type SmtpSink } from '@mc/smtp-sink';
import { runAccSdk, templateVersion, waitFor, TEST_CONTROL_KEY, TEST_PRODUCER_KEY, type AccSdkMode, type AccSdkStepResult } from '@mc/testing';
import { createApiKey, hashApiKey, revokeApiKey } from '../src/api-keys/api-keys';
import { eventWithStatus, startExecutionHarness, type ExecutionHarness } from '../testing';
import { childElements, parseXml } from '../src/soap/xml';

/**
 * Campaign Classic producers, unchanged: Adobe's own SDK (@adobe/acc-js-sdk) in every credential
 * mode, the documented raw SoapUI call, every fault, hostile XML. Never a 5xx, never JSON.
 */
describe('the Campaign Classic SOAP surface', () => {
  let smtp: SmtpSink;
  let mc: ExecutionHarness;
  let router: string;
  beforeAll(async () => {
    smtp = await startSmtpSink();
    mc = await startExecutionHarness({ SMTP_URL: smtp.url, UPDATE_EVENT_STATUS_EVERY_MS: '100' });
    router = `${mc.baseUrl}/nl/jsp/soaprouter.jsp`;
    await mc.request(
      'PUT',
      '/api/v1/templates/acc-order',
      templateVersion({
        eventType: 'order_confirmation',
        subject: 'Order for {{ ctx.client.firstname }} {{ ctx.client.lastname }}',
        html: '<p>{% assign articles = ctx.orderdetails.article | asArray %}{% for article in articles %}{{ article.num }}:{{ article.name }};{% endfor %}</p>',
        text: 'Hello {{ ctx.client.firstname }}',
      }),
      TEST_CONTROL_KEY,
    );
  });
  afterAll(async () => {
    await mc.close();
    await smtp.close();
  });

  const eventByPlId = async (plId: string | number) => {
    const answer = await mc.request('GET', `/api/v1/events/${plId}`);
    expect(answer.status).toBe(200);
    return answer.body;
  };
  const mailTo = (address: string) => waitFor(() => smtp.messages.find((message) => message.to.includes(address)));
  /** A raw call, as SoapUI or a hand-built producer makes it. */
  const rawCall = async (body: string, headers: Record<string, string> = {}) => {
    const response = await fetch(router, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '"nms:rtEvent#PushEvent"', ...headers }, body });
    return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
  };
  const faultOf = (text: string) => ({
    faultcode: /<faultcode>([^<]*)<\/faultcode>/.exec(text)?.[1],
    faultstring: /<faultstring[^>]*>([^<]*)<\/faultstring>/.exec(text)?.[1],
    detail: /<detail[^>]*>([^<]*)<\/detail>/.exec(text)?.[1],
  });

  const MODES: Array<[string, AccSdkMode]> = [
    ['user and password (Logon)', { kind: 'userAndPassword', login: 'shop-producer', password: TEST_PRODUCER_KEY }],
    ['session token "login/key"', { kind: 'sessionToken', token: `shop-producer/${TEST_PRODUCER_KEY}` }],
    ['bearer token (BearerTokenLogon)', { kind: 'bearerToken', token: TEST_PRODUCER_KEY }],
    ['IMS bearer token', { kind: 'imsBearerToken', token: TEST_PRODUCER_KEY }],
  ];
  const value = (result: AccSdkStepResult | undefined) => {
    if (!result?.ok) throw new Error(`the SDK call failed: ${JSON.stringify(result)}`);
    return result.value;
  };

  it.each(MODES)('when the SDK pushes with %s, then the events arrive with their ctx, render as in ACC and are delivered', async (label, mode) => {
    const tag = label.replace(/\W+/g, '-');
    const results = await runAccSdk({
      url: mc.baseUrl,
      mode,
      steps: [
        { call: 'logon' },
        {
          call: 'pushEvent',
          service: 'rt',
          json: {
            type: 'order_confirmation',
            email: `rt-${tag}@example.com`,
            wishedChannel: 0,
            externalId: `acc-${tag}`,
            origin: 'eCommerce',
            ctx: { client: { firstname: { $: 'John' }, lastname: { $: 'Doe' } }, orderdetails: { article: [{ num: '1', name: { $: 'USB key' } }, { num: '2', name: { $: 'Mouse' } }] } },
          },
        },
        { call: 'pushEvents', service: 'batch', json: { batchEvent: [{ type: 'order_confirmation', email: `b1-${tag}@example.com` }, { type: 'order_confirmation', email: `b2-${tag}@example.com` }] } },
        { call: 'logoff' },
      ],
    });
    expect(results.map((result) => result.ok)).toEqual([true, true, true, true]);
    // And as producers that build XML do (the SDK's `xml` representation): a DOM event.
    const xml = await runAccSdk({
      url: mc.baseUrl,
      mode,
      representation: 'xml',
      steps: [
        { call: 'logon' },
        {
          call: 'pushEvent',
          service: 'rt',
          xml: `<rtEvent type="order_confirmation" email="xml-${tag}@example.com"><ctx><client firstname="Ada"/><orderdetails><article num="7"><name>Cable</name></article></orderdetails></ctx></rtEvent>`,
        },
      ],
    });
    const plId = value(results[1]) as string;
    expect(Number(plId)).toBeGreaterThan(0);
    const event = await eventByPlId(plId);
    expect(event).toMatchObject({ kind: 'rt', type: 'order_confirmation', channel: 'email', externalId: `acc-${tag}`, ctx: { client: { firstname: 'John', lastname: 'Doe' } } });
    await eventWithStatus(mc, event.id, 'sent');
    const mail = await mailTo(`rt-${tag}@example.com`);
    expect(mail.subject).toBe('Order for John Doe');
    expect(mail.raw).toContain('1:USB key;2:Mouse;');

    expect((await eventByPlId(value(xml[1]) as string)).ctx).toEqual({ client: { firstname: 'Ada' }, orderdetails: { article: { num: '7', name: 'Cable' } } });
    expect((await mailTo(`xml-${tag}@example.com`)).raw).toContain('7:Cable;');
    expect(value(results[2])).toBeNull();
    const listed = await mc.request('GET', '/api/v1/events?type=order_confirmation&limit=500');
    expect(listed.body.items.filter((item: { email: string; kind: string }) => item.kind === 'batch' && item.email.endsWith(`-${tag}@example.com`))).toHaveLength(2);
  });

  it('when the documented SoapUI call is sent as is, then it answers 200 with a plId and stores the event as mapped', async () => {
    const answer = await rawCall(`<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:nms:rtEvent">
 <soapenv:Header/><soapenv:Body><urn:PushEvent><urn:sessiontoken>mc/${TEST_PRODUCER_KEY}</urn:sessiontoken><urn:domEvent>
  <rtEvent type="order_confirmation" email="john.doe@domain.com" origin="eCommerce" wishedChannel="0"
           externalId="1242" mobilePhone="+33620202020">
   <ctx><client><firstname>John</firstname><lastname>Doe</lastname></client>
        <orderdetails><article num="1"><name>Generic USB key</name><price>20</price></article></orderdetails></ctx>
  </rtEvent></urn:domEvent></urn:PushEvent></soapenv:Body></soapenv:Envelope>`);
    expect(answer.status).toBe(200);
    expect(answer.type).toBe('text/xml; charset=utf-8');
    expect(answer.text).toMatch(/<PushEventResponse xmlns='urn:nms:rtEvent'[^>]*><plId xsi:type='xsd:long'>[1-9]\d*<\/plId><\/PushEventResponse>/);
    const plId = /<plId[^>]*>(\d+)</.exec(answer.text)?.[1] ?? '';
    expect(await eventByPlId(plId)).toMatchObject({
      externalId: '1242',
      email: 'john.doe@domain.com',
      mobilePhone: '+33620202020',
      channel: 'email',
      ctx: { client: { firstname: 'John', lastname: 'Doe' }, orderdetails: { article: { num: '1', name: 'Generic USB key', price: '20' } } },
      // What has no field of ours is kept: the other attributes, and the ctx as it came.
      accAttributes: { origin: 'eCommerce' },
      ctxXml: expect.stringContaining('<client><firstname>John</firstname><lastname>Doe</lastname></client>'),
    });
    // The same externalId again: the same event, the same plId.
    // Without SOAPAction (the method from the Body), the same externalId again: the same event, the same plId.
    const again = await rawCall(
      `<Envelope><Body><PushEvent xmlns="urn:nms:rtEvent"><sessiontoken>x/${TEST_PRODUCER_KEY}</sessiontoken><domEvent><rtEvent type="order_confirmation" email="john.doe@domain.com" externalId="1242"/></domEvent></PushEvent></Body></Envelope>`,
      { soapaction: '' },
    );
    expect(/<plId[^>]*>(\d+)</.exec(again.text)?.[1]).toBe(plId);
  });

  it('when nms:rtEvent#PushEvents carries several events, then they are stored together (a batchEvent root as batch) and delivered', async () => {
    const events = [1, 2, 3, 4]
      .map((n) => `<${n === 4 ? 'batchEvent' : 'rtEvent'} type="order_confirmation" email="many-${n}@example.com" externalId="many-${n}"><ctx><client><firstname>N${n}</firstname></client></ctx></${n === 4 ? 'batchEvent' : 'rtEvent'}>`)
      .join('');
    const answer = await rawCall(`<Envelope><Body><PushEvents xmlns="urn:nms:rtEvent"><sessiontoken>x/${TEST_PRODUCER_KEY}</sessiontoken><domEventCollection><domEventCollection>${events}</domEventCollection></domEventCollection></PushEvents></Body></Envelope>`, { soapaction: 'nms:rtEvent#PushEvents' });
    expect(answer.text).toMatch(/<PushEventsResponse xmlns='urn:nms:rtEvent'[^>]*\/>/);
    const listed = await mc.request('GET', '/api/v1/events?type=order_confirmation&limit=500');
    const ours = listed.body.items.filter((item: { externalId: string | null }) => item.externalId?.startsWith('many-'));
    // Newest first; a batchEvent root among them is a batch event, stored in the same statement.
    expect(ours.map((item: { kind: string }) => item.kind).sort()).toEqual(['batch', 'rt', 'rt', 'rt']);
    for (const item of ours) await eventWithStatus(mc, item.id, 'sent');
    expect((await mailTo('many-2@example.com')).subject).toBe('Order for N2');
  });

  it('when a call is refused, then it is a SOAP fault with the documented text (never JSON, never a 5xx)', async () => {
    const push = (token: string, event = '<rtEvent type="order_confirmation" email="ok@example.com"/>', action = '"nms:rtEvent#PushEvent"') =>
      rawCall(`<Envelope><Body><PushEvent xmlns="urn:nms:rtEvent"><sessiontoken>${token}</sessiontoken><domEvent>${event}</domEvent></PushEvent></Body></Envelope>`, { soapaction: action });

    const badKey = await push('shop/mc_not_a_key_000000000000000000000');
    expect(badKey.status).toBe(200);
    expect(faultOf(badKey.text)).toEqual({ faultcode: 'SOAP-ENV:Client', faultstring: "Error while reading parameters of method 'PushEvent' of service 'nms:rtEvent'.", detail: 'Invalid login or password. Connection denied.' });

    const invalid = await push(`shop/${TEST_PRODUCER_KEY}`, '<rtEvent type="order confirmation!" email="not an address" wishedChannel="7"/>');
    const detail = faultOf(invalid.text).detail ?? '';
    for (const field of ['@type', '@email', '@wishedChannel']) expect(detail).toContain(field);

    const unknown = await push(`shop/${TEST_PRODUCER_KEY}`, undefined, '"nms:rtEvent#PushEverything"');
    expect(faultOf(unknown.text).faultstring).toBe("SOP-330006 The method 'PushEverything' is not defined in SOAP service 'nms:rtEvent'.");

    const malformed = await rawCall('<Envelope><Body>\n  <PushEvent></Body></Envelope>');
    expect(faultOf(malformed.text).faultstring).toMatch(/^The XML SOAP message is invalid \(2:\d+: .+\)\.$/);

    const [sdkError] = await runAccSdk({ url: mc.baseUrl, mode: { kind: 'userAndPassword', login: 'shop', password: 'mc_wrong_key_000000000000000000' }, steps: [{ call: 'logon' }] });
    expect(sdkError).toMatchObject({ ok: false, error: { faultString: "Error while reading parameters of method 'Logon' of service 'xtk:session'.", detail: 'Invalid login or password. Connection denied.' } });
  });

  it('when a session expires or its key is revoked, then the call gets XSV-350008 and the SDK logs on again (or fails if the key is gone)', async () => {
    const { key } = await createApiKey(mc.instance.db.prisma, { name: 'acc-revoked', scopes: ['events:write'], producer: 'acc' });
    const event = { type: 'order_confirmation', email: 'session@example.com' };
    const { pool } = mc.instance.db;
    /** Once the producer has this many events (the push before the expiry is done), its sessions end, as their SOAP_SESSION_TTL_MS would. */
    const expireAfter = async (events: number) => {
      await waitFor(async () => ((await pool.query("SELECT count(*)::int AS n FROM events WHERE producer = 'acc'")).rows[0].n >= events ? true : undefined));
      await pool.query("UPDATE soap_sessions SET expires_at = now() - interval '1 second' WHERE key_hash = $1 AND expires_at > now()", [hashApiKey(key)]);
    };
    const steps = [{ call: 'logon' }, { call: 'pushEvent', service: 'rt', json: event }, { call: 'untilSessionExpired' }, { call: 'pushEvent', service: 'rt', json: event }] as const;
    // Expired: the SDK sees XSV-350008 (its SESSION_EXPIRED), calls the producer's refreshClient,
    // which logs on again, and the call succeeds.
    const [[, first, , second]] = await Promise.all([runAccSdk({ url: mc.baseUrl, mode: { kind: 'userAndPassword', login: 'acc', password: key }, reconnect: true, steps: [...steps] }), expireAfter(1)]);
    expect(Number(value(second))).toBeGreaterThan(Number(value(first)));
    const { rows } = await mc.instance.db.pool.query('SELECT count(*)::int AS n FROM soap_sessions WHERE key_hash = $1', [hashApiKey(key)]);
    expect(rows[0].n).toBe(2); // the first session, and the one refreshClient opened

    // Without refreshClient the SDK reports the expiry as such.
    const [[, , , expired]] = await Promise.all([runAccSdk({ url: mc.baseUrl, mode: { kind: 'userAndPassword', login: 'acc', password: key }, steps: [...steps] }), expireAfter(3)]);
    expect(expired).toMatchObject({ ok: false, error: { errorCode: 'SDK-000012', statusCode: 401 } });

    // Revoked: the key's sessions end with it (the next call is refused at once), and logging on again fails.
    const issued = await fetch(router, {
      method: 'POST',
      headers: { 'content-type': 'text/xml', soapaction: 'xtk:session#Logon' },
      body: `<Envelope><Body><Logon xmlns="urn:xtk:session"><sessiontoken/><login>acc</login><password>${key}</password><parameters/></Logon></Body></Envelope>`,
    }).then((answer) => answer.text());
    const [sessionToken, securityToken] = [/<pstrSessionToken[^>]*>([^<]+)</.exec(issued)?.[1], /<pstrSecurityToken[^>]*>([^<]+)</.exec(issued)?.[1]];
    const pushWithSession = () =>
      rawCall(`<Envelope><Body><PushEvent xmlns="urn:nms:rtEvent"><sessiontoken>${sessionToken}</sessiontoken><domEvent><rtEvent type="order_confirmation" email="s@example.com"/></domEvent></PushEvent></Body></Envelope>`, {
        'x-security-token': securityToken ?? '',
      });
    expect((await pushWithSession()).text).toMatch(/<plId xsi:type='xsd:long'>[1-9]/);
    await revokeApiKey(mc.instance.db.prisma, 'acc-revoked');
    expect(faultOf((await pushWithSession()).text).faultstring).toMatch(/^XSV-350008/);
    const [logon] = await runAccSdk({ url: mc.baseUrl, mode: { kind: 'userAndPassword', login: 'acc', password: key }, steps: [{ call: 'logon' }] });
    expect(logon).toMatchObject({ ok: false, error: { detail: 'Invalid login or password. Connection denied.' } });
  });

  it('when hostile XML comes, then it is a fault: no entity, no DTD, no deep nesting, no huge body, no 5xx', async () => {
    const envelope = (inner: string) => `<Envelope><Body><PushEvent xmlns="urn:nms:rtEvent"><sessiontoken>x/${TEST_PRODUCER_KEY}</sessiontoken><domEvent>${inner}</domEvent></PushEvent></Body></Envelope>`;
    const hostile = [
      `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${envelope('<rtEvent type="a" email="&xxe;@example.com"/>')}`,
      `<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>${envelope('<rtEvent type="a" email="&b;"/>')}`,
      envelope('<rtEvent type="a" email="&undefined;"/>'),
      envelope(`<rtEvent type="a" email="a@example.com"><ctx>${'<a>'.repeat(200)}${'</a>'.repeat(200)}</ctx></rtEvent>`),
      envelope(`<rtEvent type="a" email="a@example.com" origin="${'x'.repeat(200_000)}"/>`),
      envelope('<?php echo 1; ?><rtEvent type="a" email="a@example.com"/>'),
      '',
      'not xml at all',
      '<Envelope><Body></Body></Envelope>',
      `<Envelope>${'<x>'.repeat(100_000)}</Envelope>`,
      // Large and without a credential: searched for one in linear time (no '>' to stop at), then refused unparsed.
      `<Envelope>${'<sessiontoken '.repeat(12_000)}`,
    ];
    for (const body of hostile) {
      const answer = await rawCall(body);
      expect([body.slice(0, 60), answer.status < 500, answer.type]).toEqual([body.slice(0, 60), true, 'text/xml; charset=utf-8']);
      expect(answer.text).toContain('<SOAP-ENV:Fault>');
    }
    // An element named __proto__ changes no prototype; the ctx schema drops that key, as it does for JSON.
    const polluting = await rawCall(envelope('<rtEvent type="order_confirmation" email="proto@example.com"><ctx><__proto__><polluted>yes</polluted></__proto__><constructor>c</constructor></ctx></rtEvent>'));
    const plId = /<plId[^>]*>(\d+)</.exec(polluting.text)?.[1] ?? '';
    expect((await eventByPlId(plId)).ctx).toEqual({ constructor: 'c' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // A large body from a caller without a valid credential is refused before it is parsed (its XML is not even looked at).
    const unparsed = await rawCall(`<Envelope><Body><PushEvents xmlns="urn:nms:rtEvent"><sessiontoken>x/mc_not_a_key_00000000000000000</sessiontoken>${'<a>'.repeat(100_000)}`);
    expect(faultOf(unparsed.text).detail).toBe('Invalid login or password. Connection denied.');
    for (const method of ['GET', 'PUT', 'DELETE', 'PROPFIND']) {
      const other = await fetch(router, { method });
      expect([method, other.status, other.headers.get('content-type'), other.headers.get('allow')]).toEqual([method, 405, 'text/xml; charset=utf-8', 'POST']);
    }
    const tooBig = await rawCall(envelope(`<rtEvent type="a" email="a@example.com" origin="${'x'.repeat(40 * 1024 * 1024)}"/>`));
    expect([tooBig.status, tooBig.type]).toEqual([413, 'text/xml; charset=utf-8']);
  });

  it('serves the WSDL of both services, and a call built from it (as SoapUI builds one) is answered', async () => {
    for (const [schema, namespace] of [
      ['nms:rtEvent', 'urn:nms:rtEvent'],
      ['nms:batchEvent', 'urn:nms:batchEvent'],
    ]) {
      const answer = await fetch(`${mc.baseUrl}/nl/jsp/schemawsdl.jsp?schema=${schema}`);
      expect([answer.status, answer.headers.get('content-type')]).toEqual([200, 'text/xml; charset=utf-8']);
      const wsdl = parseXml(await answer.text());
      expect(wsdl.attributes.targetNamespace).toBe(namespace);
      const binding = childElements(wsdl, 'binding')[0]!;
      const actions = childElements(binding, 'operation').map((operation) => childElements(operation, 'operation')[0]?.attributes.soapAction);
      expect(actions).toEqual([`${schema}#PushEvent`, `${schema}#PushEvents`]);
      const address = childElements(childElements(childElements(wsdl, 'service')[0]!, 'port')[0]!, 'address')[0]!;
      expect(address.attributes.location).toBe(`${mc.baseUrl}/nl/jsp/soaprouter.jsp`);
      // The request a WSDL client writes: qualified elements in the target namespace, SOAPAction from the binding.
      const call = await fetch(address.attributes.location!, {
        method: 'POST',
        headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${actions[0]}"` },
        body: `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tns="${namespace}"><soapenv:Body><tns:PushEvent><tns:sessiontoken>wsdl/${TEST_PRODUCER_KEY}</tns:sessiontoken><tns:domEvent><rtEvent type="order_confirmation" email="wsdl@example.com"/></tns:domEvent></tns:PushEvent></soapenv:Body></soapenv:Envelope>`,
      });
      expect(await call.text()).toMatch(/<plId xsi:type='xsd:long'>[1-9]\d*<\/plId>/);
    }
    expect((await fetch(`${mc.baseUrl}/nl/jsp/schemawsdl.jsp?schema=xtk:session`)).status).toBe(404);
  });

  it('serves mcPing.jsp: Ok, then the pending real-time and batch events', async () => {
    const answer = await fetch(`${mc.baseUrl}/nl/jsp/mcPing.jsp`);
    const lines = (await answer.text()).trim().split('\n');
    expect(answer.status).toBe(200);
    expect(lines[0]).toBe('Ok');
    expect(lines[2]).toMatch(/^\d+\/10000 real-time events \(Pending\/Threshold\)$/);
    expect(lines[3]).toMatch(/^\d+\/10000 batch events \(Pending\/Threshold\)$/);
  });
});

describe('the SOAP surface keeps the JSON intake’s limits', () => {
  let mc: ExecutionHarness;
  beforeAll(async () => {
    mc = await startExecutionHarness({ MC_ROLE: 'api', INTAKE_RATE_LIMIT_PER_SECOND: '3', RT_BODY_LIMIT_BYTES: '4096', AUTH_FAILURES_PER_SECOND: '1', AUTH_FAILURES_BURST: '3' });
  });
  afterAll(() => mc.close());

  const push = (event: string) =>
    fetch(`${mc.baseUrl}/nl/jsp/soaprouter.jsp`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml', soapaction: 'nms:rtEvent#PushEvent' },
      body: `<Envelope><Body><PushEvent xmlns="urn:nms:rtEvent"><sessiontoken>shop/${TEST_PRODUCER_KEY}</sessiontoken><domEvent>${event}</domEvent></PushEvent></Body></Envelope>`,
    });

  it('when a key pushes faster than INTAKE_RATE_LIMIT_PER_SECOND, then the excess gets a fault with 429, Retry-After and RateLimit', async () => {
    const answers = await Promise.all(Array.from({ length: 8 }, () => push('<rtEvent type="order_confirmation" email="fast@example.com"/>')));
    const limited = answers.filter((answer) => answer.status === 429);
    expect(answers.filter((answer) => answer.status === 200).length).toBeGreaterThanOrEqual(3);
    expect(limited.length).toBeGreaterThanOrEqual(1);
    expect(limited[0]?.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(limited[0]?.headers.get('ratelimit-policy')).toBe('"per-key";q=3;w=1');
    expect(await limited[0]?.text()).toContain('<SOAP-ENV:Fault>');
  });

  it('when a PushEvent is larger than RT_BODY_LIMIT_BYTES, then it is a fault with 413 and nothing is stored', async () => {
    // (The size is checked before the rate limit: the previous test's spent tokens do not matter.)
    const answer = await push(`<rtEvent type="order_confirmation" email="big@example.com"><ctx><note>${'x'.repeat(5_000)}</note></ctx></rtEvent>`);
    expect([answer.status, answer.headers.get('content-type')]).toEqual([413, 'text/xml; charset=utf-8']);
    const { rows } = await mc.instance.db.pool.query("SELECT count(*)::int AS n FROM events WHERE email = 'big@example.com'");
    expect(rows[0].n).toBe(0);
  });

  it('when an address guesses keys, concurrently, then no more than the failure burst are looked up, and a known key still works', async () => {
    await push('<rtEvent type="order_confirmation" email="known@example.com"/>');
    const logon = (key: string) =>
      fetch(`${mc.baseUrl}/nl/jsp/soaprouter.jsp`, {
        method: 'POST',
        headers: { 'content-type': 'text/xml', soapaction: 'xtk:session#Logon' },
        body: `<Envelope><Body><Logon xmlns="urn:xtk:session"><sessiontoken/><login>guess</login><password>${key}</password><parameters/></Logon></Body></Envelope>`,
      });
    const answers = await Promise.all(Array.from({ length: 10 }, (_, index) => logon(`mc_guess_${index}_00000000000000000000`)));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(3);
    expect(statuses.filter((status) => status === 429)).toHaveLength(7);
    // The address is blocked now, but a key this process knows as good still logs on.
    expect((await logon(TEST_PRODUCER_KEY)).status).toBe(200);
  });
});
