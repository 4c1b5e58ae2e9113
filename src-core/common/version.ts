/** Herd's version: the CLI's `--version`, and what Herd writes into files it makes (NWB's `source_software`). Keep in step with package.json. */
export const HERD_VERSION = '0.1.0';
