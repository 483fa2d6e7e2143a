/** Version of this client, shown by `mycelctl version`; equal to package.json's (a spec checks it). */
export const MYCELCTL_VERSION = '0.1.0';
