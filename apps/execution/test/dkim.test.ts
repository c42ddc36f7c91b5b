import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { dkimVerify } from 'mailauth/lib/dkim/verify';
import { simpleParser } from 'mailparser';
import { startSmtpSink, type SmtpSink } from '@mc/smtp-sink';
import { composeMime, prepareAddress } from '../src/delivery/mime-message';
import { dkimKey, dkimSign, type DkimKey } from '../src/delivery/dkim';
import { createEmailSender } from '../src/delivery/email-sender';
import { openTransports } from '../src/delivery/channel-senders';
import { readExecutionEnv } from '../src/env';
import { testLogger } from '@mc/testing';

/** The TXT record a domain publishes for a key (`v=DKIM1; k=…; p=…`). */
function dnsRecord(publicKey: KeyObject): string {
  if (publicKey.asymmetricKeyType === 'ed25519') {
    // RFC 8463: the raw 32-byte key, not its SubjectPublicKeyInfo.
    const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
    return `v=DKIM1; k=ed25519; p=${raw.toString('base64')}`;
  }
  return `v=DKIM1; k=rsa; p=${publicKey.export({ format: 'der', type: 'spki' }).toString('base64')}`;
}

function keyPair(type: 'rsa' | 'ed25519'): { key: DkimKey; record: string } {
  const { privateKey, publicKey } = type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ed25519');
  return { key: dkimKey({ domain: 'shop.example', selector: `mc-${type}`, privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() }), record: dnsRecord(publicKey) };
}

/** Verified by mailauth, an independent implementation, against the published record. */
async function verify(raw: string, records: Record<string, string>) {
  const resolver = (name: string, type: string) => {
    if (type === 'TXT' && records[name]) return Promise.resolve([[records[name]]]);
    return Promise.reject(Object.assign(new Error(`no ${type} ${name}`), { code: 'ENOTFOUND' }));
  };
  return (await dkimVerify(Buffer.from(raw), { resolver })).results;
}

const message = (overrides: Partial<Parameters<typeof composeMime>[0]> = {}) =>
  composeMime(
    {
      from: prepareAddress('Boutique Éléonore <no-reply@shop.example>'),
      replyTo: prepareAddress('help@shop.example'),
      to: 'ada@customer.example',
      subject: 'Votre commande n° 1042 est expédiée — merci !',
      text: `Bonjour Ada,\n\nvotre commande est en route.  Des espaces   en trop \t et une ligne longue : ${'x'.repeat(200)}\n\n\n`,
      html: '<p>Bonjour <b>Ada</b>,</p>\n<p>votre commande est en route.</p>',
      messageId: '<0190f5a2-7b3c-7d4e-8f90-123456789abc@shop.example>',
      headers: { 'X-Message-Center-Event': '0190f5a2-0000-7000-8000-000000000001' },
      ...overrides,
    },
    '--_mc_boundary',
  );

