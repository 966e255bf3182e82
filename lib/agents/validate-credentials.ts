/**
 * validate-all checks shared by the OCF agents: credentials present (by name) unless a cloud,
 * credentials file or application credential supplies them; endpoint_type spelled as Keystone
 * catalogs know it; files that are named exist here; attrd_updater installed.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ArgsError, ConfigError, NotInstalledError } from '../runtime/errors';
import { ENDPOINT_TYPES } from './credentials';

export interface CredentialParams {
  readonly auth_url: string | undefined;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly tenant_name: string | undefined;
  readonly endpoint_type: string;
  readonly cloud: string | undefined;
  readonly clouds_yaml: string | undefined;
  readonly credentials_file: string | undefined;
  readonly ca_bundle: string | undefined;
  readonly application_credential_id: string | undefined;
  readonly application_credential_secret: string | undefined;
}

function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

export function validateCredentials(params: CredentialParams): void {
  if (!(ENDPOINT_TYPES as readonly string[]).includes(params.endpoint_type)) {
    throw new ConfigError(
      `endpoint_type '${params.endpoint_type}' is invalid: use one of ${ENDPOINT_TYPES.join(', ')}`,
    );
  }
  if (params.application_credential_id !== undefined) {
    if (params.application_credential_secret === undefined) {
      throw new ConfigError('application_credential_secret not configured (application_credential_id is set)');
    }
    if (params.auth_url === undefined && params.cloud === undefined && params.credentials_file === undefined) {
      throw new ConfigError('auth_url not configured (needed with application_credential_id)');
    }
  } else if (params.cloud === undefined && params.credentials_file === undefined) {
    for (const name of ['auth_url', 'username', 'password', 'tenant_name'] as const) {
      if (params[name] === undefined) {
        throw new ConfigError(`${name} not configured (or set cloud or credentials_file)`);
      }
    }
  }
  // A file missing on this node only: OCF_ERR_ARGS, so Pacemaker may try another node.
  for (const name of ['clouds_yaml', 'credentials_file', 'ca_bundle'] as const) {
    const path = params[name];
    if (path !== undefined && !readable(path)) throw new ArgsError(`${name} '${path}' is not readable on this node`);
  }
}

export function nonNegative(name: string, value: number): void {
  if (value < 0) throw new ConfigError(`${name} must not be negative, got ${value}`);
}

/** Like ocf-binaries' check_binary: an executable on PATH, else OCF_ERR_INSTALLED. */
export function requireBinary(name: string, env: NodeJS.ProcessEnv, hint: string): void {
  const dirs = (env.PATH || '/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter).filter(Boolean);
  for (const dir of dirs) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return;
    } catch {
      // try the next directory
    }
  }
  throw new NotInstalledError(`${name} not found in PATH (${hint})`);
}
