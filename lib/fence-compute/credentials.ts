/**
 * fence_compute's options → the parameters lib/openstack resolves credentials from. Only
 * options the operator set are passed (plus the classic domain defaults when no cloud or
 * credentials file is used), so a clouds.yaml entry is not overridden by a default.
 */
import { resolveAuthSpec, type AuthParams, type AuthSpec } from '../openstack/credentials';
import type { FenceComputeContext } from './ports';

const PASSED = [
  'auth_url',
  'username',
  'password',
  'tenant_name',
  'user_domain',
  'project_domain',
  'endpoint_type',
  'region_name',
  'insecure',
  'cloud',
  'clouds_yaml',
  'credentials_file',
  'application_credential_id',
  'application_credential_secret',
  'ca_bundle',
] as const;

export function authParams(ctx: Pick<FenceComputeContext, 'options' | 'given'>): AuthParams {
  const params: Record<string, string | boolean | undefined> = {};
  const fromFile = ctx.given.has('cloud') || ctx.given.has('credentials_file');
  for (const key of PASSED) {
    const value = ctx.options[key];
    // The password may come from password_script, which the runtime resolved into `password`.
    if (ctx.given.has(key) || (key === 'password' && value !== undefined)) params[key] = value;
    else if (!fromFile && (key === 'user_domain' || key === 'project_domain')) params[key] = value;
  }
  return params;
}

export function authSpec(ctx: Pick<FenceComputeContext, 'options' | 'given'>): AuthSpec {
  return resolveAuthSpec(authParams(ctx));
}
