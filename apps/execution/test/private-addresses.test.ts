import { isPrivateAddress } from '../src/webhooks/private-addresses';

describe('isPrivateAddress', () => {
  it.each(['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fd00::1', 'fe80::1', '::ffff:10.0.0.1', '::7f00:1', '64:ff9b::a9fe:a9fe', '64:ff9b:1::1'])('%s is private', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });
  it.each(['8.8.8.8', '172.32.0.1', '192.169.0.1', '2001:4860:4860::8888', '::ffff:8.8.8.8', 'not-an-ip'])('%s is not', (address) => {
    expect(isPrivateAddress(address)).toBe(false);
  });
});
