/** @module Sync protocol: canonical event encoding, hash chain, Ed25519 batch signatures, device JWTs, retry rules. */
export * from './canonical';
export * from './chain';
export * from './signature';
export * from './device-token';
export * from './retry';
