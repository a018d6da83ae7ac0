/** Inputs to `translate` besides the resources: settings from flags and the config file. Pure data. */
export interface GroupSettings {
  readonly httpPort: number;
  readonly httpsPort: number;
}

export interface TranslateOptions {
  /** Listener ports of every group unless `groups` overrides them. */
  readonly defaults: GroupSettings;
  /** Groups declared in the config file (served even with no Ingress), with optional per-group ports. */
  readonly groups: Readonly<Record<string, Partial<GroupSettings>>>;
}

export const DEFAULT_GROUP = 'default';
export const CONTROLLER_NAME = 'causeway.dev/gateway';

export const DEFAULT_TRANSLATE_OPTIONS: TranslateOptions = {
  defaults: { httpPort: 8080, httpsPort: 8443 },
  groups: {},
};

export function groupSettings(options: TranslateOptions, group: string): GroupSettings {
  return { ...options.defaults, ...(options.groups[group] ?? {}) };
}
