import type * as oauth from 'oauth4webapi';

/**
 * `application/x-www-form-urlencoded` encoding of one value, as the WHATWG URL standard serialises it: ASCII
 * alphanumerics and `*-._` stay, space becomes `+`, everything else is percent-encoded (UTF-8).
 */
export function formUrlEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice('v='.length);
}

/**
 * `client_secret_basic` (RFC 6749 §2.3.1): id and secret form-urlencoded, joined by `:`, Base64 in `Authorization:
 * Basic`. oauth4webapi's own encoding also escapes `-._~*!'()`, which compliant servers decode alike but servers that
 * do not decode at all (glewlwyd, many deployed ones) then refuse for an id like `orders-caller`; the form serialiser
 * leaves `*-._` alone and still makes `:` and `%` in a secret unambiguous.
 */
export function clientSecretBasic(clientSecret: string): oauth.ClientAuth {
  return (_as, client, _body, headers) => {
    const credentials = `${formUrlEncode(client.client_id)}:${formUrlEncode(clientSecret)}`;
    headers.set('authorization', `Basic ${Buffer.from(credentials).toString('base64')}`);
  };
}
