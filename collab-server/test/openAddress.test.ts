import { describe, expect, it } from 'vitest';
import { addressToOpen } from '../openAddress';

describe('the address a start-up line tells a person to open', () => {
  it('loopback: localhost, reachable from this machine only, with what lets others in', () => {
    for (const host of ['127.0.0.1', 'localhost']) {
      expect(addressToOpen(host, 3000)).toEqual({
        url: 'http://localhost:3000',
        note: ' (from this machine only; HOST=0.0.0.0 or a reverse proxy lets others in)',
      });
    }
    expect(addressToOpen('::1', 3000)).toEqual({ url: 'http://[::1]:3000', note: expect.stringContaining('from this machine only') });
  });

  it('every interface (HOST=0.0.0.0 or ::): localhost here, and other machines use this machine’s address', () => {
    for (const host of ['0.0.0.0', '::']) {
      expect(addressToOpen(host, 3000)).toEqual({ url: 'http://localhost:3000', note: " (other machines use this machine's address)" });
    }
  });

  it('a particular address: that address (IPv6 in brackets), no note', () => {
    expect(addressToOpen('192.168.1.20', 8080)).toEqual({ url: 'http://192.168.1.20:8080', note: '' });
    expect(addressToOpen('fd00::20', 8080)).toEqual({ url: 'http://[fd00::20]:8080', note: '' });
  });

  it('port 0: no address yet (the listening line gives it), the note still says who can reach it', () => {
    expect(addressToOpen('127.0.0.1', 0)).toEqual({ url: null, note: expect.stringContaining('HOST=0.0.0.0') });
  });
});
