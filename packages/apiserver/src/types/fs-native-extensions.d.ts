// The part of fs-native-extensions (no bundled types) the data directory lock uses.
declare module "fs-native-extensions" {
  /**
   * Takes an exclusive (or shared) lock on an open file without waiting: an open-file-description lock
   * (fcntl F_OFD_SETLK) on Linux, flock elsewhere. False when another open file holds it.
   */
  export function tryLock(fd: number, offset?: number, length?: number, opts?: { shared?: boolean }): boolean;
}
