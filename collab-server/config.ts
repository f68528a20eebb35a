import { MIN_SECRET_LENGTH, ROLES, type Role } from '../shared/token';
import { type BooleanOption, type IntegerOption, type ListOption, OPTIONS, type Option } from './configOptions';
import { trustProxyProblem } from './net/ClientAddresses';

export { APP_DEFAULTS, OPTIONS } from './configOptions';

/**
 * The collab server's configuration, read from the options table (`configOptions.ts`): each
 * option from its CLI flag, else its environment variable, else its default. `parseConfig` reads
 * it once at start and fails with a message naming the option; `helpText` and the README's table
 * are generated from the same rows.
 */

type Options = typeof OPTIONS;
type ValueOf<O> = O extends IntegerOption
  ? number
  : O extends ListOption
    ? string[]
    : O extends BooleanOption
      ? boolean
      : O extends { default: string }
        ? string
        : string | undefined;

/** The validated configuration. */
export type Config = { -readonly [K in keyof Options]: K extends 'linkManagerRoles' ? Role[] : ValueOf<Options[K]> };

/** A configuration problem, with a message naming the option and what was expected. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const flagOf = (option: Option) => `--${option.env.toLowerCase().replace(/_/g, '-')}`;

/**
 * Reads the configuration from CLI flags (`--port 80` or `--port=80`), then environment variables,
 * then defaults. `overrides` (for embedding and tests) wins over both.
 */
export function parseConfig(argv: readonly string[] = [], env: Record<string, string | undefined> = {}, overrides: Partial<Config> = {}): Config {
  const flags = parseFlags(argv);
  const config: Record<string, unknown> = {};
  for (const [key, option] of Object.entries(OPTIONS) as [keyof Options, Option][]) {
    if (key in overrides && overrides[key] !== undefined) {
      config[key] = overrides[key];
      continue;
    }
    const flag = flagOf(option);
    const raw = flags.get(flag) ?? env[option.env];
    const source = flags.has(flag) ? flag : option.env;
    config[key] = raw === undefined || raw === '' ? option.default : parseValue(option, raw, source);
  }
  for (const flag of flags.keys()) {
    if (!Object.values(OPTIONS).some((option) => flagOf(option) === flag)) {
      throw new ConfigError(`unknown option ${flag}; run with --help to see the options`);
    }
  }
  const result = config as Config;
  if (result.authSecret !== undefined && result.authSecret.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(`AUTH_SECRET must be at least ${MIN_SECRET_LENGTH} characters long (got ${result.authSecret.length})`);
  }
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  if (!levels.includes(result.logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${levels.join(', ')} (got "${result.logLevel}")`);
  for (const [option, origins] of [
    ['ALLOWED_ORIGINS', result.allowedOrigins],
    ['EMBED_ORIGINS', result.embedOrigins],
  ] as const) {
    for (const origin of origins) {
      if (origin !== '*' && !/^https?:\/\/[^/]+$/.test(origin)) {
        throw new ConfigError(`${option} entries must look like https://example.com (scheme and host, no path); got "${origin}"`);
      }
    }
  }
  for (const entry of result.trustProxy) {
    const problem = trustProxyProblem(entry);
    if (problem) throw new ConfigError(problem);
  }
  for (const [index, url] of result.webhookUrls.entries()) {
    // Not echoed: a webhook URL often carries a secret in its path.
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol))
      throw new ConfigError(`WEBHOOK_URLS entry ${index + 1} is not an http:// or https:// URL`);
  }
  if (result.webhookUrls.length > 0 && !result.webhookSecret) {
    throw new ConfigError('WEBHOOK_SECRET must be set when WEBHOOK_URLS is: receivers verify each delivery with it');
  }
  for (const role of result.linkManagerRoles) {
    if (!ROLES.includes(role)) throw new ConfigError(`LINK_MANAGER_ROLES entries must be roles: ${ROLES.join(', ')} (got "${role}")`);
  }
  if (result.leaseRenewMs * 3 > result.leaseTtlMs) {
    throw new ConfigError(
      `LEASE_RENEW_MS (${result.leaseRenewMs}) must be at most a third of LEASE_TTL_MS (${result.leaseTtlMs}), so a lease survives a missed renewal`,
    );
  }
  if (result.databaseUrl !== undefined && result.authSecret === undefined) {
    throw new ConfigError('AUTH_SECRET must be set with DATABASE_URL: every node of a cluster checks tokens (and other nodes) with the same secret');
  }
  if (result.databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(result.databaseUrl)) {
    // Not echoed: the string holds the database password.
    throw new ConfigError('DATABASE_URL must be a postgres:// or postgresql:// connection string');
  }
  if (result.nodeUrl !== undefined && !/^https?:\/\/[^/]+$/.test(result.nodeUrl)) {
    throw new ConfigError(`NODE_URL must look like http://10.0.0.5:1234 (scheme, host and port, no path); got "${result.nodeUrl}"`);
  }
  if (result.webhookSecret !== undefined && result.webhookSecret.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(`WEBHOOK_SECRET must be at least ${MIN_SECRET_LENGTH} characters long (got ${result.webhookSecret.length})`);
  }
  if (result.oidcIssuer !== undefined) {
    if (!URL.canParse(result.oidcIssuer) || !/^https?:$/.test(new URL(result.oidcIssuer).protocol)) {
      throw new ConfigError(`OIDC_ISSUER must be an http:// or https:// URL; got "${result.oidcIssuer}"`);
    }
    if (!result.oidcClientId || !result.oidcClientSecret) throw new ConfigError('OIDC_CLIENT_ID and OIDC_CLIENT_SECRET must be set with OIDC_ISSUER');
    if (!result.publicUrl) throw new ConfigError('PUBLIC_URL must be set with OIDC_ISSUER: the identity provider redirects people back to it');
  }
  if (result.publicUrl !== undefined && !/^https?:\/\/[^/]+$/.test(result.publicUrl)) {
    throw new ConfigError(`PUBLIC_URL must look like https://docs.example.com (scheme and host, no path); got "${result.publicUrl}"`);
  }
  return result;
}

