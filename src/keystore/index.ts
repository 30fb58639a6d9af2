export { encryptKeystore, type EncryptKeystoreOptions, type EncryptKeystoreReturnType } from './encryptKeystore.js';
export { decryptKeystore, type DecryptKeystoreReturnType } from './decryptKeystore.js';
export { parseKeystore } from './parseKeystore.js';
export { readKeystoreFile } from './readKeystoreFile.js';
export { writeKeystoreFile } from './writeKeystoreFile.js';
export { writeFileAtomic, writeFileAtomicSync } from './writeFileAtomic.js';
export {
  KeystoreError,
  LIGHT_SCRYPT,
  STANDARD_SCRYPT,
  type Keystore,
  type KeystoreErrorCode,
  type Pbkdf2KdfParams,
  type ScryptKdfParams,
} from './types.js';
