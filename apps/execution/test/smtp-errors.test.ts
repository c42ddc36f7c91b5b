import { classifySmtpError } from '../src/delivery/email-sender';

const smtpError = (fields: Record<string, unknown>) => Object.assign(new Error('SMTP error'), fields);

describe('classifying SMTP errors', () => {
  it.each([
    ['a 5xx to RCPT TO: the address is bad', { responseCode: 550, command: 'RCPT TO', code: 'EENVELOPE' }, 'permanent'],
    ['a 5xx to MAIL FROM: our sender is refused, not the address', { responseCode: 553, command: 'MAIL FROM', code: 'EENVELOPE' }, 'misconfigured'],
    ['a 535 to AUTH: our credentials are wrong', { responseCode: 535, command: 'AUTH PLAIN', code: 'EAUTH' }, 'misconfigured'],
    ['a 4xx: this message, try again later', { responseCode: 451, command: 'RCPT TO' }, 'transient'],
    ['a 421: the server is closing, it cannot take mail now', { responseCode: 421, command: 'CONN' }, 'unavailable'],
    ['a failed TLS handshake: the server cannot be reached safely', { code: 'ETLS' }, 'unavailable'],
    ['a refused or lost connection', { code: 'ECONNECTION' }, 'unavailable'],
    ['a timeout', { code: 'ETIMEDOUT' }, 'unavailable'],
  ])('%s', (_what, fields, kind) => {
    expect(classifySmtpError(smtpError(fields)).kind).toBe(kind);
  });
});
