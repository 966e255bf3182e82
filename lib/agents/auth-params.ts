/** The credential parameters of an OCF agent as lib/openstack's AuthParams (state_dir and domain are not credentials). */
import type { AuthParams } from '../openstack/credentials';
import { credentialParameters } from './credentials';

type CredentialValues = { readonly [K in keyof typeof credentialParameters]?: string | boolean | undefined };

export function authParams(params: CredentialValues): AuthParams {
  const out: Record<string, string | boolean | undefined> = {};
  for (const key of Object.keys(credentialParameters) as (keyof typeof credentialParameters)[]) {
    if (key === 'state_dir' || key === 'domain') continue;
    const value = params[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}
