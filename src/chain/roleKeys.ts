import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalAccount } from 'viem';
import { generatePrivateKey } from 'viem/accounts';
import { nativeAccount } from './nativeAccount.js';
import { decryptKeystore, encryptKeystore, readKeystoreFile, writeKeystoreFile } from '../keystore/index.js';

/**
 * The accounts Pythia itself operates. Least privilege: each holds only its own role; `pythia`
 * signs the answers given to devices and holds no role on chain.
 */
export const ROLE_NAMES = ['admin', 'operator', 'relayer', 'pythia'] as const;
export type RoleName = (typeof ROLE_NAMES)[number];
export type RoleAccounts = Record<RoleName, LocalAccount>;

export type LoadRoleKeysParameters = {
  dataDir: string;
  passphrase: string;
  /** scrypt cost; the keystore default unless a test wants speed. */
  scryptN?: number;
};

export function roleKeyPath(dataDir: string, role: RoleName): string {
  return join(dataDir, 'keys', `${role}.json`);
}

/**
 * Loads the role keys from `<data-dir>/keys/<role>.json`, creating (and encrypting) any that
 * are missing: keys are born on the machine that uses them, never taken from a well-known list.
 */
export async function loadOrCreateRoleKeys({
  dataDir,
  passphrase,
  scryptN,
}: LoadRoleKeysParameters): Promise<RoleAccounts & { created: RoleName[] }> {
  mkdirSync(join(dataDir, 'keys'), { recursive: true, mode: 0o700 });
  const created: RoleName[] = [];
  const accounts = {} as RoleAccounts;
  for (const role of ROLE_NAMES) {
    const path = roleKeyPath(dataDir, role);
    if (!existsSync(path)) {
      const privateKey = generatePrivateKey();
      await writeKeystoreFile(path, await encryptKeystore(privateKey, passphrase, scryptN ? { scryptN } : {}));
      created.push(role);
      accounts[role] = nativeAccount(privateKey);
    } else {
      accounts[role] = nativeAccount((await decryptKeystore(await readKeystoreFile(path), passphrase)).privateKey);
    }
  }
  return Object.assign(accounts, { created });
}

/** Loads one role key, e.g. the operator's for `pythia device register`. */
export async function loadRoleKey(dataDir: string, role: RoleName, passphrase: string): Promise<LocalAccount> {
  const path = roleKeyPath(dataDir, role);
  if (!existsSync(path)) throw new Error(`no ${role} key at ${path}: run \`pythia up\` first (or pass --data-dir)`);
  return nativeAccount((await decryptKeystore(await readKeystoreFile(path), passphrase)).privateKey);
}
