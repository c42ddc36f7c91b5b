import { SecretBox } from '../src';

describe('SecretBox (AES-256-GCM secrets at rest)', () => {
  const box = new SecretBox('k'.repeat(32));

  it('seals a value so that it does not show in clear, and opens it again', () => {
    const sealed = box.seal('mc_the_credential_0123456789', 'account:east');
    expect(sealed).toMatch(/^v1:[0-9a-f]{8}:[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain('credential');
    expect(box.seal('mc_the_credential_0123456789', 'account:east')).not.toBe(sealed);
    expect(box.open(sealed, 'account:east')).toBe('mc_the_credential_0123456789');
  });

  it('refuses a value moved to another record, altered, or sealed with an unknown key', () => {
    const sealed = box.seal('secret', 'account:east');
    expect(() => box.open(sealed, 'account:west')).toThrow(/altered or belongs to another record/);
    const flipped = `${sealed.slice(0, -2)}${sealed.endsWith('A') ? 'B' : 'A'}${sealed.slice(-1)}`;
    expect(() => box.open(flipped, 'account:east')).toThrow(/altered/);
    expect(() => new SecretBox('o'.repeat(32)).open(sealed, 'account:east')).toThrow(/sealed with another key \(id [0-9a-f]{8}\)/);
    expect(() => box.open('plain text', 'account:east')).toThrow(/not sealed/);
    const [version, keyId, payload = ''] = sealed.split(':');
    expect(() => box.open(`${version}:${keyId}:${payload.slice(0, 30)}`, 'account:east')).toThrow(/too short|altered/);
    // A legacy credential in clear that happens to start like a sealed value is still clear.
    expect(SecretBox.isSealed('v1:my-old-credential-in-clear')).toBe(false);
  });

  it('opens what a previous key sealed, and tells which values to seal again', () => {
    const old = new SecretBox('o'.repeat(32));
    const sealedBefore = old.seal('secret', 'r');
    const rotated = new SecretBox('n'.repeat(32), ['o'.repeat(32)]);
    expect(rotated.open(sealedBefore, 'r')).toBe('secret');
    expect(rotated.isStale(sealedBefore)).toBe(true);
    expect(rotated.isStale(rotated.seal('secret', 'r'))).toBe(false);
    expect(rotated.isStale('clear text')).toBe(true);
    expect(SecretBox.isSealed('clear text')).toBe(false);
  });
});
