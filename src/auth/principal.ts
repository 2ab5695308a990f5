// Who is calling: the verified identity the API derives from a token and passes on to
// services and workflow Updates (whose validators check it again).
// `operator`: platform operators, not a tenant role; reads decrypted Temporal payloads through
// the codec server (README "Payloads at rest"), which spans every tenant.
export const ROLES = ['editor', 'reviewer', 'admin', 'operator'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  /** The token's subject: a stable user id. */
  userId: string;
  /** The tenant the user belongs to; every read and write is scoped to it. */
  tenantId: string;
  roles: Role[];
}

export function hasRole(principal: Pick<Principal, 'roles'>, ...roles: Role[]): boolean {
  return principal.roles.some((role) => roles.includes(role));
}
