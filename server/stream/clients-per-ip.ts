/** Open streams by client address, for MAX_CLIENTS_PER_IP. */
export class ClientsPerIp {
  readonly #counts = new Map<string, number>();

  /** Streams open from `ip`. */
  count(ip: string): number {
    return this.#counts.get(ip) ?? 0;
  }

  add(ip: string): void {
    this.#counts.set(ip, this.count(ip) + 1);
  }

  /** Forgets one stream of `ip` (an address with none left takes no memory). */
  remove(ip: string): void {
    const left = this.count(ip) - 1;
    if (left > 0) this.#counts.set(ip, left);
    else this.#counts.delete(ip);
  }
}
