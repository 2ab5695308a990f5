// API tokens: JWTs with sub, tenant and roles, verified with pinned algorithms, issuer, audience
// and expiry all required. Anything else is refused with a reason (never a 500).
import { SignJWT, errors as joseErrors, jwtVerify, type CryptoKey } from 'jose';
import { z } from 'zod';
import type { Config } from '../config';
import { ROLES, type Principal, type Role } from './principal';
import { idSchema } from '../ids';

const Claims = z.object({
  sub: z.string().min(1).max(200),
  tenant: idSchema(),
  roles: z.array(z.enum(ROLES)).min(1),
});

export class InvalidToken extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'InvalidToken';
  }
}

type VerifyConfig = Pick<Config, 'JWT_ISSUER' | 'JWT_AUDIENCE' | 'JWT_ALGORITHMS'>;

export function createTokenVerifier(config: VerifyConfig, key: CryptoKey) {
  return async (token: string): Promise<Principal> => {
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, key, {
        algorithms: config.JWT_ALGORITHMS,
        issuer: config.JWT_ISSUER,
        audience: config.JWT_AUDIENCE,
        requiredClaims: ['exp', 'sub', 'iss', 'aud'],
        clockTolerance: 5,
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw new InvalidToken('the token has expired');
      if (error instanceof joseErrors.JOSEAlgNotAllowed)
        throw new InvalidToken('the token is signed with an algorithm that is not accepted');
      if (error instanceof joseErrors.JWTClaimValidationFailed) throw new InvalidToken(`the token's ${error.claim} claim is not accepted`);
      if (error instanceof joseErrors.JWSSignatureVerificationFailed) throw new InvalidToken('the token signature does not verify');
      throw new InvalidToken('the token is malformed');
    }
    const claims = Claims.safeParse(payload);
    if (!claims.success) throw new InvalidToken(`the token needs sub, tenant and roles (${ROLES.join(', ')}) claims`);
    return { userId: claims.data.sub, tenantId: claims.data.tenant, roles: claims.data.roles };
  };
}

export async function mintToken(
  key: CryptoKey,
  config: Pick<Config, 'JWT_ISSUER' | 'JWT_AUDIENCE'>,
  claims: { sub: string; tenant: string; roles: Role[] },
  ttl: string | number = '1h',
): Promise<string> {
  return new SignJWT({ tenant: claims.tenant, roles: claims.roles })
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer(config.JWT_ISSUER)
    .setAudience(config.JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(ttl)
    .sign(key);
}
