/**
 * @module util/arena
 * One shared WebAssembly memory holding named tables at 64-byte aligned offsets, so that the
 * WebAssembly kernels and every thread of a team (models/lightgcn/team) address the same tables
 * by byte offset. FREEDOM and VBPR keep their training state here.
 */
import { InvalidArgumentError } from '../errors.js';

/** A table request: element count and type. */
export interface TableSpec {
  length: number;
  type: 'f32' | 'i32';
}

export class Arena<Name extends string> {
  readonly memory: WebAssembly.Memory;
  /** Byte offset of each table. */
  readonly at: Readonly<Record<Name, number>>;
  private readonly specs: Readonly<Record<Name, TableSpec>>;

  constructor(specs: Record<Name, TableSpec>, what: string) {
    let top = 0;
    const at = {} as Record<Name, number>;
    for (const name of Object.keys(specs) as Name[]) {
      at[name] = top;
      top += Math.ceil((4 * specs[name].length) / 64) * 64;
    }
    const pages = Math.ceil(top / 65536) + 1;
    if (pages > 65536) {
      throw new InvalidArgumentError(`${what} needs ${top} bytes of tables, more than WebAssembly's 4 GiB`);
    }
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    this.at = at;
    this.specs = specs;
  }

  /** A Float32Array view of a float table. */
  f32(name: Name): Float32Array {
    return new Float32Array(this.memory.buffer, this.at[name], this.specs[name].length);
  }

  /** An Int32Array view of an integer table. */
  i32(name: Name): Int32Array {
    return new Int32Array(this.memory.buffer, this.at[name], this.specs[name].length);
  }
}
