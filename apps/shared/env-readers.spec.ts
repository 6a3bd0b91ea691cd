import { describe, expect, it } from '@jest/globals';

import {
  DEFAULT_HOST,
  readFileVariable,
  readHost,
  readOptional,
  readPort,
  readPositiveInteger,
} from './env-readers.js';

describe('the sample apps env readers', () => {
  it('treat a blank value as unset and trim the others', () => {
    expect(readOptional({ A: '  ' }, 'A')).toBeUndefined();
    expect(readOptional({ A: ' x ' }, 'A')).toBe('x');
    expect(readPort({ P: '' }, 'P', 4000)).toBe(4000);
    expect(readHost({}, 'H')).toBe(DEFAULT_HOST);
    expect(readPositiveInteger({ N: ' ' }, 'N')).toBeUndefined();
  });

  it.each([
    [() => readPort({ P: '3000x' }, 'P', 1), 'P must be a port number (1-65535)'],
    [() => readPort({ P: '65536' }, 'P', 1), 'P must be a port number (1-65535)'],
    [() => readHost({ H: 'http://localhost' }, 'H'), 'H must be a host name or an IP address'],
    [() => readPositiveInteger({ N: '0' }, 'N'), 'N must be a positive integer'],
    [() => readPositiveInteger({ N: '1.5' }, 'N'), 'N must be a positive integer'],
  ])('reject a malformed value with a message naming the variable (%#)', (read, message) => {
    expect(read).toThrow(message);
  });

  it('read a named file, and name the variable (not the path) when it cannot be read', () => {
    const files: Record<string, string> = { '/run/ca.pem': 'PEM' };
    const readFile = (path: string) => {
      if (path in files) return files[path]!;
      throw Object.assign(new Error(`ENOENT ${path}`), { code: 'ENOENT' });
    };
    expect(readFileVariable({ CA: '/run/ca.pem' }, 'CA', readFile)).toBe('PEM');
    expect(readFileVariable({}, 'CA', readFile)).toBeUndefined();
    expect(() => readFileVariable({ CA: '/secret/path' }, 'CA', readFile)).toThrow(
      /^CA names a file that cannot be read \(ENOENT\)$/,
    );
  });
});
