import { mkdir, mkdtemp, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A directory laid out the way the kubelet writes a Kubernetes secret volume: each file is a symlink
 * `<name> -> ..data/<name>`, `..data` a symlink to a timestamped directory holding the contents. An update writes a
 * new timestamped directory and swaps `..data` with one atomic rename, then removes the old directory — so a reader
 * sees either all old or all new files, and every file gets a new inode.
 */
export class SecretVolume {
  private generation = 0;

  private constructor(readonly dir: string) {}

  static async create(files: Record<string, string>): Promise<SecretVolume> {
    const volume = new SecretVolume(await mkdtemp(join(tmpdir(), 'atm-secret-volume-')));
    await volume.update(files);
    for (const name of Object.keys(files)) await symlink(join('..data', name), join(volume.dir, name));
    return volume;
  }

  /** The path a pod reads `name` at (`/var/run/secrets/.../<name>`). */
  path(name: string): string {
    return join(this.dir, name);
  }

  /** Writes new contents and swaps them in at once, as the kubelet does. */
  async update(files: Record<string, string>): Promise<void> {
    this.generation += 1;
    const next = `..${new Date().toISOString().replace(/[:.]/g, '_')}.${this.generation}`;
    await mkdir(join(this.dir, next));
    for (const [name, content] of Object.entries(files)) await writeFile(join(this.dir, next, name), content);
    const previous = await readlink(join(this.dir, '..data')).catch(() => undefined);
    await symlink(next, join(this.dir, '..data_tmp'));
    await rename(join(this.dir, '..data_tmp'), join(this.dir, '..data'));
    if (previous !== undefined) await rm(join(this.dir, previous), { recursive: true, force: true });
  }

  /** Removes one file (its symlink), as when a key is dropped from the secret. */
  async delete(name: string): Promise<void> {
    await rm(join(this.dir, name));
  }

  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
