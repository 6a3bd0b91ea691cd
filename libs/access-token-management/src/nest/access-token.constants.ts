/** Injection token of the module options, validated (internal: users configure through `forRoot`/`forRootAsync`). */
export const ACCESS_TOKEN_MODULE_OPTIONS = 'ACCESS_TOKEN:MODULE_OPTIONS';

/** The injection token of the authorizing `HttpService` of one client, for use with `@Inject` or `moduleRef.get`. */
export function getHttpServiceToken(clientName: string): string {
  return `ACCESS_TOKEN:HTTP_SERVICE:${clientName}`;
}

/** The injection token of the authorized `fetch` of one client, for use with `@Inject` or `moduleRef.get`. */
export function getAuthorizedFetchToken(clientName: string): string {
  return `ACCESS_TOKEN:FETCH:${clientName}`;
}
