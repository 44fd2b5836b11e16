// A small set of option types (0-255): the options the peer Rejected in one negotiation.
// It holds none on most links and at most a handful; a Set costs ~190 bytes per instance
// (object + hash table) even empty, this costs one small object and an array only once used.

export class OptionTypeSet {
  private list: number[] | null = null;

  has(type: number): boolean {
    return this.list !== null && this.list.includes(type);
  }

  add(type: number): void {
    if (this.list === null) this.list = [type];
    else if (!this.list.includes(type)) this.list.push(type);
  }

  delete(type: number): boolean {
    const l = this.list;
    const i = l === null ? -1 : l.indexOf(type);
    if (i < 0) return false;
    l!.splice(i, 1);
    if (l!.length === 0) this.list = null;
    return true;
  }

  get size(): number {
    return this.list === null ? 0 : this.list.length;
  }
}
