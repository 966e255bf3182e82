/**
 * The CLI's credential options → the same AuthParams the agents resolve (lib/openstack/
 * credentials.ts), so `nova-ha` authenticates exactly as NovaEvacuate and fence_compute do.
 *
 * Sources, as the openstack CLI: `--cloud` (or OS_CLOUD) from clouds.yaml, or
 * `--credentials-file` (an openrc file, read not executed), or `--os-*` options with the
 * OS_* environment under them. When a cloud or a credentials file is chosen, the OS_*
 * environment is ignored (a stray openrc in the shell must not silently override it); explicit
 * `--os-*` options still win. A password or secret on argv works but is warned about: other
 * users can read a process's argv.
 */
import type { AuthParams } from '../openstack/credentials';

/** Commander's camelCase option values for the credential options below. */
export interface CredentialOptions {
  cloud?: string;
  cloudsYaml?: string;
  credentialsFile?: string;
  osAuthUrl?: string;
  osAuthType?: string;
  osUsername?: string;
  osUserId?: string;
  osPassword?: string;
  osProjectName?: string;
  osProjectId?: string;
  osUserDomainName?: string;
  osProjectDomainName?: string;
  osRegionName?: string;
  osInterface?: string;
  osCacert?: string;
  insecure?: boolean;
  osApplicationCredentialId?: string;
  osApplicationCredentialName?: string;
  osApplicationCredentialSecret?: string;
}

/** option key → [our parameter name, its OS_* variable]. */
const OPTION_PARAMS: ReadonlyArray<readonly [keyof CredentialOptions, string, string]> = [
  ['osAuthUrl', 'auth_url', 'OS_AUTH_URL'],
  ['osAuthType', 'auth_type', 'OS_AUTH_TYPE'],
  ['osUsername', 'username', 'OS_USERNAME'],
  ['osUserId', 'user_id', 'OS_USER_ID'],
  ['osPassword', 'password', 'OS_PASSWORD'],
  ['osProjectName', 'project_name', 'OS_PROJECT_NAME'],
  ['osProjectId', 'project_id', 'OS_PROJECT_ID'],
  ['osUserDomainName', 'user_domain', 'OS_USER_DOMAIN_NAME'],
  ['osProjectDomainName', 'project_domain', 'OS_PROJECT_DOMAIN_NAME'],
  ['osRegionName', 'region_name', 'OS_REGION_NAME'],
  ['osInterface', 'endpoint_type', 'OS_INTERFACE'],
  ['osCacert', 'ca_bundle', 'OS_CACERT'],
  ['osApplicationCredentialId', 'application_credential_id', 'OS_APPLICATION_CREDENTIAL_ID'],
  ['osApplicationCredentialName', 'application_credential_name', 'OS_APPLICATION_CREDENTIAL_NAME'],
  ['osApplicationCredentialSecret', 'application_credential_secret', 'OS_APPLICATION_CREDENTIAL_SECRET'],
];

/** Legacy spellings the openstack CLI still honours, used when the modern one is unset. */
const LEGACY_ENV: Readonly<Record<string, string>> = {
  OS_PROJECT_NAME: 'OS_TENANT_NAME',
  OS_PROJECT_ID: 'OS_TENANT_ID',
  OS_INTERFACE: 'OS_ENDPOINT_TYPE',
};

export const SECRET_OPTIONS: ReadonlyArray<readonly [keyof CredentialOptions, string]> = [
  ['osPassword', '--os-password'],
  ['osApplicationCredentialSecret', '--os-application-credential-secret'],
];

export interface CliAuthParams {
  readonly params: AuthParams;
  /** Warnings to print (a secret given on argv). */
  readonly warnings: readonly string[];
}

function envValue(env: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  const value = env[name] || (LEGACY_ENV[name] ? env[LEGACY_ENV[name]] : undefined);
  return value === '' ? undefined : value;
}

export function cliAuthParams(
  options: CredentialOptions,
  env: Readonly<Record<string, string | undefined>>,
): CliAuthParams {
  const params: Record<string, string | boolean | undefined> = {};
  const warnings: string[] = [];
  const cloud = options.cloud ?? envValue(env, 'OS_CLOUD');
  const credentialsFile = options.credentialsFile;
  const fromEnv = cloud === undefined && credentialsFile === undefined;

  if (cloud !== undefined) params.cloud = cloud;
  if (options.cloudsYaml !== undefined) params.clouds_yaml = options.cloudsYaml;
  if (credentialsFile !== undefined) params.credentials_file = credentialsFile;
  for (const [key, name, variable] of OPTION_PARAMS) {
    const given = options[key];
    const value = typeof given === 'string' ? given : fromEnv ? envValue(env, variable) : undefined;
    if (value !== undefined) params[name] = value;
  }
  const insecureEnv = fromEnv ? envValue(env, 'OS_INSECURE') : undefined;
  if (options.insecure) params.insecure = true;
  else if (insecureEnv !== undefined) params.insecure = insecureEnv;
  // The openstack CLI's default interface is public (the agents' is internal).
  if (params.endpoint_type === undefined && cloud === undefined && credentialsFile === undefined) {
    params.endpoint_type = 'public';
  }

  for (const [key, flag] of SECRET_OPTIONS) {
    if (typeof options[key] === 'string') {
      const variable = flag.replace(/^--/, '').replace(/-/g, '_').toUpperCase();
      warnings.push(
        `${flag} on the command line is visible to every user of this host (ps); prefer ${variable} in the environment, --cloud or --credentials-file`,
      );
    }
  }
  return { params, warnings };
}