describe('DKIM signatures', () => {
  it.each(['rsa', 'ed25519'] as const)('a %s signature of a message with non-ASCII headers, long lines and both parts verifies', async (type) => {
    const { key, record } = keyPair(type);
    const signed = dkimSign(message(), key);
    expect(signed.split('\r\n').every((line) => line.length <= 78)).toBe(true);
    const [result] = await verify(signed, { [`mc-${type}._domainkey.shop.example`]: record });
    expect(result).toMatchObject({ signingDomain: 'shop.example', selector: `mc-${type}`, status: { result: 'pass' } });
    expect(result?.algo).toBe(type === 'rsa' ? 'rsa-sha256' : 'ed25519-sha256');
  });

  it('a message changed after signing, or checked against another key, fails', async () => {
    const { key, record } = keyPair('rsa');
    const signed = dkimSign(message(), key);
    const records = { 'mc-rsa._domainkey.shop.example': record };
    const outcome = async (raw: string, published = records) => (await verify(raw, published))[0]?.status.result;
    expect(await outcome(signed)).toBe('pass');
    // A changed body no longer matches bh= (mailauth says `neutral`), a changed header the signature (`fail`).
    expect(await outcome(signed.replace('est en route', 'est perdue'))).toBe('neutral');
    expect(await outcome(signed.replace(/^Subject: .*$/m, 'Subject: changed'))).toBe('fail');
    expect(await outcome(signed, { 'mc-rsa._domainkey.shop.example': keyPair('rsa').record })).toBe('fail');
  });

  it('refuses a key it cannot sign with, saying why', () => {
    expect(() => dkimKey({ domain: 'shop.example', selector: 's', privateKeyPem: 'not a key' })).toThrow(/cannot be read/);
    const small = generateKeyPairSync('rsa', { modulusLength: 512 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(() => dkimKey({ domain: 'shop.example', selector: 's', privateKeyPem: small })).toThrow(/under 1024 bits/);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(() => dkimKey({ domain: 'shop.example', selector: 's', privateKeyPem: ec })).toThrow(/a ec key/);
  });

  it('is configured all or nothing, and a key that cannot sign stops the start, saying which variable', async () => {
    expect(() => readExecutionEnv({ MC_DKIM_DOMAIN: 'shop.example' })).toThrow(/MC_DKIM_SELECTOR: is required[\s\S]*MC_DKIM_PRIVATE_KEY_FILE: give the DKIM key/);
    const env = readExecutionEnv({ MC_DKIM_DOMAIN: 'shop.example', MC_DKIM_SELECTOR: 'mc', MC_DKIM_PRIVATE_KEY_FILE: '/nonexistent/dkim.pem', SMTP_URL: 'smtp://127.0.0.1:1' });
    await expect(openTransports(env, testLogger())).rejects.toThrow(/^MC_DKIM_PRIVATE_KEY_FILE: .*ENOENT/);
  });

  describe('on every message the sender sends', () => {
    let sink: SmtpSink;
    beforeAll(async () => {
      sink = await startSmtpSink();
    });
    afterAll(() => sink.close());

    it("both the lean path and the international-address one are signed, a template's From and one-click List-Unsubscribe included, and verify as received", async () => {
      const { key, record } = keyPair('ed25519');
      const sender = createEmailSender({ smtpUrl: sink.url, from: 'Shop <no-reply@shop.example>', messageIdDomain: 'shop.example', dkim: key });
      const headers = { from: 'Boutique Éléonore <news@shop.example>', listUnsubscribe: 'https://shop.example/unsubscribe/e' };
      try {
        for (const [index, recipient] of ['ada@customer.example', 'josé@exämple.com'].entries()) {
          for (const set of [null, headers]) {
            const deliveryLogId = `0190f5a2-7b3c-7d4e-8f90-1234567890${index}${set ? 1 : 0}`;
            await sender.send({ deliveryLogId, eventId: 'e', channel: 'email', recipient, subject: 'Commande expédiée', html: '<p>Bonjour</p>', text: 'Bonjour', headers: set });
          }
        }
      } finally {
        await sender.close();
      }
      expect(sink.messages).toHaveLength(4);
      for (const received of sink.messages) {
        const [result] = await verify(received.raw, { 'mc-ed25519._domainkey.shop.example': record });
        expect(result?.status.result).toBe('pass');
        const parsed = await simpleParser(received.raw);
        const signedHeaders = /\bh=([^;]+)/.exec(received.raw.replace(/\r\n[ \t]+/g, ''))?.[1]?.toLowerCase().split(':');
        if (received.messageId?.includes('1@')) {
          // RFC 8058: the signature covers both List-Unsubscribe headers.
          expect(signedHeaders).toEqual(expect.arrayContaining(['from', 'list-unsubscribe', 'list-unsubscribe-post']));
          expect(parsed.from?.value).toEqual([{ name: 'Boutique Éléonore', address: 'news@shop.example' }]);
          expect(parsed.headers.get('list')).toEqual({ unsubscribe: { url: 'https://shop.example/unsubscribe/e' }, 'unsubscribe-post': { name: 'List-Unsubscribe=One-Click' } });
          expect(received.from).toBe('news@shop.example');
        } else {
          expect(parsed.from?.value).toEqual([{ name: 'Shop', address: 'no-reply@shop.example' }]);
          expect(parsed.headers.has('list')).toBe(false);
        }
      }
    });
  });
});
