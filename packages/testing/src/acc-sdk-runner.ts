/*
 * Runs Adobe's Campaign Classic SDK (@adobe/acc-js-sdk) in a process of its own — its jsdom
 * needs ES modules that Jest's CommonJS runtime cannot load — through the steps it is given
 * (JSON, argv[2]), and prints what each returned or threw (JSON, one line). See acc-sdk.ts.
 */
import sdk from '@adobe/acc-js-sdk';
import type { AccSdkScript, AccSdkStepResult } from './acc-sdk';

/** Polls the router with the client's own session tokens until the session is reported expired. */
async function untilSessionExpired(url: string, client: Awaited<ReturnType<typeof sdk.init>>): Promise<void> {
  const body =
    `<Envelope><Header><X-Security-Token>${client._securityToken}</X-Security-Token></Header><Body>` +
    `<GetEntityIfMoreRecent xmlns="urn:xtk:persist"><sessiontoken>${client._sessionToken}</sessiontoken><pk>xtk:schema|nms:rtEvent</pk></GetEntityIfMoreRecent></Body></Envelope>`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const answer = await fetch(`${url}/nl/jsp/soaprouter.jsp`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body });
    if ((await answer.text()).includes('XSV-350008')) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the session did not expire within 30 s');
}

async function main(): Promise<void> {
  const script = JSON.parse(process.argv[2] ?? '{}') as AccSdkScript;
  const { mode, url } = script;
  const options = {
    representation: script.representation ?? 'SimpleJson',
    ...(script.reconnect ? { refreshClient: async (expired: Awaited<ReturnType<typeof sdk.init>>) => (await expired.logon(), expired) } : {}),
  };
  const parameters =
    mode.kind === 'userAndPassword'
      ? sdk.ConnectionParameters.ofUserAndPassword(url, mode.login, mode.password, options)
      : mode.kind === 'sessionToken'
        ? sdk.ConnectionParameters.ofSessionToken(url, mode.token, options)
        : mode.kind === 'bearerToken'
          ? sdk.ConnectionParameters.ofBearerToken(url, mode.token, options)
          : sdk.ConnectionParameters.ofImsBearerToken(url, mode.token, options);
  const results: AccSdkStepResult[] = [];
  const client = await sdk.init(parameters);
  for (const step of script.steps) {
    try {
      let value: unknown = null;
      if (step.call === 'logon') await client.logon();
      else if (step.call === 'logoff') await client.logoff();
      else if (step.call === 'untilSessionExpired') await untilSessionExpired(url, client);
      else if (step.call === 'pushEvent' || step.call === 'pushEvents') {
        const service = step.service === 'batch' ? client.NLWS.nmsBatchEvent : client.NLWS.nmsRtEvent;
        const argument = step.xml !== undefined ? sdk.DomUtil.parse(step.xml).documentElement : step.json;
        value = step.call === 'pushEvent' ? await service.pushEvent(argument) : await service.pushEvents(argument);
      }
      results.push({ ok: true, value });
    } catch (thrown) {
      const error = thrown as { faultCode?: string; faultString?: string; detail?: string; errorCode?: string; message?: string; statusCode?: number };
      results.push({ ok: false, error: { faultCode: error.faultCode, faultString: error.faultString, detail: error.detail, errorCode: error.errorCode, statusCode: error.statusCode, message: error.message ?? String(thrown) } });
    }
  }
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String((error as Error).stack ?? error)}\n`);
  process.exit(1);
});
