import { Module } from '@nestjs/common';

/**
 * The module that `AccessTokenModule.forFeature` returns: it holds the named `HttpService`s of the module that
 * imports it, and finds the manager among the global providers.
 */
@Module({})
export class AccessTokenFeatureModule {}
