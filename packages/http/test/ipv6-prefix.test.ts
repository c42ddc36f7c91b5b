import { ipv6Prefix64 } from '../src';

describe('ipv6Prefix64', () => {
  it('gives one /64 for every spelling of addresses in it', () => {
    const prefix = ipv6Prefix64('2001:db8:0:0::1');
    for (const address of ['2001:db8::1', '2001:db8::2', '2001:0db8:0000:0000:ffff::9', '2001:db8::1%eth0', '2001:db8::192.0.2.1']) expect(ipv6Prefix64(address)).toBe(prefix);
    expect(prefix).toBe('2001:db8:0:0');
    expect(ipv6Prefix64('2001:db8:1::7:8')).toBe('2001:db8:1:0');
    expect(ipv6Prefix64('::1')).toBe('0:0:0:0');
    expect(ipv6Prefix64('2001:db8:0:1::1')).not.toBe(prefix);
  });
});
