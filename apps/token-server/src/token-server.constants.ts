/** Injection tokens of the token server module. */
export const TOKEN_SERVER_SETTINGS = Symbol('TOKEN_SERVER_SETTINGS');
export const OIDC_PROVIDER = Symbol('OIDC_PROVIDER');