function parseFlags(argv: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument "${arg}"; options look like --port 1234`);
    const eq = arg.indexOf('=');
    if (eq > 0) {
      flags.set(arg.slice(0, eq), arg.slice(eq + 1));
    } else {
      const option = Object.values(OPTIONS).find((candidate) => flagOf(candidate) === arg);
      const next = argv[i + 1];
      if (option?.kind === 'boolean' && (next === undefined || next.startsWith('--'))) {
        flags.set(arg, 'true');
      } else {
        if (next === undefined) throw new ConfigError(`${arg} needs a value`);
        flags.set(arg, next);
        i++;
      }
    }
  }
  return flags;
}

function parseValue(option: Option, raw: string, source: string): unknown {
  switch (option.kind) {
    case 'integer': {
      if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${source} must be a whole number (got "${raw}")`);
      const value = Number(raw);
      if (value < option.min || (option.max !== undefined && value > option.max)) {
        throw new ConfigError(`${source} must be between ${option.min} and ${option.max ?? 'any larger number'} (got ${value})`);
      }
      return value;
    }
    case 'boolean': {
      if (/^(1|true|yes|on)$/i.test(raw)) return true;
      if (/^(0|false|no|off)$/i.test(raw)) return false;
      throw new ConfigError(`${source} must be true or false (got "${raw}")`);
    }
    case 'list':
      return raw
        .split(',')
        .map((entry) => entry.trim().replace(/\/$/, ''))
        .filter(Boolean);
    default:
      return raw;
  }
}

/** The `--help` text. */
export function helpText(command: string, defaults: Readonly<Record<string, string>> = {}): string {
  const rows = Object.values(OPTIONS as Record<string, Option>).map((option) => {
    const value = defaults[option.env] ?? (Array.isArray(option.default) ? option.default.join(',') || 'none' : option.default);
    const fallback = value === undefined ? '' : ` (default: ${value})`;
    return `  ${`${flagOf(option)}, ${option.env}`.padEnd(52)} ${option.description}${fallback}`;
  });
  return [
    `Usage: ${command} [options]`,
    '',
    'Every option can be given as a flag or as an environment variable:',
    '',
    ...rows,
    '',
    '  --help                                               Show this text',
  ].join('\n');
}
